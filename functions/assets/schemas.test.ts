// Metadata schemas, rights and batch edit through HTTP: an admin defines the fields, editors fill them (a bad
// field refused by name), the rules gate review and approval, values survive schema changes and a rebuild from
// events, and a batch applies one change to many assets with a result per asset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAsset, rebuildAssets } from '../../shared/db/asset-log.ts';
import { findAsset } from '../../shared/db/assets.ts';
import { EVENT_SOURCE, parseEventData } from '../../shared/events/catalog.ts';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { assetsHarness } from '../../test/support/assets-harness.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';

const PROJECT = 'schemas';

const harness = assetsHarness({ projectsOf: (role) => ({ [PROJECT]: role, other: role === 'admin' ? 'viewer' : role }) });
const { call } = harness;

const FIELDS = [
  { name: 'section', type: 'enum', options: ['politics', 'sport', 'culture'], required: true, help: 'where it runs' },
  { name: 'topics', type: 'multi-enum', options: ['election', 'budget', 'football'] },
  { name: 'rating', type: 'number', min: 0, max: 5 },
  { name: 'eventDate', type: 'date' },
  { name: 'source', type: 'url' },
  { name: 'agency', type: 'keyword', default: 'EFE' },
];

test('schema: admins define it (versioned, stale saves refused); editors read it; a bad definition names its field', async () => {
  const empty = await call('editor', 'GET', `/projects/${PROJECT}/schema`);
  assert.equal(empty.status, 200);
  assert.equal(empty.body.version, 0);
  assert.ok(empty.body.builtIn.some((f: { name: string }) => f.name === 'rightsExpiry'));
  assert.equal((await call('editor', 'PUT', `/projects/${PROJECT}/schema`, { fields: FIELDS })).status, 403);
  const bad = await call('admin', 'PUT', `/projects/${PROJECT}/schema`, { fields: [{ name: 'rating', type: 'number', min: 5, max: 1 }, { name: 'credit', type: 'text' }] });
  assert.equal(bad.status, 400);
  assert.equal(bad.type, 'application/problem+json');
  assert.deepEqual(bad.body.issues.map((i: { field: string }) => i.field), ['rating', 'credit']);
  const saved = await call('admin', 'PUT', `/projects/${PROJECT}/schema`, { expectedVersion: 0, fields: FIELDS });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.version, 1);
  assert.equal(saved.etag, '"1"');
  assert.equal((await call('admin', 'PUT', `/projects/${PROJECT}/schema`, { expectedVersion: 0, fields: FIELDS })).status, 409, 'a save on a stale version');
  assert.equal((await call('admin', 'PUT', `/projects/${PROJECT}/schema`, { fields: FIELDS }, { 'if-match': '"0"' })).status, 409);
  const read = await call('viewer', 'GET', `/projects/${PROJECT}/schema`);
  assert.deepEqual(read.body.fields.map((f: { name: string }) => f.name), FIELDS.map((f) => f.name));
  const events = await harness.platform.db.selectFrom('outbox').select(['type', 'data']).where('type', '=', 'io.mediateca.project.schema-changed').execute();
  assert.deepEqual(parseEventData('io.mediateca.project.schema-changed', events.at(-1)!.data), { projectId: PROJECT, version: 1, fields: FIELDS.map((f) => f.name) });
  assert.equal((await call('viewer', 'GET', `/projects/${PROJECT}/schema/versions/1`)).body.version, 1);
  assert.equal((await call('viewer', 'GET', `/projects/${PROJECT}/schema/versions/9`)).status, 404);
});

