import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInstant } from './instant.ts';

test('real calendar dates and zoned date-times are read as the instant they name', () => {
  assert.equal(parseInstant('2024-02-29')?.toISOString(), '2024-02-29T00:00:00.000Z');
  assert.equal(parseInstant('2024-03-01T10:00:00Z')?.toISOString(), '2024-03-01T10:00:00.000Z');
  assert.equal(parseInstant('2024-03-01T10:00:00.123456Z')?.toISOString(), '2024-03-01T10:00:00.123Z');
  assert.equal(parseInstant('2024-03-01T10:00+01:30')?.toISOString(), '2024-03-01T08:30:00.000Z');
  assert.equal(parseInstant('9999-12-31T23:59:59.999Z')?.toISOString(), '9999-12-31T23:59:59.999Z');
});

test('impossible dates, years outside 1000–9999 and unzoned or loose forms are refused', () => {
  for (const text of [
    '2024-02-31', '2023-02-29', '2024-04-31', '2024-13-01', '2024-00-10', '0000-01-01', '0999-12-31', '+275760-09-13T00:00:00.000Z',
    '2024-01-01T24:00:00Z', '2024-01-01T10:60Z', '2024-01-01T10:00:00', '2024-01-01 10:00:00Z', '2024-01-01T10:00:00+25:00',
    '1', 'a 1', 'yesterday', '', '2024-1-1',
  ]) {
    assert.equal(parseInstant(text), undefined, text);
  }
});
