// distribute at function level (PGlite, filesystem store, a webhook receiver on loopback verifying signatures with
// `standardwebhooks`), the worker driven by a clock the test controls: channels and their secrets, publications
// exactly once, embargo, retract, retries into the breaker and out, dead letter and redrive, a hanging channel
// timing out while another delivers, rules on approval, and the asset's history.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { putRendition } from '../../shared/db/assets.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { publishAll } from '../../shared/distribution/publish.ts';
import { SecretBox, secretBoxOf } from '../../shared/distribution/secrets.ts';
import { localKey } from '../../shared/secrets/local-key.ts';
import { DistributionWorker } from '../../shared/distribution/worker.ts';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { toEnvelope } from '../../shared/db/outbox.ts';
import { metricsText } from '../../shared/observability/metrics.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { type WebhookReceiver, startWebhookReceiver } from '../../test/support/webhook-receiver.ts';
import { createApp as assetsApp } from '../assets/index.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: ReturnType<typeof createApp>;
let assets: ReturnType<typeof assetsApp>;
let worker: DistributionWorker;
let clock = new Date('2030-01-01T10:00:00Z');
const tokens: Record<string, string> = {};
const receivers: WebhookReceiver[] = [];

before(async () => {
  platform = await createTestPlatform({ RATE_LIMIT_PER_MINUTE: '0', DISTRIBUTE_ALLOW_PRIVATE_NETWORKS: 'true' });
  worker = new DistributionWorker(platform, secretBoxOf(platform.config), { now: () => clock });
  app = createApp(platform, { worker, now: () => clock });
  assets = assetsApp(platform);
  for (const role of ['viewer', 'editor', 'producer', 'admin'] as const) tokens[role] = await platform.signer!.mint(role, { newsroom: role });
});
after(async () => {
  await worker.stop();
  for (const r of receivers) await r.close();
  await platform.dispose();
});

