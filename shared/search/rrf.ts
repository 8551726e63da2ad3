// Reciprocal rank fusion (Cormack et al., 2009): each ranking adds weight / (k + rank) to a document's
// score, rank counted from 1. Only ranks matter, so BM25/ts_rank scores and cosine similarities need no
// common scale. k = 60 damps the head of each list, as in the paper and in OpenSearch/Elasticsearch.
export const RRF_K = 60;

export interface Ranking {
  /** best first */
  ids: string[];
  weight: number;
}

export interface Fused {
  id: string;
  score: number;
}

/** Every id of every ranking, best fused score first; ties by id descending, like the adapters' cursors. */
export function rrf(rankings: Ranking[], k = RRF_K): Fused[] {
  const scores = new Map<string, number>();
  for (const { ids, weight } of rankings) {
    ids.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + i + 1)));
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort(byScoreThenId);
}

/** Best score first, ties by id descending: the order search_after cursors over (score, id) walk. */
export function byScoreThenId(a: Fused, b: Fused): number {
  return b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The part of a list sorted by byScoreThenId that comes strictly after (score, id). */
export function after(list: Fused[], key: Fused | undefined): Fused[] {
  return key === undefined ? list : list.filter((item) => byScoreThenId(key, item) < 0);
}
