// POST /assets/:id/transitions: the editorial lifecycle through HTTP, with its history, its events and who sees what.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEventData } from '../../shared/events/catalog.ts';
import { assetsHarness } from '../../test/support/assets-harness.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';

const harness = assetsHarness();
const { call } = harness;

const move = (who: string, id: string, to: string, reason?: string, headers?: Record<string, string>) => call(who, 'POST', `/assets/${id}/transitions`, { to, ...(reason === undefined ? {} : { reason }) }, headers);

test('draft → in_review → rejected → draft → in_review → approved → archived, each a versioned history entry and an event', async () => {
  const asset = await seedAsset(harness.platform, { editorialState: 'draft' });
  assert.equal((await call('editor', 'GET', `/assets/${asset.id}`)).body.editorialState, 'draft');
  const steps: [string, string, string?][] = [
    ['editor', 'in_review'], ['producer', 'rejected', 'the caption names the wrong minister'], ['editor', 'draft'], ['editor', 'in_review'], ['producer', 'approved'], ['admin', 'archived'],
  ];
  let version = asset.version;
  for (const [who, to, reason] of steps) {
    const moved = await move(who, asset.id, to, reason);
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.editorialState, to);
    assert.equal(moved.body.version, version + 1);
    assert.equal(moved.etag, `"${version + 1}"`);
    version += 1;
  }
  const history = (await call('editor', 'GET', `/assets/${asset.id}/history`)).body.events.filter((e: { type: string }) => e.type === 'editorial-transition');
  assert.deepEqual(history.slice(-6).map((e: { data: { to: string } }) => e.data.to), steps.map(([, to]) => to));
  assert.deepEqual(history.at(-5).data, { from: 'in_review', to: 'rejected', reason: 'the caption names the wrong minister' });
  assert.equal(history.at(-5).actor, 'producer');

  const events = await harness.platform.db.selectFrom('outbox').select(['type', 'data', 'subject']).where('subject', '=', asset.id).where('type', 'like', 'io.mediateca.asset.editorial.%').orderBy('id').execute();
  assert.deepEqual(events.map((e) => e.type), steps.map(([, to]) => `io.mediateca.asset.editorial.${to}`));
  for (const event of events) parseEventData(event.type as 'io.mediateca.asset.editorial.draft', event.data); // valid by the catalog
  assert.deepEqual(events[1]!.data, { assetId: asset.id, projectId: 'newsroom', version: asset.version + 2, from: 'in_review', to: 'rejected', reason: 'the caption names the wrong minister' });
});

test('refusals: the wrong role 403, off the graph or not ready 409, no reason or a bad body 400; nothing changes', async () => {
  const asset = await seedAsset(harness.platform, { editorialState: 'draft' });
  const processing = await seedAsset(harness.platform, { state: 'processing', editorialState: 'in_review' });
  const cases: [string, string, unknown, number, RegExp][] = [
    ['editor', asset.id, { to: 'approved' }, 409, /cannot move to approved; from draft it can move to in_review/],
    ['producer', processing.id, { to: 'approved' }, 409, /only a ready asset can be approved; this one is processing/],
    ['editor', processing.id, { to: 'approved' }, 403, /your role \(editor\) cannot move an asset from in_review to approved/],
    ['producer', processing.id, { to: 'rejected' }, 400, /needs a reason/],
    ['editor', asset.id, { to: 'published' }, 400, /to must be one of draft, in_review, approved, rejected, archived/],
    ['editor', asset.id, { to: 'in_review', extra: 1 }, 400, /transition/],
    ['editor', asset.id, { to: 'in_review', reason: 'a\u0000b' }, 400, /control characters/],
    ['editor', asset.id, { to: 'draft' }, 409, /already draft/],
  ];
  for (const [who, id, body, status, detail] of cases) {
    const answer = await call(who, 'POST', `/assets/${id}/transitions`, body);
    assert.equal(answer.status, status, JSON.stringify(body));
    assert.equal(answer.type, 'application/problem+json');
    assert.match(answer.body.detail, detail, JSON.stringify(body));
  }
  assert.equal((await call('editor', 'GET', `/assets/${asset.id}`)).body.version, asset.version);
  assert.equal((await call('editor', 'GET', `/assets/${processing.id}`)).body.version, processing.version);
  assert.equal((await move('viewer', asset.id, 'in_review')).status, 404, 'a viewer does not see a draft at all');
  const deleted = await seedAsset(harness.platform, { state: 'deleted', editorialState: 'draft' });
  assert.equal((await move('editor', deleted.id, 'in_review')).status, 409);
});

test('two producers deciding at once: the one holding a stale version gets 412 and changes nothing', async () => {
  const asset = await seedAsset(harness.platform, { editorialState: 'in_review' });
  const etag = `"${asset.version}"`;
  assert.equal((await move('producer', asset.id, 'approved', undefined, { 'if-match': etag })).status, 200);
  const stale = await move('admin', asset.id, 'rejected', 'too late', { 'if-match': etag });
  assert.equal(stale.status, 412);
  assert.equal((await call('editor', 'GET', `/assets/${asset.id}`)).body.editorialState, 'approved');
});

test('a viewer sees the asset once it is approved, and no longer once it is archived', async () => {
  const asset = await seedAsset(harness.platform, { editorialState: 'draft' });
  assert.equal((await call('viewer', 'GET', `/assets/${asset.id}`)).status, 404);
  await move('editor', asset.id, 'in_review');
  assert.equal((await call('viewer', 'GET', `/assets/${asset.id}`)).status, 404);
  await move('producer', asset.id, 'approved');
  assert.equal((await call('viewer', 'GET', `/assets/${asset.id}`)).body.editorialState, 'approved');
  assert.equal((await move('viewer', asset.id, 'archived')).status, 403);
  await move('admin', asset.id, 'archived');
  assert.equal((await call('viewer', 'GET', `/assets/${asset.id}`)).status, 404);
});
