import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DEFAULT_EMBEDDING_DIMENSIONS } from '../../shared/config.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let get: (path: string) => Promise<{ status: number; body: any }>;
const axis = (i: number) => Array.from({ length: DEFAULT_EMBEDDING_DIMENSIONS }, (_, j) => (j === i ? 1 : 0));
const document = (title: string, embedding: number[]) => ({
  assetId: randomUUID(), projectId: 'newsroom', mediaType: 'image', state: 'ready', title, description: '', tags: [], filename: 'f.jpg', createdAt: new Date(), fields: {}, embedding,
});
const faro = document('Faro de noche', axis(0));
const farola = document('Faro y farola', axis(0).map((x, i) => (i === 1 ? 0.5 : x)));
const luna = document('Luna', axis(2));

before(async () => {
  platform = await createTestPlatform();
  for (const doc of [faro, farola, luna]) await platform.search.upsert(doc);
  const app = createApp(platform);
  const token = await platform.signer!.mint('ana', { newsroom: 'editor' });
  get = async (path) => {
    const response = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  };
});
after(() => platform.dispose());

test('text mode is the default and says semantic was not used', async () => {
  const { status, body } = await get('/search?q=faro');
  assert.equal(status, 200);
  assert.equal(body.total, 2);
  assert.equal(body.semantic.available, false);
});

test('semantic and hybrid with q: no CLIP model to embed q, said plainly; hybrid falls back to text', async () => {
  const semantic = await get('/search?q=faro&mode=semantic');
  assert.deepEqual(semantic.body.semantic, { available: false, reason: 'no CLIP model configured to embed the query (see docs/models.md)' });
  assert.deepEqual(semantic.body.hits, []);
  const hybrid = await get('/search?q=faro&mode=hybrid&wText=2&wSemantic=1');
  assert.deepEqual(hybrid.body.semantic, { available: false, reason: 'no CLIP model configured to embed the query (see docs/models.md)' });
  assert.deepEqual(hybrid.body.hits.map((hit: any) => hit.assetId).sort(), [faro.assetId, farola.assetId].sort());
});

test('moreLike finds neighbours by the stored embedding, never the asset itself nor its embedding', async () => {
  const { status, body } = await get(`/search?moreLike=${faro.assetId}`);
  assert.equal(status, 200);
  assert.deepEqual(body.semantic, { available: true });
  assert.deepEqual(body.hits.map((hit: any) => hit.assetId), [farola.assetId, luna.assetId]);
  assert.equal(body.hits[0].embedding, undefined);
});

test('bad mode, moreLike or weights are 400', async () => {
  for (const query of ['mode=fuzzy', 'moreLike=abc', 'q=x&mode=hybrid&wText=-1', 'q=x&mode=hybrid&wSemantic=heavy', 'mode=semantic']) {
    assert.equal((await get(`/search?${query}`)).status, 400, query);
  }
});

test('exact by default: no approximation flags; approximate=true is accepted, anything else is 400', async () => {
  const exact = await get('/search?q=faro&facets=mediaType');
  assert.equal(exact.body.total, 2);
  for (const flag of ['approximate', 'totalIsEstimate', 'facetsApproximate', 'rankedAmongNewest']) assert.equal(exact.body[flag], undefined, flag);
  const asked = await get('/search?q=faro&approximate=true');
  assert.equal(asked.status, 200);
  // Two matches are far below the bounded path's limit: still exact, so still no flags.
  assert.equal(asked.body.total, 2);
  assert.equal(asked.body.approximate, undefined);
  assert.equal((await get('/search?q=faro&approximate=maybe')).status, 400);
});
