// What GET /search accepts: user text PostgreSQL can store, real dates, its own cursors, states that are indexed.
// Each of the bad inputs here answered 500 before; failed assets could not be found at all.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Hono } from 'hono';
import type { AppEnv } from '../../shared/http/app.ts';
import { encodeCursor } from '../../shared/search/cursor.ts';
import type { SearchDocument } from '../../shared/search/search-index.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: Hono<AppEnv>;
let token: string;
const get = async (query: string) => {
  const response = await app.request(`/search?${query}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
};
const document = (title: string, state: string, createdAt: Date): SearchDocument => ({
  assetId: randomUUID(), projectId: 'newsroom', mediaType: 'image', state, title, description: '', tags: ['pleno'], filename: 'f.jpg', createdAt, fields: {},
});
const ready = document('Pleno del martes', 'ready', new Date('2024-02-28T10:00:00Z'));
const archived = document('Pleno de enero', 'archived', new Date('2024-01-15T10:00:00Z'));
const failed = document('Pleno fallido', 'failed', new Date('2024-03-02T10:00:00Z'));
const ids = (body: { hits: { assetId: string }[] }) => body.hits.map((hit) => hit.assetId).sort();

before(async () => {
  platform = await createTestPlatform();
  for (const doc of [ready, archived, failed]) await platform.search.upsert(doc);
  app = createApp(platform);
  token = await platform.signer!.mint('ana', { newsroom: 'viewer' });
});
after(() => platform.dispose());

test('NUL in q, tags or other lists is a 400 naming the parameter', async () => {
  for (const [query, path] of [['q=pleno%00', 'q'], ['q=campana%07', 'q'], ['tags=a%00b', 'tags.0'], ['mediaType=image%00', 'mediaType.0'], ['projectId=news%00room', 'projectId.0']] as const) {
    const { status, body } = await get(query);
    assert.equal(status, 400, query);
    assert.equal(body.issues[0].path, path, query);
  }
});

test('dates must be real calendar dates in years 1000–9999', async () => {
  for (const query of ['from=0000-01-01', 'from=2024-02-31', 'to=2023-02-29', 'to=%2B275760-09-13T00:00:00.000Z', 'from=yesterday', 'from=2024-01-01T10:00:00']) {
    const { status, body } = await get(query);
    assert.equal(status, 400, query);
    assert.match(body.detail, /must be a real date/, query);
  }
  assert.deepEqual(ids((await get('from=2024-02-28&to=2024-02-29')).body), [ready.assetId]);
  assert.deepEqual(ids((await get('from=2024-01-01T00:00:00%2B01:00&to=2024-02-01T00:00:00Z')).body), [archived.assetId]);
});

test('cursors that are not this search’s sort key are 400s', async () => {
  const uuid = randomUUID();
  for (const key of [['1', uuid], ['a 1', uuid], ['+275760-09-13T00:00:00.000Z', uuid], ['0000-01-01T00:00:00.000Z', uuid], ['2024-02-31T00:00:00.000Z', uuid], ['2024-01-01T00:00:00.000Z', 'x'], [1e308, uuid]]) {
    const { status, body } = await get(`cursor=${encodeCursor(key)}`);
    assert.equal(status, 400, JSON.stringify(key));
    assert.match(body.detail, /invalid cursor/);
  }
  assert.equal((await get(`q=pleno&cursor=${encodeCursor(['2024-01-01T00:00:00.000Z', uuid])}`)).status, 400, 'a listing cursor on a text search');
  assert.equal((await get(`cursor=${'x'.repeat(1001)}`)).status, 400);
});

test('failed assets are found only when asked for with state=failed; states never indexed point to GET /assets', async () => {
  assert.deepEqual(ids((await get('q=pleno')).body), [ready.assetId, archived.assetId].sort());
  assert.deepEqual(ids((await get('')).body), [ready.assetId, archived.assetId].sort());
  const onlyFailed = (await get('q=pleno&state=failed')).body;
  assert.deepEqual(ids(onlyFailed), [failed.assetId]);
  assert.deepEqual(onlyFailed.facets.state, [{ value: 'failed', count: 1 }]);
  assert.deepEqual(ids((await get('state=ready,failed')).body), [ready.assetId, failed.assetId].sort());
  const uploading = await get('state=uploading');
  assert.equal(uploading.status, 400);
  assert.match(uploading.body.detail, /GET \/assets\?state=/);
});