async function call(role: string, method: string, path: string, body?: unknown, target: { request: typeof app.request } = app) {
  const response = await target.request(path, { method, headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, text };
}

async function receiver() {
  const r = await startWebhookReceiver();
  receivers.push(r);
  return r;
}

async function webhookChannel(name: string, r: WebhookReceiver, settings: Record<string, number> = {}) {
  const created = await call('admin', 'POST', '/projects/newsroom/channels', { name, type: 'webhook', target: { url: r.url }, credentials: { secret: r.secret }, renditions: ['original', 'preview'], settings });
  assert.equal(created.status, 201, created.text);
  return created.body as { id: string };
}

/** A ready asset with its original and preview bytes in the store, in the given editorial state. */
async function storedAsset(editorialState: 'approved' | 'in_review' | 'draft' = 'approved', tags: string[] = []): Promise<Asset> {
  const asset = await seedAsset(platform, { state: 'ready', editorialState, tags });
  await platform.store.put(platform.config.buckets.masters, asset.storage_key, randomBytes(64), 'image/jpeg');
  const previewKey = `newsroom/${asset.id}/preview.jpg`;
  await platform.store.put(platform.config.buckets.renditions, previewKey, randomBytes(32), 'image/jpeg');
  await putRendition(platform.db, { asset_id: asset.id, name: 'preview', storage_key: previewKey, content_type: 'image/jpeg', size_bytes: 32, width: 10, height: 10 });
  return asset;
}

async function run() {
  await worker.poll();
  await worker.idle();
}

async function publications(assetId: string) {
  return (await call('viewer', 'GET', `/assets/${assetId}/publications`)).body.publications as any[];
}

describe('channels', () => {
  test('admins manage channels; credentials are sealed at rest and never answered', async () => {
    const r = await receiver();
    const channel = await webhookChannel('cms', r);
    const listed = await call('admin', 'GET', '/projects/newsroom/channels');
    assert.equal(listed.status, 200);
    const secretBase64 = r.secret.replace('whsec_', '');
    assert.ok(!listed.text.includes(secretBase64), 'the secret is not in the answer');
    const row = await platform.db.selectFrom('channels').select('credentials').where('id', '=', channel.id).executeTakeFirstOrThrow();
    assert.ok(!row.credentials.includes(secretBase64) && !row.credentials.includes('whsec'), 'nor in the database');
    const described = listed.body.channels.find((c: any) => c.id === channel.id);
    assert.deepEqual(described.credentials, { set: true, keyId: 'local' });
    assert.equal(described.breaker.state, 'closed');

    const patched = await call('admin', 'PATCH', `/projects/newsroom/channels/${channel.id}`, { renditions: ['original'], settings: { timeoutMs: 5000 } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.body.renditions, ['original']);
    assert.equal(patched.body.settings.timeoutMs, 5000);

    assert.equal((await call('admin', 'POST', '/projects/newsroom/channels', { name: 'cms', type: 'webhook', target: { url: r.url }, credentials: { secret: r.secret } })).status, 409);
    const bad = await call('admin', 'POST', '/projects/newsroom/channels', { name: 'x', type: 'sftp', target: { host: 'h' }, credentials: {} });
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /target\.directory/);
    assert.equal((await call('producer', 'GET', '/projects/newsroom/channels')).status, 403);
    assert.equal((await call('admin', 'DELETE', `/projects/newsroom/channels/${channel.id}`)).status, 204);
  });

  test('rotation: a new CHANNEL_SECRETS_KEY reads the old ciphertexts, and the worker re-seals them with the new key', async () => {
    const r = await receiver();
    const channel = await webhookChannel('cms-rotation', r);
    const oldKey = { id: 'local', key: localKey(platform.config.dataDir, 'channel-secrets-key') };
    const rotated = new SecretBox([{ id: 'k2', key: randomBytes(32) }, oldKey]);
    const rotatedWorker = new DistributionWorker(platform, rotated);
    assert.ok((await rotatedWorker.resealCredentials()) >= 1);
    const row = await platform.db.selectFrom('channels').select('credentials').where('id', '=', channel.id).executeTakeFirstOrThrow();
    assert.ok(row.credentials.startsWith('k2.'));
    assert.deepEqual(rotated.decrypt(row.credentials), { secret: r.secret });
    assert.equal(await rotatedWorker.resealCredentials(), 0);
    await platform.db.deleteFrom('channels').where('id', '=', channel.id).execute();
  });
});

describe('publications', () => {
  test('only approved assets are published, by producers', async () => {
    const r = await receiver();
    const channel = await webhookChannel('cms-guard', r);
    const draft = await storedAsset('in_review');
    const refused = await call('producer', 'POST', `/assets/${draft.id}/publications`, { channelId: channel.id });
    assert.equal(refused.status, 409);
    assert.match(refused.body.detail, /in review; only approved assets are published/);
    const approved = await storedAsset();
    assert.equal((await call('editor', 'POST', `/assets/${approved.id}/publications`, { channelId: channel.id })).status, 403);
    const missing = await call('producer', 'POST', `/assets/${approved.id}/publications`, { channelId: channel.id, renditions: ['hls'] });
    assert.equal(missing.status, 409);
    assert.match(missing.body.detail, /no hls/);
  });

  test('delivered once per asset version and channel, signed, listed, in the history; retract removes it', async () => {
    const r = await receiver();
    const channel = await webhookChannel('cms-once', r);
    const asset = await storedAsset();
    const first = await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channel.id });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.body.state, 'pending');
    const repeat = await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channel.id });
    assert.equal(repeat.status, 200);
    assert.equal(repeat.body.id, first.body.id);
    await run();
    await run();
    const [publication] = await publications(asset.id);
    assert.equal(publication.state, 'delivered', publication.lastError);
    assert.equal(publication.externalId, 'cms-1');
    assert.equal(publication.externalUrl, 'https://cms.example/items/cms-1');
    assert.equal(r.received.length, 1, 'one delivery');
    assert.equal(r.received[0]!.verified, true);
    assert.equal(r.received[0]!.id, `${asset.id}.v${asset.version}.${channel.id}`);
    assert.deepEqual(r.received[0]!.body.files.map((f: any) => f.name), ['original', 'preview']);

    const listed = await call('viewer', 'GET', `/publications?channel=${channel.id}&status=delivered`);
    assert.deepEqual(listed.body.publications.map((p: any) => p.id), [first.body.id]);
    assert.equal((await call('viewer', 'GET', '/publications?status=nonsense')).status, 400);

    const retracting = await call('producer', 'DELETE', `/assets/${asset.id}/publications/${first.body.id}`);
    assert.equal(retracting.status, 202);
    assert.equal(retracting.body.state, 'retracting');
    await run();
    assert.equal((await publications(asset.id))[0].state, 'retracted');
    assert.equal(r.received.at(-1)!.method, 'DELETE');
    assert.equal(r.published.size, 0);

    const history = await call('viewer', 'GET', `/assets/${asset.id}/history`, undefined, assets);
    assert.deepEqual(history.body.publications.map((e: any) => e.to), ['pending', 'delivering', 'delivered', 'retracting', 'retracted']);
    const types = (await platform.db.selectFrom('outbox').select('type').where('subject', '=', asset.id).execute()).map((e) => e.type);
    for (const type of ['requested', 'delivered', 'retracted']) assert.ok(types.includes(`io.mediateca.distribution.${type}`), type);
  });

  test('embargo: nothing goes out before `at`, and it goes out after', async () => {
    const r = await receiver();
    const channel = await webhookChannel('cms-embargo', r);
    const asset = await storedAsset();
    const at = new Date(clock.getTime() + 3600_000).toISOString();
    const created = await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channel.id, at });
    assert.equal(created.body.state, 'scheduled');
    await run();
    clock = new Date(clock.getTime() + 3599_000);
    await run();
    assert.equal((await publications(asset.id))[0].state, 'scheduled');
    assert.equal(r.received.length, 0);
    clock = new Date(clock.getTime() + 1_000);
    await run();
    assert.equal((await publications(asset.id))[0].state, 'delivered');
    assert.equal(r.received.length, 1);
  });

  test('a failing receiver is retried, opens the breaker (channels, metrics), and the breaker closes when it recovers', async () => {
    const r = await receiver();
    r.mode = 500;
    const channel = await webhookChannel('cms-breaker', r, { maxAttempts: 10, retryBaseMs: 10, retryMaxMs: 20, breakerThreshold: 2, breakerHalfOpenMs: 300 });
    const asset = await storedAsset();
    await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channel.id });
    await run();
    let [publication] = await publications(asset.id);
    assert.equal(publication.state, 'pending');
    assert.equal(publication.attempts, 1);
    assert.match(publication.lastError, /HTTP 500/);
    clock = new Date(clock.getTime() + 1_000);
    await run();
    assert.equal(worker.breakerState(channel.id), 'open');
    await waitFor(async () => (await call('admin', 'GET', '/projects/newsroom/channels')).body.channels.find((c: any) => c.id === channel.id).breaker.state === 'open');
    assert.match(await metricsText(), /mediateca_distribution_breaker_state\{channel="cms-breaker",type="webhook"\} 2/);
    clock = new Date(clock.getTime() + 1_000);
    await run();
    assert.equal(r.received.length, 2, 'an open breaker sends nothing');
    r.mode = 'ok';
    await new Promise((resolve) => setTimeout(resolve, 400)); // the breaker's pause (300 ms) before it lets a probe through
    await run();
    [publication] = await publications(asset.id);
    assert.equal(publication.state, 'delivered');
    assert.equal(worker.breakerState(channel.id), 'closed');
  });

  test('after its last attempt a publication is dead-lettered with the reason; redrive delivers it', async () => {
    const r = await receiver();
    r.mode = 503;
    const channel = await webhookChannel('cms-dead', r, { maxAttempts: 2, retryBaseMs: 10, retryMaxMs: 20, breakerThreshold: 100 });
    const asset = await storedAsset();
    const created = await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channel.id });
    await run();
    clock = new Date(clock.getTime() + 1_000);
    await run();
    let [publication] = await publications(asset.id);
    assert.equal(publication.state, 'failed');
    assert.match(publication.lastError, /gave up after 2 attempts: .*HTTP 503/);
    assert.deepEqual((await call('viewer', 'GET', `/publications?status=failed&channel=${channel.id}`)).body.publications.map((p: any) => p.id), [created.body.id]);
    r.mode = 'ok';
    assert.equal((await call('viewer', 'POST', `/publications/${created.body.id}/redrive`)).status, 403);
    const redriven = await call('producer', 'POST', `/publications/${created.body.id}/redrive`);
    assert.equal(redriven.status, 202);
    assert.equal(redriven.body.state, 'pending');
    await run();
    [publication] = await publications(asset.id);
    assert.equal(publication.state, 'delivered');
    assert.equal((await call('producer', 'POST', `/publications/${created.body.id}/redrive`)).status, 409);
  });

  test('a refusal (4xx) is a dead letter at once', async () => {
    const r = await receiver();
    r.mode = 422;
    const channel = await webhookChannel('cms-refuses', r);
    const asset = await storedAsset();
    await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channel.id });
    await run();
    const [publication] = await publications(asset.id);
    assert.equal(publication.state, 'failed');
    assert.equal(publication.attempts, 1);
    assert.match(publication.lastError, /HTTP 422/);
  });

  test('a hanging channel times out while another channel delivers meanwhile', async () => {
    const hanging = await receiver();
    hanging.mode = 'hang';
    const healthy = await receiver();
    const slow = await webhookChannel('cms-hangs', hanging, { timeoutMs: 800, retryBaseMs: 10, retryMaxMs: 20, maxAttempts: 3 });
    const fast = await webhookChannel('cms-healthy', healthy);
    const asset = await storedAsset();
    await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: slow.id });
    await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: fast.id });
    await worker.poll();
    await waitFor(async () => (await publications(asset.id)).find((p) => p.channel.id === fast.id).state === 'delivered');
    assert.equal((await publications(asset.id)).find((p) => p.channel.id === slow.id).state, 'delivering', 'the hanging delivery was still in flight');
    await worker.idle();
    const timedOut = (await publications(asset.id)).find((p) => p.channel.id === slow.id);
    assert.equal(timedOut.state, 'pending');
    assert.equal(timedOut.lastError, 'timed out after 800 ms');
  });
});

