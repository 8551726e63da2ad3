// Ranking quality metrics for a labelled evaluation set: precision@k and nDCG@k (Järvelin & Kekäläinen, 2002).
// Pure functions over asset ids, so any SearchIndex adapter (or a hand-made ranking) can be scored alike.

/** Share of the first k results that are relevant; results missing from a short list count as misses. */
export function precisionAt(k: number, ranked: readonly string[], relevant: ReadonlySet<string>): number {
  return ranked.slice(0, k).filter((id) => relevant.has(id)).length / k;
}

/**
 * Normalised discounted cumulative gain at k with graded relevance (id → gain, 0 or absent = not relevant):
 * DCG = Σ gain(rank) / log2(rank + 1), rank from 1, divided by the DCG of the ideal order. 1 = the best
 * possible order; 0 when nothing relevant was found (or nothing is relevant).
 */
export function ndcgAt(k: number, ranked: readonly string[], gains: ReadonlyMap<string, number>): number {
  const ideal = discountedGain([...gains.values()].filter((gain) => gain > 0).sort((a, b) => b - a).slice(0, k));
  if (ideal === 0) return 0;
  return discountedGain(ranked.slice(0, k).map((id) => gains.get(id) ?? 0)) / ideal;
}

function discountedGain(gains: readonly number[]): number {
  return gains.reduce((sum, gain, i) => sum + gain / Math.log2(i + 2), 0);
}
