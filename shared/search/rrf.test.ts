import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rrf } from './rrf.ts';

test('sums weight / (k + rank) over the rankings, rank counted from 1', () => {
  const fused = rrf([{ ids: ['a', 'b'], weight: 1 }, { ids: ['b', 'c'], weight: 2 }], 60);
  assert.deepEqual(fused, [
    { id: 'b', score: 1 / 62 + 2 / 61 },
    { id: 'c', score: 2 / 62 },
    { id: 'a', score: 1 / 61 },
  ]);
});

test('a document in both lists beats one that tops a single list', () => {
  const fused = rrf([{ ids: ['top-text', 'both'], weight: 1 }, { ids: ['top-vector', 'both'], weight: 1 }]);
  assert.equal(fused[0].id, 'both');
});

test('weights shift the order', () => {
  const text = { ids: ['t', 'v'] };
  const vector = { ids: ['v', 't'] };
  assert.equal(rrf([{ ...text, weight: 2 }, { ...vector, weight: 1 }])[0].id, 't');
  assert.equal(rrf([{ ...text, weight: 1 }, { ...vector, weight: 2 }])[0].id, 'v');
});

test('ties break by id descending; empty rankings fuse to nothing', () => {
  assert.deepEqual(rrf([{ ids: ['a'], weight: 1 }, { ids: ['b'], weight: 1 }]).map((f) => f.id), ['b', 'a']);
  assert.deepEqual(rrf([{ ids: [], weight: 1 }]), []);
  assert.deepEqual(rrf([]), []);
});

test('a zero weight ranking adds nothing but keeps its ids as candidates', () => {
  assert.deepEqual(rrf([{ ids: ['a'], weight: 0 }, { ids: ['b'], weight: 1 }]), [{ id: 'b', score: 1 / 61 }, { id: 'a', score: 0 }]);
});
