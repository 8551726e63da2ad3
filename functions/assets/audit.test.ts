// The audit log through HTTP on PGlite: the asset routes' reads and changes are recorded with who, what, when and
// from where; only admins read it, filtered and cursor paged; entries past the retention period are pruned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendAudit, pruneAudit } from '../../shared/db/audit.ts';
import { assetsHarness } from '../../test/support/assets-harness.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';

const harness = assetsHarness({ env: { TRUSTED_PROXY_HOPS: '1' }, projectsOf: (role) => ({ newsroom: role, audited: role }), headers: { 'x-forwarded-for': '198.51.100.7' } });
const { call } = harness;

type Entry = { action: string; actor: string; targetId: string; address: string; details: Record<string, unknown>; occurredAt: string };

test('reads, edits, transitions, deletes and settings changes are recorded; refused calls are not', async () => {
  const asset = await seedAsset(harness.platform, { projectId: 'audited', editorialState: 'draft' });
  await call('viewer', 'GET', `/assets/${asset.id}`); // 404 for a viewer: not recorded
  await call('editor', 'GET', `/assets/${asset.id}`);
  await call('editor', 'PATCH', `/assets/${asset.id}`, { title: 'Pleno del Congreso' });
  await call('editor', 'POST', `/assets/${asset.id}/transitions`, { to: 'in_review' });
  await call('editor', 'POST', `/assets/${asset.id}/transitions`, { to: 'approved' }); // 403: not recorded
  await call('producer', 'POST', `/assets/${asset.id}/transitions`, { to: 'approved' });
  await call('admin', 'PUT', '/projects/audited/settings', { viewersSeeUnapproved: false });
  await call('editor', 'DELETE', `/assets/${asset.id}`);
  const log = await call('admin', 'GET', '/projects/audited/audit');
  assert.equal(log.status, 200, JSON.stringify(log.body));
  const entries: Entry[] = log.body.entries;
  assert.deepEqual(entries.map((e) => [e.action, e.actor]), [
    ['asset.deleted', 'editor'], ['project.settings-changed', 'admin'], ['asset.transitioned', 'producer'], ['asset.transitioned', 'editor'], ['asset.edited', 'editor'], ['asset.read', 'editor'],
  ]);
  assert.deepEqual(entries[2]!.details, { editorialState: 'approved', version: asset.version + 3 });
  assert.equal(entries[0]!.targetId, asset.id);
  assert.equal(entries[1]!.targetId, 'audited');
  assert.ok(entries.every((e) => e.address === '198.51.100.7'));
  assert.ok(entries.every((e) => Date.parse(e.occurredAt) > 0));
});

test('a caller polling an asset leaves one read per AUDIT_READ_INTERVAL (1 h by default); changes and other callers are recorded', async () => {
  const asset = await seedAsset(harness.platform, { projectId: 'audited', editorialState: 'draft' });
  const actions = async () => (await call('admin', 'GET', `/projects/audited/audit?targetId=${asset.id}`)).body.entries.map((e: Entry) => [e.action, e.actor]);
  for (let i = 0; i < 3; i += 1) assert.equal((await call('editor', 'GET', `/assets/${asset.id}`)).status, 200);
  await call('editor', 'PATCH', `/assets/${asset.id}`, { title: 'Leído tres veces' });
  await call('editor', 'PATCH', `/assets/${asset.id}`, { title: 'Editado dos veces' });
  await call('editor', 'GET', `/assets/${asset.id}`);
  await call('producer', 'GET', `/assets/${asset.id}`);
  await call('producer', 'GET', `/assets/${asset.id}`);
  assert.deepEqual(await actions(), [['asset.read', 'producer'], ['asset.edited', 'editor'], ['asset.edited', 'editor'], ['asset.read', 'editor']]);
  const reads = (await call('admin', 'GET', `/projects/audited/audit?targetId=${asset.id}&action=asset.read`)).body.entries as Entry[];
  assert.ok(reads.every((e) => e.address === '198.51.100.7' && JSON.stringify(e.details) === '{}'), JSON.stringify(reads));
  // the editor's read recorded more than an interval ago: the next read is recorded again
  await harness.platform.db.updateTable('audit_log').set({ occurred_at: new Date(Date.now() - 3601_000) }).where('target_id', '=', asset.id).where('actor', '=', 'editor').where('action', '=', 'asset.read').execute();
  await call('editor', 'GET', `/assets/${asset.id}`);
  await call('editor', 'GET', `/assets/${asset.id}`);
  assert.deepEqual((await actions()).filter(([action]: string[]) => action === 'asset.read'), [['asset.read', 'editor'], ['asset.read', 'producer'], ['asset.read', 'editor']]);
});