describe('claiming ahead', () => {
  test('a busy channel claims ahead of its free slots; a worker that stops hands those back at once, and another delivers each once', async () => {
    const r = await receiver();
    let letGo!: () => void;
    r.holdUntil = new Promise<void>((resolve) => { letGo = resolve; });
    const channel = await webhookChannel('cms-one-at-a-time', r, { concurrency: 1 });
    const row = (await platform.db.selectFrom('channels').selectAll().where('id', '=', channel.id).executeTakeFirst())!;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [answer] = await publishAll(platform.db, await storedAsset(), [{ channel: row, request: { actor: 'test', now: clock } }]);
      ids.push((answer as { publication: { id: string } }).publication.id);
    }
    const leased = async () => (await platform.db.selectFrom('publications').select(['id', 'lease_owner']).where('id', 'in', ids).execute()).filter((p) => p.lease_owner !== null).map((p) => p.lease_owner);
    const first = new DistributionWorker(platform, secretBoxOf(platform.config), { now: () => clock });
    await first.poll();
    // one slot: one delivery in flight (held by the receiver) and two claimed ahead, the fourth left for anyone
    assert.deepEqual(await leased(), [first.owner, first.owner, first.owner]);
    await waitFor(async () => r.received.length === 1); // the first delivery reached the receiver, which holds it
    const stopping = first.stop();
    await waitFor(async () => (await leased()).length === 1); // the two ahead are free again while the held one goes on
    letGo();
    await stopping;
    const second = new DistributionWorker(platform, secretBoxOf(platform.config), { now: () => clock });
    await second.poll();
    await second.idle();
    await second.stop();
    const states = await platform.db.selectFrom('publications').select('state').where('id', 'in', ids).execute();
    assert.deepEqual(states.map((p) => p.state), ['delivered', 'delivered', 'delivered', 'delivered']);
    assert.equal(r.published.size, 4);
    assert.equal(r.received.length, 4, 'each delivered once');
  });
});

