// Collections through HTTP on PGlite: create, rename, ordered add / move / remove, paging, who sees what, the
// catalog events every change writes and the audit entries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEventData, type EventType } from '../../shared/events/catalog.ts';
import { assetsHarness } from '../../test/support/assets-harness.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';

const harness = assetsHarness({ extraTokens: { outsider: { sports: 'admin' } } });
const { call } = harness;

const ids = (body: { assets: { id: string }[] }) => body.assets.map((a) => a.id);

test('create, add in order, insert, move, remove: the order is what was asked, each change a version and an event', async () => {
  const created = await call('editor', 'POST', '/projects/newsroom/collections', { name: '  Elecciones 2026 ', description: 'portadas' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.name, 'Elecciones 2026');
  assert.equal(created.body.assetCount, 0);
  assert.equal(created.etag, '"1"');
  const id = created.body.id;
  const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => seedAsset(harness.platform)));

  const added = await call('editor', 'POST', `/collections/${id}/assets`, { assetIds: [a!.id, b!.id, c!.id] });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.deepEqual(added.body.added, [a!.id, b!.id, c!.id]);
  assert.equal(added.body.collection.version, 2);
  const inserted = await call('editor', 'POST', `/collections/${id}/assets`, { assetIds: [d!.id, a!.id], position: 1 });
  assert.deepEqual(inserted.body.added, [d!.id]);
  assert.deepEqual(inserted.body.alreadyIn, [a!.id]);
  assert.deepEqual(ids((await call('viewer', 'GET', `/collections/${id}/assets`)).body), [a!.id, d!.id, b!.id, c!.id]);

  const moved = await call('editor', 'PATCH', `/collections/${id}/assets/${c!.id}`, { position: 0 });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.deepEqual(moved.body.order, [c!.id, a!.id, d!.id, b!.id]);
  assert.equal((await call('editor', 'DELETE', `/collections/${id}/assets/${a!.id}`)).status, 204);
  const listed = await call('viewer', 'GET', `/collections/${id}/assets`);
  assert.deepEqual(ids(listed.body), [c!.id, d!.id, b!.id]);
  assert.deepEqual(listed.body.assets.map((x: { position: number }) => x.position), [0, 1, 2]);
  assert.equal((await call('editor', 'DELETE', `/collections/${id}/assets/${a!.id}`)).status, 404, 'not in it any more');

  const events = await harness.platform.db.selectFrom('outbox').select(['type', 'data']).where('subject', '=', id).orderBy('id').execute();
  assert.deepEqual(events.map((e) => e.type), [
    'io.mediateca.collection.created', 'io.mediateca.collection.assets-added', 'io.mediateca.collection.assets-added', 'io.mediateca.collection.asset-moved', 'io.mediateca.collection.assets-removed',
  ]);
  for (const event of events) parseEventData(event.type as EventType, event.data);
  assert.deepEqual(events[2]!.data, { collectionId: id, projectId: 'newsroom', version: 3, assetIds: [d!.id], position: 1 });
  assert.deepEqual((await call('viewer', 'GET', `/collections/${id}`)).body.assetCount, 3);
  // a deleted asset leaves the listing and the count, keeping its place until it is removed
  await call('editor', 'DELETE', `/assets/${d!.id}`);
  assert.deepEqual(ids((await call('viewer', 'GET', `/collections/${id}/assets`)).body), [c!.id, b!.id]);
  assert.equal((await call('viewer', 'GET', `/collections/${id}`)).body.assetCount, 2);
});

