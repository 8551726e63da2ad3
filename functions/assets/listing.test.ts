// GET /assets: every asset the caller may see, in any state, newest first with cursor paging.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Hono } from 'hono';
import type { Asset } from '../../shared/db/schema.ts';
import { encodeCursor } from '../../shared/search/cursor.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset, seedAssetsInBulk } from '../../test/support/seed-assets.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: Hono<AppEnv>;
const tokens: Record<string, string> = {};
const seeded: Record<string, Asset> = {};
const get = async (who: string, path: string) => {
  const response = await app.request(path, { headers: { authorization: `Bearer ${tokens[who]}` } });
  return { status: response.status, body: await response.json() };
};
const ids = (body: { assets: { id: string }[] }) => body.assets.map((asset) => asset.id);

before(async () => {
  platform = await createTestPlatform();
  app = createApp(platform);
  tokens.editor = await platform.signer!.mint('ana', { newsroom: 'editor', sports: 'viewer' });
  tokens.viewer = await platform.signer!.mint('vic', { newsroom: 'viewer' });
  tokens.outsider = await platform.signer!.mint('olga', { weather: 'admin' });
  // Oldest first, so the expected listing order is the reverse of this one.
  seeded.uploading = await seedAsset(platform, { state: 'uploading' });
  seeded.processing = await seedAsset(platform, { state: 'processing', mediaType: 'video' });
  seeded.failed = await seedAsset(platform, { state: 'failed' });
  seeded.ready = await seedAsset(platform, { state: 'ready', thumbnail: true });
  seeded.deleted = await seedAsset(platform, { state: 'deleted' });
  seeded.sports = await seedAsset(platform, { state: 'ready', projectId: 'sports', mediaType: 'video' });
  seeded.weather = await seedAsset(platform, { state: 'ready', projectId: 'weather' });
});
after(() => platform.dispose());

test('lists every asset of the caller’s projects in any state but deleted, newest first, in the asset shape', async () => {
  const { status, body } = await get('editor', '/assets');
  assert.equal(status, 200);
  assert.deepEqual(ids(body), [seeded.sports!.id, seeded.ready!.id, seeded.failed!.id, seeded.processing!.id, seeded.uploading!.id]);
  const failed = body.assets.find((asset: { id: string }) => asset.id === seeded.failed!.id);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.stateReason, 'seeded failure');
  assert.equal(failed.projectId, 'newsroom');
  const single = (await get('editor', `/assets/${seeded.failed!.id}`)).body;
  for (const [field, value] of Object.entries(failed)) assert.deepEqual(value, single[field], `${field} as GET /assets/:id gives it`);
  const ready = body.assets.find((asset: { id: string }) => asset.id === seeded.ready!.id);
  assert.match(ready.thumbnailUrl, /thumbnail\.jpg/);
  assert.equal(body.nextCursor, undefined);
});

test('filters: state (comma list), mediaType, projectId', async () => {
  assert.deepEqual(ids((await get('editor', '/assets?state=failed')).body), [seeded.failed!.id]);
  assert.deepEqual(ids((await get('editor', '/assets?state=uploading,processing')).body), [seeded.processing!.id, seeded.uploading!.id]);
  assert.deepEqual(ids((await get('editor', '/assets?mediaType=video')).body), [seeded.sports!.id, seeded.processing!.id]);
  assert.deepEqual(ids((await get('editor', '/assets?projectId=sports')).body), [seeded.sports!.id]);
  assert.deepEqual(ids((await get('editor', '/assets?projectId=newsroom&state=ready&mediaType=image')).body), [seeded.ready!.id]);
});

test('deleted=true lists soft-deleted assets, for editors only', async () => {
  assert.deepEqual(ids((await get('editor', '/assets?deleted=true')).body), [seeded.deleted!.id]);
  assert.equal((await get('viewer', '/assets?deleted=true')).status, 403);
  assert.equal((await get('editor', '/assets?deleted=true&projectId=sports')).status, 403, 'a viewer in that project');
  assert.equal((await get('editor', '/assets?deleted=true&state=ready')).status, 400);
});

test('another project’s assets are never listed; naming it is 404', async () => {
  assert.deepEqual(ids((await get('outsider', '/assets')).body), [seeded.weather!.id]);
  assert.equal((await get('outsider', '/assets?projectId=newsroom')).status, 404);
  assert.deepEqual(ids((await get('viewer', '/assets?state=ready')).body), [seeded.ready!.id]);
});

