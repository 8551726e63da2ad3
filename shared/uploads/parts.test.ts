import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planParts } from './parts.ts';

test('parts cover the file and respect S3 limits', () => {
  const mib = 1024 * 1024;
  assert.deepEqual(planParts(100 * mib, 32 * mib), { partSize: 32 * mib, partCount: 4 });
  assert.deepEqual(planParts(2 * mib, 1 * mib), { partSize: 5 * mib, partCount: 1 });
  const huge = planParts(5 * 1024 ** 4, 32 * mib);
  assert.ok(huge.partCount <= 10_000);
  assert.ok(huge.partSize * huge.partCount >= 5 * 1024 ** 4);
});
