// The relevance evaluation set run on PGlite. Only sanity properties are asserted — that the set is well formed
// and that each search path does something — never tuned thresholds on the figures (npm run eval:relevance prints those).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import { PostgresSearchIndex } from '../../shared/search/postgres.ts';
import { ASSET_KEYS, EMBEDDING_DIMENSIONS, QUERIES, evaluateRelevance, gainsOf, loadRelevanceSet, relevanceDocuments } from '../support/relevance-set.ts';

describe('relevance evaluation set (PGlite)', () => {
  let database: Database;
  let index: PostgresSearchIndex;

  before(async () => {
    // the migration that creates the embedding column fixes its size
    database = await openDatabase('memory://', { embeddingDimensions: EMBEDDING_DIMENSIONS });
    index = new PostgresSearchIndex(database.db);
    await loadRelevanceSet(index);
  });

  after(() => database?.close());

  test('every query has at least one relevant asset, and every judged asset exists', () => {
    for (const query of QUERIES) {
      assert.ok([...gainsOf(query).values()].some((gain) => gain > 0), query.id);
      for (const key of Object.keys(query.relevant)) assert.ok(ASSET_KEYS.includes(key), `${query.id}: ${key}`);
    }
    assert.equal(new Set(QUERIES.map((q) => q.id)).size, QUERIES.length, 'query ids are unique');
  });

  test('text mode: translated labels make cross-language queries find something', async () => {
    const crossLanguage = (await evaluateRelevance(index, { mode: 'text' })).filter((s) => s.query.category === 'cross-language');
    assert.ok(crossLanguage.length > 0);
    assert.ok(crossLanguage.reduce((sum, s) => sum + s.ndcg, 0) > 0);
  });

  test('semantic and hybrid use the vectors for every query and score within [0, 1]', async () => {
    for (const mode of ['semantic', 'hybrid'] as const) {
      for (const score of await evaluateRelevance(index, { mode })) {
        assert.ok(score.semantic, `${mode}: ${score.query.id} used no vectors`);
        assert.ok(score.ndcg >= 0 && score.ndcg <= 1 && score.precision >= 0 && score.precision <= 1);
        assert.ok(score.ids.length <= 10);
      }
    }
  });

  test('filters hold in every mode: a filtered query returns only assets that pass its filters', async () => {
    const documents = new Map(relevanceDocuments().map((d) => [d.assetId, d]));
    for (const mode of ['text', 'semantic', 'hybrid'] as const) {
      for (const score of (await evaluateRelevance(index, { mode })).filter((s) => s.query.filters)) {
        const { mediaType, personIds } = score.query.filters!;
        for (const id of score.ids) {
          const document = documents.get(id)!;
          if (mediaType) assert.ok(mediaType.includes(document.mediaType), `${mode} ${score.query.id}: ${id}`);
          if (personIds) assert.ok(personIds.every((p) => document.personIds?.includes(p)), `${mode} ${score.query.id}: ${id}`);
        }
      }
    }
  });
});