test('paging walks the order with a cursor; a forged cursor is 400', async () => {
  const id = (await call('editor', 'POST', '/projects/newsroom/collections', { name: 'paged' })).body.id;
  const assets = [];
  for (let i = 0; i < 7; i += 1) assets.push(await seedAsset(harness.platform));
  await call('editor', 'POST', `/collections/${id}/assets`, { assetIds: assets.map((a) => a.id) });
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await call('viewer', 'GET', `/collections/${id}/assets?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200);
    seen.push(...ids(page.body));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, assets.map((a) => a.id));
  assert.equal((await call('viewer', 'GET', `/collections/${id}/assets?cursor=bm9wZQ`)).status, 400);
  assert.equal((await call('viewer', 'GET', `/collections/${id}/assets?limit=0`)).status, 400);
});

test('viewers see approved assets only, unless the project opens the rest; they cannot change collections', async () => {
  const id = (await call('editor', 'POST', '/projects/newsroom/collections', { name: 'mixed' })).body.id;
  const approved = await seedAsset(harness.platform);
  const draft = await seedAsset(harness.platform, { editorialState: 'draft' });
  await call('editor', 'POST', `/collections/${id}/assets`, { assetIds: [draft.id, approved.id] });
  assert.deepEqual(ids((await call('editor', 'GET', `/collections/${id}/assets`)).body), [draft.id, approved.id]);
  assert.deepEqual(ids((await call('viewer', 'GET', `/collections/${id}/assets`)).body), [approved.id]);
  await call('admin', 'PUT', '/projects/newsroom/settings', { viewersSeeUnapproved: true });
  assert.deepEqual(ids((await call('viewer', 'GET', `/collections/${id}/assets`)).body), [draft.id, approved.id]);
  await call('admin', 'PUT', '/projects/newsroom/settings', { viewersSeeUnapproved: false });

  for (const [method, path, body] of [['POST', `/collections/${id}/assets`, { assetIds: [approved.id] }], ['PATCH', `/collections/${id}`, { name: 'x' }], ['DELETE', `/collections/${id}`, undefined], ['POST', '/projects/newsroom/collections', { name: 'x' }]] as const) {
    const refused = await call('viewer', method, path, body);
    assert.equal(refused.status, 403, `${method} ${path}`);
    assert.equal(refused.type, 'application/problem+json');
  }
  // another project's collection does not exist for its outsiders
  assert.equal((await call('outsider', 'GET', `/collections/${id}`)).status, 404);
  assert.equal((await call('outsider', 'GET', '/projects/newsroom/collections')).status, 404);
});

test('bad input: unknown or foreign assets 422, bad bodies 400, stale If-Match 412; nothing changes', async () => {
  const created = await call('editor', 'POST', '/projects/newsroom/collections', { name: 'strict' });
  const id = created.body.id;
  const foreign = await seedAsset(harness.platform, { projectId: 'sports' });
  const deleted = await seedAsset(harness.platform, { state: 'deleted' });
  const unknown = await call('editor', 'POST', `/collections/${id}/assets`, { assetIds: [foreign.id, deleted.id] });
  assert.equal(unknown.status, 422);
  assert.deepEqual(unknown.body.assetIds, [foreign.id, deleted.id]);
  const cases: [string, string, unknown, RegExp][] = [
    ['POST', '/projects/newsroom/collections', { name: '   ' }, /name must not be blank/],
    ['POST', '/projects/newsroom/collections', { name: 'a', extra: 1 }, /collection/],
    ['POST', '/projects/newsroom/collections', { name: 'x'.repeat(201) }, /at most 200/],
    ['POST', `/collections/${id}/assets`, { assetIds: [] }, /at least one/],
    ['POST', `/collections/${id}/assets`, { assetIds: ['nope'] }, /uuids/],
    ['POST', `/collections/${id}/assets`, { assetIds: [foreign.id], position: 5 }, /.+/],
    ['PATCH', `/collections/${id}`, {}, /nothing to change/],
  ];
  for (const [method, path, body, detail] of cases) {
    const answer = await call('editor', method, path, body);
    assert.ok(answer.status === 400 || answer.status === 422, `${method} ${path} ${JSON.stringify(body)} → ${answer.status}`);
    assert.match(answer.body.detail, detail);
  }
  const asset = await seedAsset(harness.platform);
  assert.match((await call('editor', 'POST', `/collections/${id}/assets`, { assetIds: [asset.id], position: 3 })).body.detail, /position must be an integer from 0 to 0/);
  const renamed = await call('editor', 'PATCH', `/collections/${id}`, { name: 'renamed' }, { 'if-match': '"1"' });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.etag, '"2"');
  assert.equal((await call('editor', 'PATCH', `/collections/${id}`, { name: 'stale' }, { 'if-match': '"1"' })).status, 412);
  assert.equal((await call('viewer', 'GET', `/collections/${id}`)).body.name, 'renamed');
  const renameEvent = await harness.platform.db.selectFrom('outbox').select('data').where('subject', '=', id).where('type', '=', 'io.mediateca.collection.renamed').executeTakeFirstOrThrow();
  assert.deepEqual(renameEvent.data, { collectionId: id, projectId: 'newsroom', version: 2, name: 'renamed', previousName: 'strict' });
});

test('listing and deleting: newest first, paged; a deleted collection is gone, its members announced', async () => {
  await call('editor', 'POST', '/projects/sports/collections', { name: 'elsewhere' }); // 404: the editor has no role there
  const first = (await call('editor', 'POST', '/projects/newsroom/collections', { name: 'older' })).body.id;
  const second = (await call('editor', 'POST', '/projects/newsroom/collections', { name: 'newer' })).body.id;
  const asset = await seedAsset(harness.platform);
  await call('editor', 'POST', `/collections/${second}/assets`, { assetIds: [asset.id] });
  const page = await call('viewer', 'GET', '/projects/newsroom/collections?limit=1');
  assert.equal(page.body.collections[0].id, second);
  assert.equal(page.body.collections[0].assetCount, 1);
  const next = await call('viewer', 'GET', `/projects/newsroom/collections?limit=1&cursor=${page.body.nextCursor}`);
  assert.notEqual(next.body.collections[0].id, second);
  assert.equal((await call('editor', 'DELETE', `/collections/${second}`)).status, 204);
  assert.equal((await call('editor', 'GET', `/collections/${second}`)).status, 404);
  assert.equal((await call('editor', 'DELETE', `/collections/${second}`)).status, 404);
  const deletedEvent = await harness.platform.db.selectFrom('outbox').select('data').where('subject', '=', second).where('type', '=', 'io.mediateca.collection.deleted').executeTakeFirstOrThrow();
  assert.deepEqual((deletedEvent.data as { assetIds: string[] }).assetIds, [asset.id]);
  assert.equal((await call('editor', 'GET', `/collections/${first}`)).status, 200);
  const audit = await call('admin', 'GET', `/projects/newsroom/audit?targetId=${second}`);
  assert.deepEqual(audit.body.entries.map((e: { action: string }) => e.action), ['collection.deleted', 'collection.assets-added', 'collection.created']);
  assert.equal(audit.body.entries[0].actor, 'editor');
});
