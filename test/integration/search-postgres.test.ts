// The SearchIndex conformance suite against server PostgreSQL (15 on these machines), in a throwaway database,
// and searches that see one snapshot while writes land between their statements.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import type { SearchDocument } from '../../shared/search/search-index.ts';
import { interleaved } from '../support/interleave.ts';
import { searchConformanceSuite } from '../support/search-conformance.ts';
import { PostgresSearchIndex } from '../../shared/search/postgres.ts';
import { POSTGRES_URL, createTestDatabase, requireServer } from '../support/servers.ts';

const postgresUp = await requireServer('PostgreSQL', POSTGRES_URL);

describe('server PostgreSQL', { skip: !postgresUp && `PostgreSQL is not reachable at ${POSTGRES_URL}` }, () => {
  searchConformanceSuite('Postgres on server PostgreSQL', async () => {
    const created = await createTestDatabase();
    const database = await openDatabase(created.url);
    return {
      index: new PostgresSearchIndex(database.db),
      async close() {
        await database.close();
        await created.drop();
      },
    };
  });
});

describe('server PostgreSQL: one search, one snapshot', { skip: !postgresUp && `PostgreSQL is not reachable at ${POSTGRES_URL}` }, () => {
  let created: Awaited<ReturnType<typeof createTestDatabase>>;
  let database: Database;
  let writer: PostgresSearchIndex;
  before(async () => {
    created = await createTestDatabase();
    database = await openDatabase(created.url);
    writer = new PostgresSearchIndex(database.db);
  });
  after(async () => {
    await database.close();
    await created.drop();
  });
  const doc = (projectId: string, title: string): SearchDocument => ({
    assetId: randomUUID(), projectId, mediaType: 'image', state: 'ready', title, description: '', tags: [], filename: `${title}.jpg`, createdAt: new Date(), fields: {},
  });

  /** An index whose database runs the write when armed; one search first, so no one-off lookup counts as a statement. */
  const hooked = async (write: () => Promise<unknown>) => {
    const hook = interleaved(database.db, write, { await: true });
    const index = new PostgresSearchIndex(hook.db);
    await index.search({ projectIds: ['nadie'], filters: {}, facets: [], limit: 1 });
    return { hook, index };
  };

  test('a document deleted between a text search\'s ranking and its documents still counts and shows', async () => {
    const docs = [doc('texto', 'faro norte'), doc('texto', 'faro sur'), doc('texto', 'faro este')];
    await writer.upsertMany(docs);
    // the first statement ranks and counts the matches, the next one reads their documents
    const { hook, index } = await hooked(() => writer.remove(docs[0]!.assetId));
    hook.arm(1);
    const result = await index.search({ projectIds: ['texto'], q: 'faro', filters: {}, facets: [], limit: 10 });
    await hook.written();
    assert.equal(result.total, 3);
    assert.equal(result.hits.length, 3, 'every counted match is a hit');
  });

  test('a document added between a listing\'s page and its count is in neither', async () => {
    await writer.upsertMany([doc('listado', 'uno'), doc('listado', 'dos')]);
    // the first statement reads the page, the next one counts (and groups the facets)
    const { hook, index } = await hooked(() => writer.upsert(doc('listado', 'tres')));
    hook.arm(1);
    const result = await index.search({ projectIds: ['listado'], filters: {}, facets: ['mediaType'], limit: 10 });
    await hook.written();
    assert.equal(result.hits.length, 2);
    assert.equal(result.total, 2, 'the count sees the page\'s snapshot');
    assert.deepEqual(result.facets.mediaType, [{ value: 'image', count: 2 }]);
  });
});
