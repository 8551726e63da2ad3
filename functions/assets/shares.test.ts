// Share links through HTTP on PGlite: made by editors for approved assets and collections, opened without a
// token, their downloads redirected to presigned URLs, passwords, expiry and revocation (410), and every access
// in the audit log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { putRendition } from '../../shared/db/assets.ts';
import { parseEventData, type EventType } from '../../shared/events/catalog.ts';
import { assetsHarness } from '../../test/support/assets-harness.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';

// one trusted proxy: the client's address is the last X-Forwarded-For entry
const harness = assetsHarness({ env: { TRUSTED_PROXY_HOPS: '1' }, headers: { 'x-forwarded-for': '203.0.113.9' } });
const { call } = harness;

const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;

async function sharedPhoto() {
  const asset = await seedAsset(harness.platform);
  for (const name of ['thumbnail', 'web']) {
    await putRendition(harness.platform.db, { asset_id: asset.id, name, storage_key: `newsroom/${asset.id}/${name}.jpg`, content_type: 'image/jpeg', size_bytes: 3, width: 10, height: 10 });
  }
  return asset;
}

test('an asset link opens without a token, hands out the renditions it allows and records every access', async () => {
  const asset = await sharedPhoto();
  const created = await call('editor', 'POST', `/assets/${asset.id}/shares`, { renditions: ['web'] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.match(created.body.token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(created.body.url, `${harness.platform.config.publicUrl}/s/${created.body.token}`);
  const stored = await harness.platform.db.selectFrom('share_links').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
  assert.notEqual(stored.token_sha256, created.body.token, 'only the hash is kept');

  const opened = await call(undefined, 'GET', `/s/${created.body.token}`);
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  assert.equal(opened.headers.get('cache-control'), 'no-store');
  assert.equal(opened.body.asset.id, asset.id);
  assert.deepEqual(opened.body.asset.renditions.map((r: { name: string }) => r.name), ['web']);
  assert.equal(opened.body.asset.originalUrl, undefined);
  const download = await call(undefined, 'GET', pathOf(opened.body.asset.renditions[0].url));
  assert.equal(download.status, 302);
  assert.match(download.location!, /web\.jpg/);
  assert.equal((await call(undefined, 'GET', `/s/${created.body.token}/assets/${asset.id}/renditions/thumbnail`)).status, 404, 'not shared');
  assert.equal((await call(undefined, 'GET', `/s/${created.body.token}/assets/${asset.id}/original`)).status, 404, 'original not shared');
  assert.equal((await call(undefined, 'GET', `/s/${created.body.token}x`)).status, 404);

  const audit = await call('admin', 'GET', `/projects/newsroom/audit?via=share-link&targetId=${asset.id}`);
  assert.deepEqual(audit.body.entries.map((e: { action: string }) => e.action), ['share.downloaded', 'share.opened']);
  assert.equal(audit.body.entries[0].actor, `share:${created.body.id}`);
  assert.equal(audit.body.entries[0].address, '203.0.113.9');
  assert.deepEqual([audit.body.entries[0].details.assetId, audit.body.entries[0].details.rendition], [asset.id, 'web']);
  const listed = await call('editor', 'GET', `/projects/newsroom/shares?targetId=${asset.id}`);
  assert.equal(listed.body.shares[0].accessCount, 2);
  assert.equal(listed.body.shares[0].token, undefined);
});

test('revoked and expired links answer 410, and the refusal is recorded', async () => {
  const asset = await sharedPhoto();
  const link = (await call('editor', 'POST', `/assets/${asset.id}/shares`, {})).body;
  assert.equal((await call(undefined, 'GET', `/s/${link.token}`)).status, 200);
  assert.equal((await call('viewer', 'DELETE', `/shares/${link.id}`)).status, 403);
  assert.equal((await call('editor', 'DELETE', `/shares/${link.id}`)).status, 204);
  assert.equal((await call('editor', 'DELETE', `/shares/${link.id}`)).status, 204, 'revoking twice changes nothing');
  const revoked = await call(undefined, 'GET', `/s/${link.token}`);
  assert.equal(revoked.status, 410);
  assert.match(revoked.body.detail, /revoked/);
  assert.equal((await call(undefined, 'GET', `/s/${link.token}/assets/${asset.id}/renditions/web`)).status, 410);

  const expiring = (await call('editor', 'POST', `/assets/${asset.id}/shares`, { expiresAt: new Date(Date.now() + 3600_000).toISOString() })).body;
  assert.equal((await call(undefined, 'GET', `/s/${expiring.token}`)).status, 200);
  await harness.platform.db.updateTable('share_links').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', expiring.id).execute();
  const expired = await call(undefined, 'GET', `/s/${expiring.token}`);
  assert.equal(expired.status, 410);
  assert.match(expired.body.detail, /expired/);

  const refusals = (await call('admin', 'GET', `/projects/newsroom/audit?action=share.refused&targetId=${asset.id}`)).body.entries;
  assert.deepEqual(refusals.map((e: { details: { shareId: string; status: number } }) => [e.details.shareId, e.details.status]), [[expiring.id, 410], [link.id, 410], [link.id, 410]]);
  const events = await harness.platform.db.selectFrom('outbox').select(['type', 'data']).where('subject', '=', link.id).orderBy('id').execute();
  assert.deepEqual(events.map((e) => e.type), ['io.mediateca.share.created', 'io.mediateca.share.revoked']);
  for (const event of events) parseEventData(event.type as EventType, event.data);
});

test('a password link: 401 without or with a wrong password, open with it, downloads carry a grant', async () => {
  const asset = await sharedPhoto();
  const link = (await call('editor', 'POST', `/assets/${asset.id}/shares`, { password: 'correct horse', allowOriginal: true })).body;
  assert.equal(link.hasPassword, true);
  const asked = await call(undefined, 'GET', `/s/${link.token}`);
  assert.equal(asked.status, 401);
  assert.match(asked.body.detail, /password/);
  assert.equal((await call(undefined, 'POST', `/s/${link.token}`, { password: 'wrong horse' })).status, 401);
  assert.equal((await call(undefined, 'GET', `/s/${link.token}/assets/${asset.id}/renditions/web`)).status, 401, 'no grant, no password');
  assert.equal((await call(undefined, 'GET', `/s/${link.token}/assets/${asset.id}/renditions/web?access=9999999999.forged`)).status, 401);
  const opened = await call(undefined, 'POST', `/s/${link.token}`, { password: 'correct horse' });
  assert.equal(opened.status, 200);
  assert.equal((await call(undefined, 'GET', `/s/${link.token}`, undefined, { 'share-password': 'correct horse' })).status, 200);
  const web = opened.body.asset.renditions.find((r: { name: string }) => r.name === 'web');
  assert.match(web.url, /\?access=\d+\./);
  assert.equal((await call(undefined, 'GET', pathOf(web.url))).status, 302);
  const original = await call(undefined, 'GET', pathOf(opened.body.asset.originalUrl));
  assert.equal(original.status, 302);
  const stored = await harness.platform.db.selectFrom('share_links').select('password_hash').where('id', '=', link.id).executeTakeFirstOrThrow();
  assert.match(stored.password_hash!, /^scrypt\$/);
  assert.ok(!stored.password_hash!.includes('correct horse'));
});

test('only editors share, only approved ready assets; bad links are refused with a reason', async () => {
  const draft = await seedAsset(harness.platform, { editorialState: 'draft' });
  const approved = await sharedPhoto();
  assert.equal((await call('editor', 'POST', `/assets/${draft.id}/shares`, {})).status, 409);
  assert.equal((await call('viewer', 'POST', `/assets/${approved.id}/shares`, {})).status, 403);
  const cases: [unknown, RegExp][] = [
    [{ expiresAt: '2001-01-01T00:00:00Z' }, /future/],
    [{ expiresAt: 'tomorrow' }, /ISO 8601/],
    [{ expiresAt: new Date(Date.now() + 400 * 86400_000).toISOString() }, /at most 366 days/],
    [{ password: 'short' }, /at least 8/],
    [{ renditions: ['../etc'] }, /rendition names/],
    [{ allowOriginal: 'yes' }, /share link/],
  ];
  for (const [body, detail] of cases) {
    const answer = await call('editor', 'POST', `/assets/${approved.id}/shares`, body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.match(answer.body.detail, detail);
  }
  // a link to an asset that is later unapproved stops showing it
  const link = (await call('editor', 'POST', `/assets/${approved.id}/shares`, {})).body;
  await call('editor', 'POST', `/assets/${approved.id}/transitions`, { to: 'archived' }); // editors cannot archive: still approved
  await call('admin', 'POST', `/assets/${approved.id}/transitions`, { to: 'archived' });
  assert.equal((await call(undefined, 'GET', `/s/${link.token}`)).status, 410);
});

test('a collection link shows the approved assets in order, paged; an asset outside it is not downloadable', async () => {
  const collection = (await call('editor', 'POST', '/projects/newsroom/collections', { name: 'to share' })).body;
  const [one, two] = [await sharedPhoto(), await sharedPhoto()];
  const draft = await seedAsset(harness.platform, { editorialState: 'draft' });
  const outside = await sharedPhoto();
  await call('editor', 'POST', `/collections/${collection.id}/assets`, { assetIds: [two.id, draft.id, one.id] });
  const link = (await call('editor', 'POST', `/collections/${collection.id}/shares`, { renditions: ['thumbnail'] })).body;
  const first = await call(undefined, 'GET', `/s/${link.token}?limit=2`);
  assert.equal(first.status, 200);
  assert.equal(first.body.collection.name, 'to share');
  assert.deepEqual(first.body.collection.assets.map((a: { id: string }) => a.id), [two.id, one.id]);
  assert.equal(first.body.collection.nextCursor, undefined);
  assert.equal((await call(undefined, 'GET', `/s/${link.token}/assets/${one.id}/renditions/thumbnail`)).status, 302);
  assert.equal((await call(undefined, 'GET', `/s/${link.token}/assets/${draft.id}/renditions/thumbnail`)).status, 404);
  assert.equal((await call(undefined, 'GET', `/s/${link.token}/assets/${outside.id}/renditions/thumbnail`)).status, 404);
  // deleting the collection revokes its links
  await call('editor', 'DELETE', `/collections/${collection.id}`);
  assert.equal((await call(undefined, 'GET', `/s/${link.token}`)).status, 410);
});