test('editors fill fields; a bad field is 400 naming it; the values are history, events, and survive a rebuild and time travel', async () => {
  const asset = await seedAsset(harness.platform, { projectId: PROJECT, editorialState: 'draft' });
  const filled = await call('editor', 'PATCH', `/assets/${asset.id}`, { title: 'Pleno', fields: { section: 'politics', topics: ['budget'], rating: 4, eventDate: '2026-05-01', credit: 'EFE / Ana' } });
  assert.equal(filled.status, 200, JSON.stringify(filled.body));
  assert.deepEqual(filled.body.fields, { section: 'politics', topics: ['budget'], rating: 4, eventDate: '2026-05-01', credit: 'EFE / Ana' });
  const bad = await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { rating: 9, source: 'ftp://x', section: null, colour: 'red' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.type, 'application/problem+json');
  assert.deepEqual(bad.body.issues.map((i: { field: string }) => i.field), ['rating', 'source', 'section', 'colour']);
  assert.match(bad.body.detail, /rating must be at most 5/);
  assert.equal((await call('editor', 'GET', `/assets/${asset.id}`)).body.version, filled.body.version, 'nothing written');
  assert.equal((await call('viewer', 'PATCH', `/assets/${asset.id}`, { fields: { rating: 1 } })).status, 403, 'viewers do not edit');

  const history = (await call('editor', 'GET', `/assets/${asset.id}/history`)).body.events.at(-1);
  assert.equal(history.type, 'edited');
  assert.deepEqual(history.data.after.fields, filled.body.fields);
  const event = await harness.platform.db.selectFrom('outbox').select(['type', 'data']).where('subject', '=', asset.id).where('type', '=', 'io.mediateca.asset.updated').orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.deepEqual(parseEventData('io.mediateca.asset.updated', event.data).fields, ['title', 'fields.section', 'fields.topics', 'fields.rating', 'fields.eventDate', 'fields.credit']);

  await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { rating: null, topics: ['budget', 'election'] } });
  const before = await findAsset(harness.platform.db, asset.id);
  await harness.platform.db.updateTable('assets').set({ fields: {}, title: 'lost' }).where('id', '=', asset.id).execute();
  await rebuildAssets(harness.platform.db, { projectId: PROJECT });
  const rebuilt = await findAsset(harness.platform.db, asset.id);
  assert.deepEqual(rebuilt, before, 'the row rebuilt from its events, field by field');
  const past = await loadAsset(harness.platform.db, asset.id, { version: filled.body.version });
  assert.ok(past.found);
  assert.deepEqual(past.asset.fields, filled.body.fields);
  assert.equal((await call('editor', 'GET', `/assets/${asset.id}?version=${filled.body.version}`)).body.fields.rating, 4);
});

test('a schema change never loses stored values; required fields gate review; expired rights block approval and raise an event', async () => {
  const asset = await seedAsset(harness.platform, { projectId: PROJECT, editorialState: 'draft' });
  const refused = await call('editor', 'POST', `/assets/${asset.id}/transitions`, { to: 'in_review' });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body.issues, [{ path: 'fields.section', message: 'is required before moving to in_review', field: 'section' }]);
  await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { section: 'sport', rating: 2 } });
  // version 2 drops rating: the stored value stays (and can still be cleared)
  const v2 = await call('admin', 'PUT', `/projects/${PROJECT}/schema`, { fields: FIELDS.filter((f) => f.name !== 'rating') });
  assert.equal(v2.body.version, 2);
  assert.deepEqual((await call('editor', 'GET', `/assets/${asset.id}`)).body.fields, { section: 'sport', rating: 2 });
  assert.equal((await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { rating: 3 } })).status, 400, 'no longer a field');
  assert.equal((await call('editor', 'POST', `/assets/${asset.id}/transitions`, { to: 'in_review' })).status, 200);

  const expiry = await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { rightsExpiry: '2020-01-01', license: 'rights-managed' } });
  assert.equal(expiry.status, 200);
  assert.ok(expiry.body.rightsExpiredAt, 'the expiry had begun: recorded with the edit');
  const approve = await call('producer', 'POST', `/assets/${asset.id}/transitions`, { to: 'approved' });
  assert.equal(approve.status, 409);
  assert.match(approve.body.detail, /rights expired on 2020-01-01/);
  const expiredEvents = await harness.platform.db.selectFrom('outbox').select('data').where('subject', '=', asset.id).where('type', '=', 'io.mediateca.asset.rights-expired').execute();
  assert.equal(expiredEvents.length, 1);
  assert.equal(parseEventData('io.mediateca.asset.rights-expired', expiredEvents[0]!.data).rightsExpiry, '2020-01-01');
  await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { rightsExpiry: '2999-12-31' } });
  const approved = await call('producer', 'POST', `/assets/${asset.id}/transitions`, { to: 'approved' });
  assert.equal(approved.status, 200);
  assert.equal(approved.body.rightsExpiredAt, null);
});

