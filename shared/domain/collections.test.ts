import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CollectionRefused, MAX_ASSETS_PER_CHANGE, moveAsset, placeAssets, positionChanges, removeAssets } from './collections.ts';

test('placeAssets appends by default, inserts at a position, keeps ids already in place and drops repeats', () => {
  assert.deepEqual(placeAssets(['a', 'b'], ['c', 'd']), { order: ['a', 'b', 'c', 'd'], added: ['c', 'd'], alreadyIn: [] });
  assert.deepEqual(placeAssets(['a', 'b'], ['c'], 0).order, ['c', 'a', 'b']);
  assert.deepEqual(placeAssets(['a', 'b'], ['c', 'a', 'c', 'd'], 1), { order: ['a', 'c', 'd', 'b'], added: ['c', 'd'], alreadyIn: ['a'] });
  assert.deepEqual(placeAssets([], ['x'], 0).order, ['x']);
});

test('placeAssets refuses an empty request, too many ids and a position past the end', () => {
  assert.throws(() => placeAssets(['a'], []), (e: CollectionRefused) => e.problem === 'invalid');
  assert.throws(() => placeAssets(['a'], ['b'], 2), /position must be an integer from 0 to 1/);
  assert.throws(() => placeAssets(['a'], ['b'], -1), /position/);
  assert.throws(() => placeAssets(['a'], ['b'], 0.5), /position/);
  assert.throws(() => placeAssets([], Array.from({ length: MAX_ASSETS_PER_CHANGE + 1 }, (_, i) => String(i))), /at most/);
});

test('removeAssets reports what left and what was not there', () => {
  assert.deepEqual(removeAssets(['a', 'b', 'c'], ['b', 'z']), { order: ['a', 'c'], removed: ['b'], missing: ['z'] });
  assert.throws(() => removeAssets(['a'], []), /at least one/);
});

test('moveAsset moves to a place in the order without it; an absent asset is a conflict', () => {
  assert.deepEqual(moveAsset(['a', 'b', 'c', 'd'], 'a', 3), ['b', 'c', 'd', 'a']);
  assert.deepEqual(moveAsset(['a', 'b', 'c', 'd'], 'd', 0), ['d', 'a', 'b', 'c']);
  assert.deepEqual(moveAsset(['a', 'b', 'c'], 'b', 1), ['a', 'b', 'c']);
  assert.throws(() => moveAsset(['a', 'b'], 'a', 2), /from 0 to 1/);
  assert.throws(() => moveAsset(['a'], 'z', 0), (e: CollectionRefused) => e.problem === 'conflict');
});

test('positionChanges lists only the ids whose place changed (new ones included)', () => {
  assert.deepEqual(positionChanges(['a', 'b', 'c'], ['a', 'c', 'b']), [{ assetId: 'c', position: 1 }, { assetId: 'b', position: 2 }]);
  assert.deepEqual(positionChanges(['a', 'b'], ['a', 'b', 'x']), [{ assetId: 'x', position: 2 }]);
  assert.deepEqual(positionChanges(['a', 'b'], ['a', 'b']), []);
  // after a removal the rest close up
  assert.deepEqual(positionChanges(['a', 'b', 'c'], ['a', 'c']), [{ assetId: 'c', position: 1 }]);
});
