// The trash: delete, list, restore, delete again, purge; a purged asset leaves nothing in storage, search or people,
// and its history ends with the tombstone. The retention sweep purges only what is past its project's period.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reclusterFaces } from '../../shared/ai/vision/face-clusters.ts';
import { putRendition } from '../../shared/db/assets.ts';
import { replaceFaces } from '../../shared/db/enrichment.ts';
import { updateProjectSettings } from '../../shared/db/projects.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { INDEXED_STATES } from '../../shared/search/search-index.ts';
import { assetsHarness } from '../../test/support/assets-harness.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { projectAsset } from '../index/index.ts';
import { purgeDueTrash } from './trash.ts';

const harness = assetsHarness({ projectsOf: (role) => ({ newsroom: role, other: role }) });
const { call } = harness;

const box = { x: 0.1, y: 0.1, width: 0.2, height: 0.2 };
const descriptor = (axis: number) => Array.from({ length: 1024 }, (_, i) => (i === axis ? 10 : 0));

/** A ready asset with a master, renditions (HLS and a sprite included), a search document and a face of its own person. */
async function fullAsset(projectId = 'newsroom'): Promise<Asset> {
  const asset = await seedAsset(harness.platform, { projectId, title: 'harbour at dawn' });
  const { store } = harness.platform;
  const put = (bucket: string, key: string) => store.put(bucket, key, Buffer.from(key), 'application/octet-stream');
  await put(store.buckets.masters, asset.storage_key);
  for (const path of ['thumbnail.jpg', 'preview.jpg', 'sprite.jpg', 'hls/720p/index.m3u8', 'hls/720p/seg-001.ts', 'v2/thumbnail.jpg']) {
    await put(store.buckets.renditions, `${projectId}/${asset.id}/${path}`);
  }
  await put(store.buckets.incoming, `${projectId}/${asset.id}/v3/original.bin`);
  for (const name of ['thumbnail', 'preview']) {
    await putRendition(harness.platform.db, { asset_id: asset.id, name, storage_key: `${projectId}/${asset.id}/${name}.jpg`, content_type: 'image/jpeg', size_bytes: 1, width: 10, height: 10 });
  }
  await replaceFaces(harness.platform.db, projectId, asset.id, [{ box, confidence: 0.9, descriptor: descriptor(asset.id.charCodeAt(0) % 500) }], reclusterFaces);
  await projectAsset(harness.platform.db, harness.platform.search, asset.id);
  return (await harness.platform.db.selectFrom('assets').selectAll().where('id', '=', asset.id).executeTakeFirstOrThrow());
}

async function objectsOf(asset: Asset): Promise<string[]> {
  const keys: string[] = [];
  for (const bucket of Object.values(harness.platform.store.buckets)) for await (const object of harness.platform.store.list(bucket, `${asset.project_id}/${asset.id}/`)) keys.push(`${bucket}/${object.key}`);
  return keys;
}

async function searchHas(asset: Asset): Promise<boolean> {
  const result = await harness.platform.search.search({ projectIds: [asset.project_id], filters: { state: [...INDEXED_STATES] }, facets: [], limit: 100 });
  return result.hits.some((hit) => hit.document.assetId === asset.id);
}