test('the rights sweep raises rights-expired once per asset whose expiry has begun (admins only)', async () => {
  const due = await seedAsset(harness.platform, { projectId: PROJECT });
  const later = await seedAsset(harness.platform, { projectId: PROJECT });
  // set directly as an older edit would have left them: the expiry day arrives after the edit
  await harness.platform.db.updateTable('assets').set({ fields: { rightsExpiry: '2021-01-01' } }).where('id', '=', due.id).execute();
  await harness.platform.db.updateTable('assets').set({ fields: { rightsExpiry: '2999-01-01' } }).where('id', '=', later.id).execute();
  assert.equal((await call('editor', 'POST', `/projects/${PROJECT}/rights/expire`)).status, 403);
  const swept = await call('admin', 'POST', `/projects/${PROJECT}/rights/expire`);
  assert.equal(swept.status, 200);
  assert.ok(swept.body.expired.includes(due.id));
  assert.ok(!swept.body.expired.includes(later.id));
  assert.deepEqual((await call('admin', 'POST', `/projects/${PROJECT}/rights/expire`)).body.expired, [], 'idempotent');
  const history = (await call('editor', 'GET', `/assets/${due.id}/history`)).body.events.at(-1);
  assert.deepEqual(history.data, { rightsExpiry: '2021-01-01', on: new Date().toISOString().slice(0, 10) });

  // the scheduled event (schedules/expire-rights.yaml, the host's loop) sweeps every project, once per asset
  const elsewhere = await seedAsset(harness.platform, { projectId: 'other' });
  const alsoDue = await seedAsset(harness.platform, { projectId: PROJECT });
  for (const asset of [elsewhere, alsoDue]) await harness.platform.db.updateTable('assets').set({ fields: { rightsExpiry: '2022-06-30' } }).where('id', '=', asset.id).execute();
  const expired = () => harness.platform.db.selectFrom('outbox').select('subject').where('type', '=', 'io.mediateca.asset.rights-expired').where('subject', 'in', [elsewhere.id, alsoDue.id, due.id, later.id]).execute();
  const before = (await expired()).length;
  for (let run = 0; run < 2; run++) {
    const delivered = await deliverToFunction((request) => harness.app.fetch(request), newEvent('io.mediateca.rights.expire-requested', EVENT_SOURCE, {}), harness.platform.eventsSecret);
    assert.equal(delivered.outcome, 'ack');
  }
  assert.deepEqual((await expired()).slice(before).map((row) => row.subject).sort(), [elsewhere.id, alsoDue.id].sort(), 'both projects, each once; the due asset already had its event');
  assert.ok((await findAsset(harness.platform.db, elsewhere.id))!.rights_expired_at);
});

test('batch: one patch or transition for many assets, each its own decision at its own version, a result per asset', async () => {
  const a = await seedAsset(harness.platform, { projectId: PROJECT, editorialState: 'draft' });
  const b = await seedAsset(harness.platform, { projectId: PROJECT, editorialState: 'draft' });
  const elsewhere = await seedAsset(harness.platform, { projectId: 'hidden' });
  const stale = await seedAsset(harness.platform, { projectId: PROJECT, editorialState: 'draft' });
  const edited = await call('editor', 'POST', '/assets/batch', {
    ids: [a.id, b.id, elsewhere.id, stale.id],
    expectedVersions: { [stale.id]: stale.version - 1 },
    edit: { tags: ['pleno'], fields: { section: 'politics', agency: 'EFE' } },
  });
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  assert.deepEqual(edited.body.results.map((r: { status: number }) => r.status), [200, 200, 404, 412]);
  assert.equal(edited.body.succeeded, 2);
  assert.equal(edited.body.failed, 2);
  assert.equal(edited.body.results[0].version, a.version + 1);
  for (const id of [a.id, b.id]) assert.deepEqual((await findAsset(harness.platform.db, id))!.fields, { section: 'politics', agency: 'EFE' });
  assert.equal((await findAsset(harness.platform.db, stale.id))!.version, stale.version, 'the stale one untouched');

  const bad = await call('editor', 'POST', '/assets/batch', { ids: [a.id], edit: { fields: { section: 'weather' } } });
  assert.equal(bad.body.results[0].status, 400);
  assert.deepEqual(bad.body.results[0].problem.issues.map((i: { field: string }) => i.field), ['section']);

  const moved = await call('editor', 'POST', '/assets/batch', { ids: [a.id, b.id, stale.id], transition: { to: 'in_review' } });
  assert.deepEqual(moved.body.results.map((r: { status: number }) => r.status), [200, 200, 400], 'stale has no section yet');
  assert.equal(moved.body.results[2].problem.issues[0].field, 'section');
  const byEditor = await call('editor', 'POST', '/assets/batch', { ids: [a.id], transition: { to: 'approved' } });
  assert.equal(byEditor.body.results[0].status, 403);
  const events = await harness.platform.db.selectFrom('outbox').select('subject').where('type', '=', 'io.mediateca.asset.editorial.in_review').where('subject', 'in', [a.id, b.id, stale.id]).execute();
  assert.equal(events.length, 2);

  for (const body of [{ ids: [], edit: { tags: [] } }, { ids: [a.id], edit: {} }, { ids: [a.id] }, { ids: [a.id, a.id], edit: { tags: [] } }, { ids: [a.id], edit: { tags: [] }, transition: { to: 'draft' } }, { ids: Array(501).fill(a.id), edit: { tags: [] } }]) {
    const refused = await call('editor', 'POST', '/assets/batch', body);
    assert.equal(refused.status, 400, JSON.stringify(body).slice(0, 100));
    assert.equal(refused.type, 'application/problem+json');
  }
});