test('viewers list approved assets only, unless the project lets them see the rest; editorialState filters', async () => {
  const draft = await seedAsset(platform, { projectId: 'desk', editorialState: 'draft' });
  const review = await seedAsset(platform, { projectId: 'desk', editorialState: 'in_review' });
  const approved = await seedAsset(platform, { projectId: 'desk', editorialState: 'approved' });
  tokens.deskViewer = await platform.signer!.mint('val', { desk: 'viewer' });
  tokens.deskEditor = await platform.signer!.mint('eli', { desk: 'editor' });
  assert.deepEqual(ids((await get('deskViewer', '/assets')).body), [approved.id]);
  assert.equal((await get('deskViewer', `/assets/${draft.id}`)).status, 404, 'an unapproved asset does not exist for a viewer');
  assert.equal((await get('deskViewer', `/assets/${draft.id}/history`)).status, 404);
  assert.equal((await get('deskViewer', `/assets/${approved.id}`)).body.editorialState, 'approved');
  assert.deepEqual(ids((await get('deskEditor', '/assets')).body), [approved.id, review.id, draft.id]);
  assert.deepEqual(ids((await get('deskEditor', '/assets?editorialState=draft,in_review')).body), [review.id, draft.id]);
  assert.equal((await get('deskEditor', '/assets?editorialState=published')).status, 400);
  tokens.deskAdmin = await platform.signer!.mint('adi', { desk: 'admin' });
  const open = await app.request('/projects/desk/settings', { method: 'PUT', headers: { authorization: `Bearer ${tokens.deskAdmin}`, 'content-type': 'application/json' }, body: JSON.stringify({ viewersSeeUnapproved: true }) });
  assert.equal(open.status, 200);
  assert.deepEqual(ids((await get('deskViewer', '/assets')).body), [approved.id, review.id, draft.id]);
  assert.equal((await get('deskViewer', `/assets/${draft.id}`)).status, 200);
});

test('cursor paging walks every asset once, also when assets share a creation instant', async () => {
  const walked: string[] = [];
  let cursor: string | undefined;
  do {
    const { status, body } = await get('editor', `/assets?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(status, 200);
    assert.ok(body.assets.length <= 2);
    walked.push(...ids(body));
    cursor = body.nextCursor;
  } while (cursor);
  assert.deepEqual(walked, ids((await get('editor', '/assets')).body));
  // Rows created in one instant (one transaction) are ordered by id, and paging splits them without loss.
  const twins = [await seedAsset(platform, { projectId: 'twins' }), await seedAsset(platform, { projectId: 'twins' }), await seedAsset(platform, { projectId: 'twins' })];
  await platform.db.updateTable('assets').set({ created_at: '2030-01-01T00:00:00.123456Z' }).where('project_id', '=', 'twins').execute();
  tokens.twins = await platform.signer!.mint('tim', { twins: 'viewer' });
  const first = (await get('twins', '/assets?limit=1')).body;
  const second = (await get('twins', `/assets?limit=1&cursor=${first.nextCursor}`)).body;
  const third = (await get('twins', `/assets?limit=1&cursor=${second.nextCursor}`)).body;
  assert.deepEqual([...ids(first), ...ids(second), ...ids(third)], twins.map((a) => a.id).sort().reverse());
  assert.equal(third.nextCursor, undefined);
});

test('sort: oldest first and by title (then id), each paged by its own cursor; a cursor of another order is 400', async () => {
  tokens.sorted = await platform.signer!.mint('sol', { sorted: 'viewer' });
  // bulk-created (one instant): "same" twice, so the title order falls back to the id
  const bulk = await seedAssetsInBulk(platform, ['delta', 'alpha', 'same', 'charlie', 'same'].map((title) => ({ projectId: 'sorted', title, thumbnailBytes: Buffer.from('jpeg') })));
  const walk = async (sort: string) => {
    const walked: string[] = [];
    let cursor: string | undefined;
    do {
      const { status, body } = await get('sorted', `/assets?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(status, 200, JSON.stringify(body));
      walked.push(...ids(body));
      cursor = body.nextCursor;
    } while (cursor);
    return walked;
  };
  const byTitle = [...bulk].sort((a, b) => (a.title === b.title ? (a.id < b.id ? -1 : 1) : a.title < b.title ? -1 : 1)).map((a) => a.id);
  assert.deepEqual(await walk('title'), byTitle);
  const newest = await walk('newest');
  assert.deepEqual(newest, bulk.map((a) => a.id).sort().reverse(), 'one instant: newest first falls back to the id, descending');
  assert.deepEqual(await walk('oldest'), [...newest].reverse());
  // every row listed with the thumbnail it was given
  const listed = (await get('sorted', '/assets?sort=title')).body.assets;
  assert.ok(listed.every((a: { thumbnailUrl?: string }) => a.thumbnailUrl), JSON.stringify(listed));
  const titleCursor = (await get('sorted', '/assets?sort=title&limit=1')).body.nextCursor;
  const newestCursor = (await get('sorted', '/assets?limit=1')).body.nextCursor;
  assert.equal((await get('sorted', `/assets?sort=oldest&cursor=${titleCursor}`)).status, 400);
  assert.equal((await get('sorted', `/assets?sort=title&cursor=${newestCursor}`)).status, 400);
  assert.equal((await get('sorted', '/assets?sort=size')).status, 400);
});

test('bad parameters and cursors are 400s, never 500s', async () => {
  const uuid = seeded.ready!.id;
  for (const query of [
    'state=deleted', 'state=bogus', 'mediaType=film', 'limit=0', 'limit=101', 'limit=x', 'deleted=yes', 'projectId=Bad%00',
    `cursor=${encodeCursor(['1', uuid])}`, `cursor=${encodeCursor(['a 1', uuid])}`, `cursor=${encodeCursor(['+275760-09-13T00:00:00.000Z', uuid])}`,
    `cursor=${encodeCursor(['2024-02-31T00:00:00.000000Z', uuid])}`, `cursor=${encodeCursor(['2024-01-01T00:00:00.000000Z', 'x'])}`, 'cursor=%%%',
  ]) {
    const response = await get('editor', `/assets?${query}`);
    assert.equal(response.status, 400, `${query}: ${JSON.stringify(response.body)}`);
    assert.ok(response.body.detail, query);
  }
});