test('deleted, listed in the trash, restored, deleted again and purged: nothing of it remains in storage, search or people', async () => {
  const asset = await fullAsset();
  assert.ok((await objectsOf(asset)).length >= 8);
  assert.ok(await searchHas(asset));
  const personId = (await harness.platform.db.selectFrom('faces').select('person_id').where('asset_id', '=', asset.id).executeTakeFirstOrThrow()).person_id;

  assert.equal((await call('editor', 'POST', `/assets/${asset.id}/restore`)).status, 409, 'not in the trash');
  assert.equal((await call('admin', 'POST', `/assets/${asset.id}/purge`)).status, 409, 'only the trash is purged');
  assert.equal((await call('editor', 'DELETE', `/assets/${asset.id}`)).status, 204);
  const trash = await call('editor', 'GET', '/projects/newsroom/trash');
  assert.equal(trash.status, 200);
  const listed = trash.body.assets.find((a: { id: string }) => a.id === asset.id);
  assert.equal(listed.state, 'deleted');
  assert.equal(Date.parse(listed.purgeAt) - Date.parse(listed.deletedAt), 30 * 86_400_000, 'purged after the default retention');
  assert.equal((await call('viewer', 'GET', '/projects/newsroom/trash')).status, 403);

  const restored = await call('editor', 'POST', `/assets/${asset.id}/restore`);
  assert.equal(restored.status, 200);
  assert.deepEqual([restored.body.state, restored.body.deletedAt], ['ready', null]);
  const announced = await harness.platform.db.selectFrom('outbox').select(['type', 'data']).where('subject', '=', asset.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(announced.type, 'io.mediateca.asset.rendered', 'search and enrich take the restored asset back');
  assert.deepEqual((announced.data as { renditions: string[] }).renditions, ['preview', 'thumbnail']);

  const collection = await call('editor', 'POST', '/projects/newsroom/collections', { name: 'dawn' });
  assert.equal((await call('editor', 'POST', `/collections/${collection.body.id}/assets`, { assetIds: [asset.id] })).status, 200);
  assert.equal((await call('editor', 'POST', `/assets/${asset.id}/shares`, {})).status, 201);

  assert.equal((await call('editor', 'DELETE', `/assets/${asset.id}`)).status, 204);
  assert.equal((await call('editor', 'POST', `/assets/${asset.id}/purge`)).status, 403, 'purging is for admins');
  const purged = await call('admin', 'POST', `/assets/${asset.id}/purge`);
  assert.equal(purged.status, 200);
  assert.ok(purged.body.objectsRemoved >= 8);

  assert.deepEqual(await objectsOf(asset), [], 'no object under the asset in any bucket');
  assert.equal(await searchHas(asset), false);
  assert.equal((await harness.platform.db.selectFrom('search_documents').select('asset_id').where('asset_id', '=', asset.id).execute()).length, 0);
  assert.equal((await harness.platform.db.selectFrom('faces').select('id').where('asset_id', '=', asset.id).execute()).length, 0);
  assert.equal(await harness.platform.db.selectFrom('persons').select('id').where('id', '=', personId).executeTakeFirst(), undefined, 'its unnamed person, left with no face, is gone');
  for (const table of ['renditions', 'asset_metadata', 'asset_snapshots', 'uploads', 'ai_labels', 'asset_embeddings', 'asset_file_versions'] as const) {
    assert.equal((await harness.platform.db.selectFrom(table).select('asset_id').where('asset_id', '=', asset.id).execute()).length, 0, table);
  }
  assert.equal((await harness.platform.db.selectFrom('collection_items').select('asset_id').where('asset_id', '=', asset.id).execute()).length, 0, 'its places in collections');
  assert.equal((await harness.platform.db.selectFrom('share_links').select('id').where('target_id', '=', asset.id).execute()).length, 0, 'its share links');
  assert.equal((await call('admin', 'GET', `/assets/${asset.id}`)).status, 404);
  const audit = await call('admin', 'GET', `/projects/newsroom/audit?targetId=${asset.id}`);
  assert.deepEqual(audit.body.entries.map((e: { action: string }) => e.action).filter((a: string) => a !== 'asset.read').reverse(), ['asset.deleted', 'asset.restored', 'share.created', 'asset.deleted', 'asset.purged'], 'the audit log keeps the trash moves');
  const history = await harness.platform.db.selectFrom('asset_events').select(['type', 'actor']).where('asset_id', '=', asset.id).orderBy('version').execute();
  assert.deepEqual(history.at(-1), { type: 'purged', actor: 'admin' }, 'the history ends with the tombstone');
  assert.deepEqual(history.map((e) => e.type).filter((t) => ['deleted', 'restored'].includes(t)), ['deleted', 'restored', 'deleted']);
  const tombstone = await harness.platform.db.selectFrom('outbox').select('type').where('subject', '=', asset.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(tombstone.type, 'io.mediateca.asset.purged');
});

test('a named person stays (with no faces) when their last face is purged', async () => {
  const first = await fullAsset();
  const personId = (await harness.platform.db.selectFrom('faces').select('person_id').where('asset_id', '=', first.id).executeTakeFirstOrThrow()).person_id;
  assert.equal((await call('editor', 'PATCH', `/persons/${personId}`, { name: 'Ana' })).status, 200);
  await call('editor', 'DELETE', `/assets/${first.id}`);
  assert.equal((await call('admin', 'POST', `/assets/${first.id}/purge`)).status, 200);
  const person = await harness.platform.db.selectFrom('persons').select(['name', 'face_count']).where('id', '=', personId).executeTakeFirstOrThrow();
  assert.deepEqual(person, { name: 'Ana', face_count: 0 });
});

test('restore brings an asset back to the state it was deleted in', async () => {
  const failed = await seedAsset(harness.platform, { state: 'failed' });
  await call('editor', 'DELETE', `/assets/${failed.id}`);
  assert.equal((await call('editor', 'POST', `/assets/${failed.id}/restore`)).body.state, 'failed');
  const uploading = await seedAsset(harness.platform, { state: 'uploading' });
  await call('editor', 'DELETE', `/assets/${uploading.id}`);
  const back = (await call('editor', 'POST', `/assets/${uploading.id}/restore`)).body;
  assert.deepEqual([back.state, back.stateReason], ['failed', 'deleted before its upload finished']);
});

test('the sweep purges only what is past its project’s retention', async () => {
  const old = await fullAsset();
  const recent = await fullAsset();
  const keptForever = await fullAsset('other');
  await updateProjectSettings(harness.platform.db, 'other', { trashRetentionDays: 0 });
  for (const asset of [old, recent, keptForever]) assert.equal((await call('editor', 'DELETE', `/assets/${asset.id}`)).status, 204);
  const now = new Date();
  await harness.platform.db.updateTable('assets').set({ deleted_at: new Date(now.getTime() - 31 * 86_400_000) }).where('id', 'in', [old.id, keptForever.id]).execute();
  const report = await purgeDueTrash(harness.platform, now, 'sweep');
  assert.deepEqual(report, { purged: 1, skipped: 0, errors: 0 });
  assert.equal((await call('admin', 'GET', `/assets/${old.id}`)).status, 404);
  assert.deepEqual(await objectsOf(old), []);
  for (const kept of [recent, keptForever]) {
    assert.equal((await call('admin', 'GET', `/assets/${kept.id}`)).body.state, 'deleted');
    assert.ok((await objectsOf(kept)).length > 0);
  }
  // the scheduled event does the same for every project
  const recentAgain = await fullAsset();
  await call('editor', 'DELETE', `/assets/${recentAgain.id}`);
  await harness.platform.db.updateTable('assets').set({ deleted_at: new Date(now.getTime() - 40 * 86_400_000) }).where('id', '=', recentAgain.id).execute();
  const delivered = await deliverToFunction((request) => harness.app.fetch(request), newEvent('io.mediateca.trash.purge-requested', EVENT_SOURCE, {}), harness.platform.eventsSecret);
  assert.equal(delivered.outcome, 'ack');
  assert.equal((await call('admin', 'GET', `/assets/${recentAgain.id}`)).status, 404);
  assert.equal((await call('admin', 'GET', `/assets/${keptForever.id}`)).body.state, 'deleted', 'retention 0 keeps it');
  assert.equal((await call('editor', 'POST', '/projects/other/trash/purge-due')).status, 403);
  assert.deepEqual((await call('admin', 'POST', '/projects/other/trash/purge-due')).body, { purged: 0, skipped: 0, errors: 0 });
});
