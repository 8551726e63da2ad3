import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NearestVectors } from './nearest-vectors.ts';

const DIMENSIONS = 8;
const SIZE = 6000;

/** A seeded generator, so a failure repeats. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function graph() {
  const next = random(3);
  const vectors = Float32Array.from({ length: SIZE * DIMENSIONS }, () => next() - 0.5);
  const nearest = new NearestVectors(DIMENSIONS);
  nearest.add(Array.from({ length: SIZE }, (_, slot) => slot), vectors);
  const cosine = (slot: number, query: Float32Array) => {
    let dot = 0, a = 0, b = 0;
    for (let i = 0; i < DIMENSIONS; i++) {
      const x = vectors[slot * DIMENSIONS + i]!;
      dot += x * query[i]!;
      a += x * x;
      b += query[i]! * query[i]!;
    }
    return dot / Math.sqrt(a * b);
  };
  /** The exact k nearest of the slots `accept` takes, by brute force. */
  const exact = (query: Float32Array, k: number, accept: (slot: number) => boolean) =>
    Array.from({ length: SIZE }, (_, slot) => slot).filter(accept).sort((x, y) => cosine(y, query) - cosine(x, query)).slice(0, k);
  return { nearest, exact, query: () => Float32Array.from({ length: DIMENSIONS }, () => next() - 0.5) };
}

test('candidates hold the exact nearest (recall over 20 queries), twice as many as wanted, only slots the filter takes', () => {
  const { nearest, exact, query } = graph();
  assert.equal(nearest.size, SIZE);
  let found = 0;
  for (let q = 0; q < 20; q++) {
    const vector = query();
    const even = (slot: number) => slot % 2 === 0;
    const candidates = nearest.nearest(vector, 10, even)!;
    assert.equal(candidates.length, 20);
    assert.ok(candidates.every(even));
    const proposed = new Set(candidates);
    found += exact(vector, 10, even).filter((slot) => proposed.has(slot)).length;
  }
  // The graph is approximate and built on every core, so not the same twice: over 100 builds it proposed 197-200
  // of the 200 exact neighbours (87 builds all 200). The search's goal is recall@10 >= 0.95.
  assert.ok(found >= 194, `${found} of the 200 exact nearest among the candidates`);
});

test('a selective filter widens the search; one that passes too few of the graph leaves the answer to SQL', () => {
  const { nearest, exact, query } = graph();
  const vector = query();
  const onePercent = (slot: number) => slot % 100 === 0;
  const widened = nearest.nearest(vector, 10, onePercent)!;
  assert.ok(widened.length >= 10 && widened.every(onePercent));
  assert.ok(exact(vector, 3, onePercent).every((slot) => widened.includes(slot)));
  assert.equal(nearest.nearest(vector, 10, (slot) => slot % 1000 === 0), undefined, '6 of 6,000 pass: too few for the graph');
});

test('fewer found than wanted is left to SQL, even where the graph was searched whole; removed slots are never proposed', () => {
  const nearest = new NearestVectors(4);
  nearest.add([0, 1, 2], Float32Array.from([1, 0, 0, 0, 0.9, 0.1, 0, 0, 0, 1, 0, 0]));
  const x = Float32Array.from([1, 0, 0, 0]);
  assert.deepEqual(nearest.nearest(x, 1, () => true), [0, 1]);
  assert.equal(nearest.nearest(x, 4, () => true), undefined);
  nearest.remove(0);
  assert.deepEqual(nearest.nearest(x, 2, () => true)?.sort(), [1, 2]);
  assert.deepEqual(nearest.nearest(x, 1, (slot) => slot === 2), [2]);
  assert.equal(new NearestVectors(4).nearest(x, 10, () => true), undefined);
});
