// Relevance evaluation: `npm run eval:relevance`. Loads the labelled set of test/support/relevance-set.ts into
// an in-memory PGlite PostgresSearchIndex, runs every query in text, semantic and hybrid mode (three fusion
// weightings) and prints mean precision@10 and nDCG@10 per mode and per query category, then the worst queries.
// Semantic figures use synthetic topic embeddings (see relevance-set.ts): they measure the k-NN and fusion
// machinery, not a CLIP model. Prints figures, never fails on them.
import { openDatabase } from '../../shared/db/connect.ts';
import { PostgresSearchIndex } from '../../shared/search/postgres.ts';
import {
  type Category,
  EMBEDDING_DIMENSIONS,
  QUERIES,
  type QueryScore,
  type RunSettings,
  assetKey,
  evaluateRelevance,
  loadRelevanceSet,
  precisionCeiling,
  relevanceDocuments,
} from '../../test/support/relevance-set.ts';
import { table } from '../bench/lib.ts';

const K = 10;
const SETTINGS: Record<string, RunSettings> = {
  text: { mode: 'text' },
  semantic: { mode: 'semantic' },
  'hybrid 1:1': { mode: 'hybrid' },
  'hybrid text 2:1': { mode: 'hybrid', hybridWeights: { text: 2, semantic: 1 } },
  'hybrid text 1:2': { mode: 'hybrid', hybridWeights: { text: 1, semantic: 2 } },
};

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

async function main(): Promise<void> {
  // the migration that creates the embedding column fixes its size
  const database = await openDatabase('memory://', { embeddingDimensions: EMBEDDING_DIMENSIONS });
  try {
    const index = new PostgresSearchIndex(database.db);
    await loadRelevanceSet(index);
    const results: Record<string, QueryScore[]> = {};
    for (const [name, settings] of Object.entries(SETTINGS)) results[name] = await evaluateRelevance(index, settings, K);
    const names = Object.keys(SETTINGS);

    console.log(`${relevanceDocuments().length} assets, ${QUERIES.length} queries · PGlite PostgresSearchIndex · ${EMBEDDING_DIMENSIONS}-d synthetic topic embeddings\n`);
    const unavailable = names.filter((name) => SETTINGS[name]!.mode !== 'text' && results[name]!.some((score) => !score.semantic));
    if (unavailable.length) console.log(`WARNING: vectors were not used in ${unavailable.join(', ')} (no pgvector?)\n`);

    table([
      ['mode', `mean P@${K}`, `mean nDCG@${K}`, `queries with nDCG@${K} = 0`],
      ...names.map((name) => [name, mean(results[name]!.map((s) => s.precision)), mean(results[name]!.map((s) => s.ndcg)), String(results[name]!.filter((s) => s.ndcg === 0).length)]),
      ['(P@10 ceiling: few relevant per query)', mean(QUERIES.map((q) => precisionCeiling(q, K))), 1, '0'],
    ], 3);

    const categories = [...new Set(QUERIES.map((q) => q.category))];
    const byCategory = (metric: 'precision' | 'ndcg') => table([
      [`${metric === 'ndcg' ? 'nDCG' : 'P'}@${K} by category (queries)`, ...names],
      ...categories.map((category: Category) => [
        `${category} (${QUERIES.filter((q) => q.category === category).length})`,
        ...names.map((name) => mean(results[name]!.filter((s) => s.query.category === category).map((s) => s[metric]))),
      ]),
    ], 3);
    byCategory('ndcg');
    byCategory('precision');

    const worst = [...results['hybrid 1:1']!].sort((a, b) => a.ndcg - b.ndcg).slice(0, 10);
    const scoreOf = (name: string, query: QueryScore['query']) => results[name]!.find((s) => s.query === query)!.ndcg;
    table([
      [`worst queries by hybrid 1:1 nDCG@${K}`, 'category', 'text', 'semantic', 'hybrid', 'hybrid top 3'],
      ...worst.map((s) => [s.query.id, s.query.category, scoreOf('text', s.query), scoreOf('semantic', s.query), s.ndcg, s.ids.slice(0, 3).map(assetKey).join(', ') || '(none)']),
    ], 3);
  } finally {
    await database.close();
  }
}

await main();
