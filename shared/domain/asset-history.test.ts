import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RecordedChange, replay } from './asset-history.ts';

const log: RecordedChange[] = [
  { version: 1, changes: { state: 'uploading', title: 'a', tags: ['x'] } },
  { version: 2, changes: { state: 'uploaded', sha256: 'f' } },
  { version: 3, changes: { title: 'b', tags: [] } },
  { version: 4, changes: { state: 'ready' } },
];

test('the state at a version is the fold of the changes up to it', () => {
  assert.deepEqual(replay(undefined, log), { ok: true, version: 4, state: { state: 'ready', title: 'b', tags: [], sha256: 'f' } });
  assert.deepEqual(replay(undefined, log.slice(0, 2)), { ok: true, version: 2, state: { state: 'uploaded', title: 'a', tags: ['x'], sha256: 'f' } });
});

test('a snapshot plus the tail after it gives what the full replay gives, at every version', () => {
  for (let at = 1; at <= log.length; at++) {
    const snapshot = replay(undefined, log.slice(0, at));
    assert.ok(snapshot.ok);
    for (let to = at; to <= log.length; to++) assert.deepEqual(replay(snapshot, log.slice(at, to)), replay(undefined, log.slice(0, to)), `snapshot ${at}, to ${to}`);
  }
});

test('an entry without changes stops the replay; a gap in versions is an error', () => {
  assert.deepEqual(replay(undefined, [{ version: 1, changes: null }, ...log.slice(1)]), { ok: false, unrecordedVersion: 1 });
  assert.throws(() => replay(undefined, [log[0]!, log[2]!]), /jumps from version 1 to 3/);
  assert.throws(() => replay({ version: 2, state: {} }, log.slice(1)), /jumps from version 2 to 2/);
});