test('batch by search query: every asset the search finds in your projects, each its own decision', async () => {
  const { projectAsset } = await import('../index/index.ts');
  const found = [await seedAsset(harness.platform, { projectId: PROJECT, tags: ['lote-7'] }), await seedAsset(harness.platform, { projectId: PROJECT, tags: ['lote-7'] })];
  const other = await seedAsset(harness.platform, { projectId: PROJECT, tags: ['otro'] });
  const hidden = await seedAsset(harness.platform, { projectId: 'hidden', tags: ['lote-7'] });
  for (const asset of [...found, other, hidden]) await projectAsset(harness.platform.db, harness.platform.search, asset.id);
  const edited = await call('editor', 'POST', '/assets/batch', { query: { tags: ['lote-7'] }, edit: { fields: { section: 'culture' } } });
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  assert.deepEqual(edited.body.results.map((r: { id: string }) => r.id).sort(), found.map((a) => a.id).sort(), 'the other project and the untagged asset are not touched');
  for (const asset of found) assert.equal((await findAsset(harness.platform.db, asset.id))!.fields.section, 'culture');
  for (const asset of found) await projectAsset(harness.platform.db, harness.platform.search, asset.id);
  const byField = await call('editor', 'POST', '/assets/batch', { query: { fields: { section: ['culture'] } }, edit: { tags: ['cultura'] } });
  assert.deepEqual(byField.body.results.map((r: { id: string }) => r.id).sort(), found.map((a) => a.id).sort());
  assert.equal((await call('editor', 'POST', '/assets/batch', { ids: [other.id], query: { tags: ['x'] }, edit: { tags: [] } })).status, 400, 'ids or query, not both');
});

test('a person field names a person of the asset\'s project', async () => {
  const schema = (await call('admin', 'GET', `/projects/${PROJECT}/schema`)).body;
  await call('admin', 'PUT', `/projects/${PROJECT}/schema`, { fields: [...schema.fields, { name: 'subject', type: 'person' }] });
  const person = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
  const elsewhere = '7f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
  await harness.platform.db.insertInto('persons').values([
    { id: person, project_id: PROJECT, name: 'Ana', centroid: JSON.stringify([0]), face_count: 1 },
    { id: elsewhere, project_id: 'hidden', name: 'Otra', centroid: JSON.stringify([0]), face_count: 1 },
  ]).execute();
  const asset = await seedAsset(harness.platform, { projectId: PROJECT });
  const named = await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { subject: person.toUpperCase() } });
  assert.equal(named.status, 200, JSON.stringify(named.body));
  assert.equal(named.body.fields.subject, person);
  const foreign = await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { subject: elsewhere } });
  assert.equal(foreign.status, 400);
  assert.deepEqual(foreign.body.issues, [{ path: 'fields.subject', field: 'subject', message: `names no person of project ${PROJECT}` }]);
  const malformed = await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { subject: 'Ana' } });
  assert.match(malformed.body.detail, /subject must be a person id/);
  const batch = await call('editor', 'POST', '/assets/batch', { ids: [asset.id], edit: { fields: { subject: elsewhere } } });
  assert.equal(batch.body.results[0].status, 400);
});
