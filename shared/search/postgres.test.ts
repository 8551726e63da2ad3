import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type Database } from '../db/connect.ts';
import { searchConformanceSuite } from './conformance.ts';
import { encodeCursor } from './cursor.ts';
import { PostgresSearchIndex } from './postgres.ts';
import { InvalidCursor } from './search-index.ts';

searchConformanceSuite('Postgres on PGlite', async () => {
  const database = await openDatabase('memory://');
  return { index: new PostgresSearchIndex(database.db), close: database.close };
});

describe('PostgresSearchIndex', () => {
  let database: Database;
  let index: PostgresSearchIndex;
  before(async () => {
    database = await openDatabase('memory://');
    index = new PostgresSearchIndex(database.db);
  });
  after(() => database.close());

  test('keeps the plain text and the document as JSON with ISO dates', async () => {
    const assetId = randomUUID();
    const createdAt = new Date('2024-03-01T10:00:00.000Z');
    await index.upsert({ assetId, projectId: 'p', mediaType: 'image', state: 'ready', title: 'Faro', description: 'Costa', tags: ['mar'], filename: 'faro.jpg', createdAt, fields: { camera: 'Leica' } });
    const row = await database.db.selectFrom('search_documents').select(['search_text', 'document', 'created_at']).where('asset_id', '=', assetId).executeTakeFirstOrThrow();
    assert.equal(row.search_text, 'Faro\nCosta\nmar\nfaro.jpg\nLeica');
    assert.equal(row.document.createdAt, '2024-03-01T10:00:00.000Z');
    assert.deepEqual(row.created_at, createdAt);
  });

  test('a cursor naming something other than an asset id is an InvalidCursor, not a database error', async () => {
    const query = { projectIds: ['p'], filters: {}, facets: [], limit: 10 };
    await assert.rejects(index.search({ ...query, q: 'faro', cursor: encodeCursor([0.5, 'not-a-uuid']) }), InvalidCursor);
    await assert.rejects(index.search({ ...query, cursor: encodeCursor(['2024-01-01T00:00:00Z', 'not-a-uuid']) }), InvalidCursor);
    await assert.rejects(index.search({ ...query, cursor: encodeCursor(['yesterday', randomUUID()]) }), InvalidCursor);
  });
});
