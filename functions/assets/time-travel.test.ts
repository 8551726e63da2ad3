// GET /assets/:id?version=n and ?asOf=<instant>: the asset as it was; POST /projects/:id/rebuild: rows from events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assetsHarness } from '../../test/support/assets-harness.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';

const harness = assetsHarness();
const { call } = harness;

test('each earlier state by version and by instant; bad or impossible bounds answer 400 / 404', async () => {
  const asset = await seedAsset(harness.platform, { editorialState: 'draft', title: 'first' });
  const firstAt = new Date();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const edited = await call('editor', 'PATCH', `/assets/${asset.id}`, { title: 'second' });
  const submitted = await call('editor', 'POST', `/assets/${asset.id}/transitions`, { to: 'in_review' });
  assert.equal(submitted.status, 200);
  const byVersion = async (version: number) => (await call('editor', 'GET', `/assets/${asset.id}?version=${version}`)).body;
  assert.deepEqual([(await byVersion(asset.version)).title, (await byVersion(asset.version)).editorialState], ['first', 'draft']);
  assert.deepEqual([(await byVersion(edited.body.version)).title, (await byVersion(edited.body.version)).editorialState], ['second', 'draft']);
  assert.equal((await byVersion(submitted.body.version)).editorialState, 'in_review');
  assert.equal((await byVersion(1)).state, 'uploading');
  const then = (await call('editor', 'GET', `/assets/${asset.id}?asOf=${encodeURIComponent(firstAt.toISOString())}`)).body;
  assert.deepEqual([then.title, then.version], ['first', asset.version]);
  const { metadata: _m, renditions: _r, ai: _a, downloadUrl: _d, urlsExpireAt: _u, ...today } = (await call('editor', 'GET', `/assets/${asset.id}`)).body;
  assert.deepEqual(await byVersion(submitted.body.version), { ...today, progress: null });
  for (const query of ['version=0', 'version=x', 'version=1.5', 'asOf=yesterday', `version=1&asOf=${firstAt.toISOString()}`]) {
    assert.equal((await call('editor', 'GET', `/assets/${asset.id}?${query}`)).status, 400, query);
  }
  assert.equal((await call('editor', 'GET', `/assets/${asset.id}?version=999`)).status, 404);
  assert.equal((await call('editor', 'GET', `/assets/${asset.id}?asOf=2001-01-01`)).status, 404);
});

test('an admin rebuilds a project’s rows from events (and index is told to project them again); others may not', async () => {
  const asset = await seedAsset(harness.platform, { projectId: 'newsroom', title: 'kept' });
  await harness.platform.db.updateTable('assets').set({ title: 'damaged' }).where('id', '=', asset.id).execute();
  assert.equal((await call('editor', 'POST', '/projects/newsroom/rebuild')).status, 403);
  const { status, body } = await call('admin', 'POST', '/projects/newsroom/rebuild');
  assert.equal(status, 200);
  assert.ok(body.rebuilt >= 1);
  assert.deepEqual(body.unrecorded, []);
  assert.equal((await call('admin', 'GET', `/assets/${asset.id}`)).body.title, 'kept');
  const told = await harness.platform.db.selectFrom('outbox').select('data').where('subject', '=', asset.id).where('type', '=', 'io.mediateca.asset.updated').execute();
  assert.deepEqual(told.map((row) => (row.data as { fields: string[] }).fields), [['rebuilt']]);
});