test('only admins read the log; filters, cursor paging and bad queries', async () => {
  for (let i = 0; i < 5; i += 1) await appendAudit(harness.platform.db, [{ project_id: 'newsroom', actor: `reader-${i % 2}`, via: 'api', action: 'asset.read', target_type: 'asset', target_id: `t${i}`, address: null, details: {} }]);
  assert.equal((await call('editor', 'GET', '/projects/newsroom/audit')).status, 403);
  assert.equal((await call('admin', 'GET', '/projects/elsewhere/audit')).status, 404);
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await call('admin', 'GET', `/projects/newsroom/audit?action=asset.read&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200);
    seen.push(...page.body.entries.map((e: Entry) => e.targetId));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.deepEqual(seen, ['t4', 't3', 't2', 't1', 't0']);
  const byActor = await call('admin', 'GET', '/projects/newsroom/audit?actor=reader-1');
  assert.deepEqual(byActor.body.entries.map((e: Entry) => e.targetId), ['t3', 't1']);
  const future = await call('admin', 'GET', `/projects/newsroom/audit?from=${new Date(Date.now() + 86400_000).toISOString().slice(0, 10)}`);
  assert.deepEqual(future.body.entries, []);
  for (const query of ['action=asset.stolen', 'limit=0', 'cursor=abc', 'from=2026-02-30', 'from=2026-02-02&to=2026-02-01', 'via=email']) {
    const refused = await call('admin', 'GET', `/projects/newsroom/audit?${query}`);
    assert.equal(refused.status, 400, query);
  }
});

test('pruning removes only the entries past the cutoff', async () => {
  const old = new Date('2020-01-01T00:00:00Z');
  await appendAudit(harness.platform.db, [
    { project_id: 'pruned', actor: 'a', via: 'api', action: 'asset.read', target_type: 'asset', target_id: 'old', address: null, details: {}, occurred_at: old },
    { project_id: 'pruned', actor: 'a', via: 'api', action: 'asset.read', target_type: 'asset', target_id: 'new', address: null, details: {} },
  ]);
  assert.ok((await pruneAudit(harness.platform.db, new Date('2021-01-01T00:00:00Z'))) >= 1);
  const left = await harness.platform.db.selectFrom('audit_log').select('target_id').where('project_id', '=', 'pruned').execute();
  assert.deepEqual(left.map((r) => r.target_id), ['new']);
});

test('GET /audit reads every project the caller administers, or those named', async () => {
  await appendAudit(harness.platform.db, [
    { project_id: 'newsroom', actor: 'x', via: 'api', action: 'share.created', target_type: 'asset', target_id: 'across-1', address: null, details: {} },
    { project_id: 'audited', actor: 'x', via: 'api', action: 'share.created', target_type: 'asset', target_id: 'across-2', address: null, details: {} },
    { project_id: 'elsewhere', actor: 'x', via: 'api', action: 'share.created', target_type: 'asset', target_id: 'across-3', address: null, details: {} },
  ]);
  const all = await call('admin', 'GET', '/audit?action=share.created');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.entries.map((e: Entry & { projectId: string }) => [e.projectId, e.targetId]), [['audited', 'across-2'], ['newsroom', 'across-1']]);
  const one = await call('admin', 'GET', '/audit?action=share.created&projectId=audited');
  assert.deepEqual(one.body.entries.map((e: Entry) => e.targetId), ['across-2']);
  assert.equal((await call('admin', 'GET', '/audit?projectId=elsewhere')).status, 404);
  assert.equal((await call('editor', 'GET', '/audit')).status, 403);
});
