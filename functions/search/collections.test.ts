// The `collection` search filter end to end on PGlite: membership changes made through the assets function reach
// the index as catalog events (delivered to index as CloudEvents), and search finds the collection's assets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { toEnvelope } from '../../shared/db/outbox.ts';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { createApp as assetsApp } from '../assets/index.ts';
import { createApp as indexApp, projectAsset } from '../index/index.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let token: string;

before(async () => {
  platform = await createTestPlatform();
  token = await platform.signer!.mint('eli', { newsroom: 'editor' });
});
after(() => platform.dispose());

const request = async (app: { request: (path: string, init: RequestInit) => Response | Promise<Response> }, method: string, path: string, body?: unknown) => {
  const response = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
};

/** Delivers the outbox's collection events not yet delivered to the index function, as the relay would. */
let delivered = 0n;
async function deliverCollectionEvents(): Promise<void> {
  const rows = await platform.db.selectFrom('outbox').selectAll().where('type', 'like', 'io.mediateca.collection.%').where('id', '>', String(delivered)).orderBy('id').execute();
  const index = indexApp(platform);
  for (const row of rows) {
    delivered = BigInt(row.id);
    if (!['io.mediateca.collection.assets-added', 'io.mediateca.collection.assets-removed', 'io.mediateca.collection.deleted'].includes(row.type)) continue;
    const result = await deliverToFunction((r) => index.fetch(r), toEnvelope(row), platform.eventsSecret);
    assert.equal(result.outcome, 'ack', result.reason);
  }
}

test('search?collection= finds the assets the collection holds, following adds, removals and deletion', async () => {
  const assets = assetsApp(platform);
  const search = createApp(platform);
  const [one, two, three] = [await seedAsset(platform, { title: 'Pleno uno' }), await seedAsset(platform, { title: 'Pleno dos' }), await seedAsset(platform, { title: 'Pleno tres' })];
  for (const asset of [one, two, three]) await projectAsset(platform.db, platform.search, asset.id);
  const collection = (await request(assets, 'POST', '/projects/newsroom/collections', { name: 'plenos' })).body;
  const found = async (query: string) => ((await request(search, 'GET', `/search?${query}`)).body.hits as { title: string }[]).map((h) => h.title).sort();

  await request(assets, 'POST', `/collections/${collection.id}/assets`, { assetIds: [one.id, three.id] });
  await deliverCollectionEvents();
  assert.deepEqual(await found(`collection=${collection.id}`), ['Pleno tres', 'Pleno uno']);
  assert.deepEqual(await found(`q=uno&collection=${collection.id}`), ['Pleno uno']);

  await request(assets, 'DELETE', `/collections/${collection.id}/assets/${one.id}`);
  await deliverCollectionEvents();
  assert.deepEqual(await found(`collection=${collection.id}`), ['Pleno tres']);

  await request(assets, 'DELETE', `/collections/${collection.id}`);
  await deliverCollectionEvents();
  assert.deepEqual(await found(`collection=${collection.id}`), []);
  assert.equal((await request(search, 'GET', '/search?collection=nope')).status, 400);
});
