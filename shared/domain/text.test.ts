import assert from 'node:assert/strict';
import { test } from 'node:test';
import { truncateUtf8 } from './text.ts';

test('truncateUtf8 keeps whole characters within the byte budget', () => {
  assert.equal(truncateUtf8('canción', 100), 'canción');
  assert.equal(truncateUtf8('canción', 6), 'canci');
  assert.equal(truncateUtf8('canción', 5), 'canci');
  assert.equal(truncateUtf8('😀😀', 7), '😀');
  assert.equal(truncateUtf8('abc', 0), '');
  const long = 'ñ'.repeat(1_000_000);
  const cut = truncateUtf8(long, 1001);
  assert.equal(Buffer.byteLength(cut), 1000);
  assert.ok(!cut.includes('\ufffd'));
});
