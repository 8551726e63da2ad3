import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ndcgAt, precisionAt } from './relevance.ts';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test('precision@k counts relevant results among the first k, dividing by k even when fewer came back', () => {
  const relevant = new Set(['a', 'c', 'x']);
  assert.equal(precisionAt(3, ['a', 'b', 'c', 'x'], relevant), 2 / 3);
  assert.equal(precisionAt(10, ['a', 'c'], relevant), 0.2);
  assert.equal(precisionAt(2, ['b', 'd'], relevant), 0);
});

test('nDCG@k: hand-computed graded example', () => {
  const gains = new Map([['a', 3], ['b', 2], ['c', 1]]);
  // ranked c, x, a: DCG = 1/log2(2) + 0 + 3/log2(4) = 1 + 1.5 = 2.5
  // ideal a, b, c:  DCG = 3 + 2/log2(3) + 1/2
  close(ndcgAt(3, ['c', 'x', 'a'], gains), 2.5 / (3 + 2 / Math.log2(3) + 0.5));
});

test('nDCG@k is 1 for the ideal order, 0 without relevant results, and ignores ranks past k', () => {
  const gains = new Map([['a', 3], ['b', 1], ['z', 0]]);
  assert.equal(ndcgAt(10, ['a', 'b', 'z'], gains), 1);
  assert.equal(ndcgAt(10, ['z', 'q'], gains), 0);
  // only a fits in k = 1; the ideal list at k = 1 is [a] too
  assert.equal(ndcgAt(1, ['a', 'b'], gains), 1);
  // b first at k = 1: 1 / 3
  close(ndcgAt(1, ['b', 'a'], gains), 1 / 3);
  assert.equal(ndcgAt(10, ['a'], new Map()), 0);
});

test('nDCG@k: swapping two relevant results of different gain lowers the score', () => {
  const gains = new Map([['a', 3], ['b', 1]]);
  // b, a: (1 + 3/log2 3) / (3 + 1/log2 3)
  close(ndcgAt(2, ['b', 'a'], gains), (1 + 3 / Math.log2(3)) / (3 + 1 / Math.log2(3)));
  assert.ok(ndcgAt(2, ['b', 'a'], gains) < ndcgAt(2, ['a', 'b'], gains));
});