describe('rights expiry', () => {
  async function expireRights(assetId: string) {
    const edited = await call('editor', 'PATCH', `/assets/${assetId}`, { fields: { rightsExpiry: '2020-01-01' } }, assets);
    assert.equal(edited.status, 200, edited.text);
    const raised = await platform.db.selectFrom('outbox').selectAll().where('type', '=', 'io.mediateca.asset.rights-expired').where('subject', '=', assetId).execute();
    assert.equal(raised.length, 1);
    return toEnvelope(raised[0]!);
  }
  const retractedEvents = (assetId: string) => platform.db.selectFrom('outbox').select('data').where('type', '=', 'io.mediateca.distribution.retracted').where('subject', '=', assetId).execute();

  test('rights-expired retracts every live publication once: scheduled and pending ones cancelled unsent, delivered ones removed', async () => {
    const [delivered, scheduled, pending] = [await receiver(), await receiver(), await receiver()];
    pending.mode = 500; // its first attempt fails: pending, with a retry due in an hour
    const channels = [await webhookChannel('rights-delivered', delivered), await webhookChannel('rights-scheduled', scheduled), await webhookChannel('rights-pending', pending, { retryBaseMs: 3600_000, retryMaxMs: 3600_000 })];
    const asset = await storedAsset();
    await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channels[0]!.id });
    await run();
    assert.equal(delivered.published.size, 1);
    await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channels[1]!.id, at: new Date(clock.getTime() + 3600_000).toISOString() });
    await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channels[2]!.id });
    await run();
    assert.deepEqual((await publications(asset.id)).map((p) => p.state).sort(), ['delivered', 'pending', 'scheduled']);
    pending.mode = 'ok';

    const expired = await expireRights(asset.id);
    // delivered twice: the redelivery retracts nothing more
    for (let i = 0; i < 2; i++) assert.equal((await deliverToFunction((request) => app.fetch(request), expired, platform.eventsSecret)).outcome, 'ack');
    const byChannel = async () => new Map((await publications(asset.id)).map((p) => [p.channel.id, p]));
    let states = await byChannel();
    assert.ok(['retracting', 'retracted'].includes(states.get(channels[0]!.id).state), 'being removed from its channel (the woken worker may be done already)');
    assert.equal(states.get(channels[1]!.id).state, 'retracted');
    assert.equal(states.get(channels[2]!.id).state, 'retracted');
    clock = new Date(clock.getTime() + 2 * 3600_000);
    await run();
    states = await byChannel();
    assert.ok([...states.values()].every((p) => p.state === 'retracted'), JSON.stringify([...states.values()].map((p) => p.state)));
    assert.equal(delivered.published.size, 0, 'removed from the channel');
    assert.equal(scheduled.received.length, 0, 'never sent');
    assert.equal(pending.published.size, 0, 'never delivered');
    const events = await retractedEvents(asset.id);
    assert.equal(events.length, 3, 'one retracted event per publication');
    assert.ok(events.some((e) => e.data.reason === 'rights expired'));
    const history = (await call('viewer', 'GET', `/assets/${asset.id}/history`, undefined, assets)).body;
    assert.ok(JSON.stringify(history).includes('rights expired'), 'the reason is in the asset\'s history');
    const again = await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channels[0]!.id });
    assert.equal(again.status, 409, 'an asset past its rights expiry is not published');
    assert.match(again.body.detail, /rights expired/);
  });

  test('a scheduled publication whose time comes after the rights expiry is never delivered; one past it is refused', async () => {
    const r = await receiver();
    const channel = await webhookChannel('rights-embargo', r);
    const asset = await storedAsset();
    const day = clock.toISOString().slice(0, 10);
    const nextDay = new Date(clock.getTime() + 86_400_000).toISOString().slice(0, 10);
    assert.equal((await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { rightsExpiry: nextDay } }, assets)).status, 200);
    const late = await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channel.id, at: `${nextDay}T06:00:00.000Z` });
    assert.equal(late.status, 409, late.text);
    assert.match(late.body.detail, /rights expire/);
    const created = await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channel.id, at: new Date(clock.getTime() + 3600_000).toISOString() });
    assert.equal(created.status, 201, created.text);
    // the expiry is moved to today: the sweep has not run on the test's clock, the worker reads the field itself
    assert.equal((await call('editor', 'PATCH', `/assets/${asset.id}`, { fields: { rightsExpiry: day } }, assets)).status, 200);
    clock = new Date(clock.getTime() + 3600_000);
    await run();
    const [publication] = await publications(asset.id);
    assert.equal(publication.state, 'retracted');
    assert.equal(r.received.length, 0);
    assert.deepEqual((await retractedEvents(asset.id)).map((e) => e.data.reason), ['rights expired']);
  });

  test('a delivery in flight when the rights expire is retracted as it settles', async () => {
    const r = await receiver();
    const channel = await webhookChannel('rights-in-flight', r);
    const asset = await storedAsset();
    let release!: () => void;
    r.holdUntil = new Promise<void>((resolve) => { release = resolve; });
    await call('producer', 'POST', `/assets/${asset.id}/publications`, { channelId: channel.id });
    await worker.poll();
    await waitFor(async () => r.received.length === 1);
    assert.equal((await publications(asset.id))[0].state, 'delivering');
    const expired = await expireRights(asset.id);
    assert.equal((await deliverToFunction((request) => app.fetch(request), expired, platform.eventsSecret)).outcome, 'ack');
    assert.equal((await publications(asset.id))[0].state, 'delivering', 'left to the settle');
    release();
    r.holdUntil = undefined;
    await worker.idle();
    await run();
    const [publication] = await publications(asset.id);
    assert.equal(publication.state, 'retracted');
    assert.equal(r.published.size, 0, 'it went out, and was removed');
    assert.equal((await retractedEvents(asset.id)).length, 1);
  });
});

describe('rules', () => {
  test('a rule publishes a matching asset on approval (after its delay), versioned and audited; others are left alone', async () => {
    const r = await receiver();
    const channel = await webhookChannel('cms-rules', r);
    const created = await call('admin', 'POST', '/projects/newsroom/distribution-rules', { name: 'floods to the web', match: { tags: ['flood'], mediaTypes: ['image'] }, channelIds: [channel.id], delayMinutes: 5 });
    assert.equal(created.status, 201, created.text);
    const changed = await call('admin', 'PUT', `/projects/newsroom/distribution-rules/${created.body.id}`, { name: 'floods to the web', match: { tags: ['flood'] }, channelIds: [channel.id], delayMinutes: 5 });
    assert.equal(changed.body.version, 2);
    const versions = await call('admin', 'GET', `/projects/newsroom/distribution-rules/${created.body.id}/versions`);
    assert.deepEqual(versions.body.versions.map((v: any) => [v.version, v.actor]), [[1, 'admin'], [2, 'admin']]);

    const matching = await storedAsset('in_review', ['flood']);
    const other = await storedAsset('in_review', ['sports']);
    for (const asset of [matching, other]) {
      const moved = await call('producer', 'POST', `/assets/${asset.id}/transitions`, { to: 'approved' }, assets);
      assert.equal(moved.status, 200, moved.text);
    }
    // the approval events reach distribute as the relay would deliver them (twice: a redelivery publishes nothing more)
    const approvals = await platform.db.selectFrom('outbox').selectAll().where('type', '=', 'io.mediateca.asset.editorial.approved').where('subject', 'in', [matching.id, other.id]).execute();
    assert.equal(approvals.length, 2);
    for (const row of [...approvals, ...approvals]) assert.equal((await deliverToFunction((request) => app.fetch(request), toEnvelope(row), platform.eventsSecret)).outcome, 'ack');
    const [publication] = await publications(matching.id);
    assert.equal(publication.state, 'scheduled');
    assert.equal(publication.ruleId, created.body.id);
    assert.equal(new Date(publication.at).getTime(), clock.getTime() + 5 * 60_000);
    assert.equal((await publications(matching.id)).length, 1);
    assert.deepEqual(await publications(other.id), []);
    clock = new Date(clock.getTime() + 5 * 60_000);
    await run();
    assert.equal((await publications(matching.id))[0].state, 'delivered');
  });

  test('rules on schema field values and collection membership; an unknown field or a foreign collection is a 400 naming it', async () => {
    const schema = await call('admin', 'PUT', '/projects/newsroom/schema', { fields: [{ name: 'desk', type: 'enum', options: ['politics', 'sport'] }, { name: 'rating', type: 'number' }] }, assets);
    assert.equal(schema.status, 200, schema.text);
    const r = await receiver();
    const channel = await webhookChannel('cms-field-rules', r);
    const homepage = await call('editor', 'POST', '/projects/newsroom/collections', { name: 'homepage picks' }, assets);
    assert.equal(homepage.status, 201, homepage.text);

    const unknown = await call('admin', 'POST', '/projects/newsroom/distribution-rules', { name: 'bad', match: { fields: [{ name: 'dsek', values: ['politics'] }] }, channelIds: [channel.id] });
    assert.equal(unknown.status, 400);
    assert.match(unknown.headers.get('content-type') ?? '', /problem\+json/);
    assert.match(unknown.body.detail, /dsek/);
    assert.equal(unknown.body.issues[0].field, 'dsek');
    const wrongBound = await call('admin', 'POST', '/projects/newsroom/distribution-rules', { name: 'bad', match: { fields: [{ name: 'rating', min: '2026-01-01' }] }, channelIds: [channel.id] });
    assert.equal(wrongBound.status, 400);
    assert.match(wrongBound.body.detail, /rating/);
    const noCondition = await call('admin', 'POST', '/projects/newsroom/distribution-rules', { name: 'bad', match: { fields: [{ name: 'rating' }] }, channelIds: [channel.id] });
    assert.equal(noCondition.status, 400);
    const foreign = await call('admin', 'POST', '/projects/newsroom/distribution-rules', { name: 'bad', match: { collections: ['00000000-0000-4000-8000-000000000000'] }, channelIds: [channel.id] });
    assert.equal(foreign.status, 400);
    assert.match(foreign.body.detail, /00000000-0000-4000-8000-000000000000/);

    const byField = await call('admin', 'POST', '/projects/newsroom/distribution-rules', { name: 'rated politics', match: { fields: [{ name: 'desk', values: ['politics'] }, { name: 'rating', min: 4 }] }, channelIds: [channel.id] });
    assert.equal(byField.status, 201, byField.text);
    const byCollection = await call('admin', 'POST', '/projects/newsroom/distribution-rules', { name: 'homepage', match: { collections: [homepage.body.id] }, channelIds: [channel.id] });
    assert.equal(byCollection.status, 201, byCollection.text);
    assert.deepEqual(byCollection.body.match, { collections: [homepage.body.id] });

    const rated = await storedAsset('in_review', ['field-rules']);
    const lowRated = await storedAsset('in_review', ['field-rules']);
    const picked = await storedAsset('in_review', ['field-rules']);
    for (const [asset, fields] of [[rated, { desk: 'politics', rating: 5 }], [lowRated, { desk: 'politics', rating: 2 }], [picked, { desk: 'sport' }]] as const) {
      const edited = await call('editor', 'PATCH', `/assets/${asset.id}`, { fields }, assets);
      assert.equal(edited.status, 200, edited.text);
    }
    const added = await call('editor', 'POST', `/collections/${homepage.body.id}/assets`, { assetIds: [picked.id] }, assets);
    assert.equal(added.status, 200, added.text);
    for (const asset of [rated, lowRated, picked]) assert.equal((await call('producer', 'POST', `/assets/${asset.id}/transitions`, { to: 'approved' }, assets)).status, 200);
    const approvals = await platform.db.selectFrom('outbox').selectAll().where('type', '=', 'io.mediateca.asset.editorial.approved').where('subject', 'in', [rated.id, lowRated.id, picked.id]).execute();
    for (const row of approvals) assert.equal((await deliverToFunction((request) => app.fetch(request), toEnvelope(row), platform.eventsSecret)).outcome, 'ack');
    assert.deepEqual((await publications(rated.id)).map((p) => p.ruleId), [byField.body.id]);
    assert.deepEqual(await publications(lowRated.id), []);
    assert.deepEqual((await publications(picked.id)).map((p) => p.ruleId), [byCollection.body.id]);
    for (const rule of [byField, byCollection]) assert.equal((await call('admin', 'DELETE', `/projects/newsroom/distribution-rules/${rule.body.id}`)).status, 204);
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail('the condition never held');
}
