// Dead letters on NATS JetStream, through the operators' endpoints (functions/index/admin.ts): events index gave
// up on land in <STREAM>_DLQ; GET /admin/dead-letters lists them with consumer and reason (filters, paging);
// a redrive by id or in bulk sends each back, and index processes it exactly once (processed_events, the search
// index); a dead letter redriven twice is gone the second time. Only admins of the operations project get in.
import { jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as v from 'valibot';
import { DeadLetterAnswer, DeadLetterPageAnswer, RedriveAnswer } from '../../functions/index/admin.ts';
import { createApp as indexApp, projectAsset } from '../../functions/index/index.ts';
import { jetStreamDeadLetters } from '../../shared/events/dead-letters.ts';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { envelopeOf, newEvent } from '../../shared/events/envelope.ts';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { insertDeadLetter } from '../../shared/db/dead-letters.ts';
import { enqueue } from '../../shared/db/outbox.ts';
import { type RunningConsumer, deadLetterStreamName, deleteStream, ensureStream, publishEvent, runConsumer } from '../../shared/events/jetstream.ts';
import { createTestPlatform } from '../support/platform.ts';
import { seedAsset } from '../support/seed-assets.ts';
import { NATS_URL, POSTGRES_URL, createTestDatabase, requireServer } from '../support/servers.ts';

const up = (await requireServer('PostgreSQL', POSTGRES_URL)) && (await requireServer('NATS', NATS_URL));

describe('dead letters on JetStream: list and redrive', { skip: !up && 'PostgreSQL or NATS is not reachable' }, () => {
  const stream = `DLQ_${Date.now().toString(36).toUpperCase()}${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  let database: { url: string; drop(): Promise<void> };
  let platform: Awaited<ReturnType<typeof createTestPlatform>>;
  let nc: NatsConnection;
  let consumer: RunningConsumer;
  let app: ReturnType<typeof indexApp>;
  let operator: string;
  /** assets whose events index refuses while they are in here */
  const poisoned = new Map<string, string>();
  /** deliveries index actually handled, per event id */
  const handled = new Map<string, number>();

  before(async () => {
    database = await createTestDatabase();
    platform = await createTestPlatform({ DATABASE_URL: database.url, NATS_URL, NATS_STREAM: stream });
    nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, stream);
    app = indexApp(platform);
    platform.deadLetters = jetStreamDeadLetters(jsm, stream);
    consumer = await runConsumer({
      nc, stream, consumer: 'index', types: ['io.mediateca.asset.updated'], backoffMs: [100], maxDeliver: 3,
      handle: async (envelope) => {
        const reason = poisoned.get(envelope.subject ?? '');
        if (reason) return { outcome: 'dead-letter', reason };
        const result = await deliverToFunction(app.fetch, envelope, platform.eventsSecret);
        if (result.outcome === 'ack') handled.set(envelope.id, (handled.get(envelope.id) ?? 0) + 1);
        return result;
      },
    });
    operator = await platform.signer!.mint('operator', { operations: 'admin' });
  });
  after(async () => {
    await consumer?.stop();
    if (nc) {
      await deleteStream(await jetstreamManager(nc), stream);
      await nc.close();
    }
    await platform?.dispose();
    await database?.drop();
  });

  const call = async (method: string, path: string, token = operator, body?: unknown) => {
    const response = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() as any };
  };
  const until = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, what);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const processedRows = async (eventId: string) => (await platform.db.selectFrom('processed_events').select('consumer').where('event_id', '=', eventId).execute()).length;
  const indexed = async (assetId: string) => Boolean(await platform.db.selectFrom('search_documents').select('asset_id').where('asset_id', '=', assetId).executeTakeFirst());

  test('dead letters are listed with consumer and reason, and each redriven one is processed once', async () => {
    const assets = await Promise.all([0, 1, 2, 3].map((i) => seedAsset(platform, { title: `dead letter ${i}` })));
    poisoned.set(assets[0]!.id, 'HTTP 422: the first reason');
    poisoned.set(assets[1]!.id, 'HTTP 422: the second reason');
    poisoned.set(assets[2]!.id, 'HTTP 422: the second reason');
    const events = assets.map((asset) => newEvent('io.mediateca.asset.updated', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version: asset.version, fields: ['title'] }, asset.id));
    const js = (await jetstreamManager(nc)).jetstream();
    for (const event of events) await publishEvent(js, stream, event);
    await until('the healthy event is handled', async () => handled.get(events[3]!.id) === 1);
    const jsm = await jetstreamManager(nc);
    await until('three dead letters are in the DLQ stream', async () => (await jsm.streams.info(deadLetterStreamName(stream))).state.messages === 3);

    // only the operations project's admins
    const newsroomAdmin = await platform.signer!.mint('admin', { newsroom: 'admin' });
    assert.equal((await call('GET', '/admin/dead-letters', newsroomAdmin)).status, 403);
    assert.equal((await app.request('/admin/dead-letters')).status, 401);
    assert.equal((await call('GET', '/admin/dead-letters?limit=0')).status, 400);

    const listed = await call('GET', '/admin/dead-letters');
    assert.equal(listed.status, 200);
    v.parse(DeadLetterPageAnswer, listed.body);
    assert.equal(listed.body.store, 'jetstream');
    assert.deepEqual(listed.body.deadLetters.map((d: any) => [d.consumer, d.event.id, d.reason]), [0, 1, 2].map((i) => ['index', events[i]!.id, poisoned.get(assets[i]!.id)]));
    assert.deepEqual(listed.body.deadLetters[0].event.data, events[0]!.data, 'the event as it was published');
    const paged = await call('GET', '/admin/dead-letters?limit=2');
    assert.equal(paged.body.deadLetters.length, 2);
    const rest = await call('GET', `/admin/dead-letters?limit=2&after=${paged.body.next}`);
    assert.deepEqual(rest.body.deadLetters.map((d: any) => d.event.id), [events[2]!.id]);
    const second = await call('GET', `/admin/dead-letters?reason=${encodeURIComponent('second reason')}`);
    assert.deepEqual(second.body.deadLetters.map((d: any) => d.event.id), [events[1]!.id, events[2]!.id]);
    assert.equal((await call('GET', '/admin/dead-letters?consumer=enrich')).body.deadLetters.length, 0);
    const one = await call('GET', `/admin/dead-letters/${listed.body.deadLetters[0].id}`);
    v.parse(DeadLetterAnswer, one.body);
    assert.equal(one.body.event.id, events[0]!.id);
    assert.equal((await call('GET', '/admin/dead-letters/999999')).status, 404);

    // redrive one by id, after the fix
    for (const asset of assets) poisoned.delete(asset.id);
    assert.equal(await indexed(assets[0]!.id), false);
    const redriven = await call('POST', `/admin/dead-letters/${listed.body.deadLetters[0].id}/redrive`);
    assert.equal(redriven.status, 202);
    v.parse(RedriveAnswer, redriven.body);
    await until('the redriven event is handled', async () => handled.get(events[0]!.id) === 1);
    assert.equal(await indexed(assets[0]!.id), true, 'index projected the asset');
    assert.equal((await call('POST', `/admin/dead-letters/${listed.body.deadLetters[0].id}/redrive`)).status, 404, 'a dead letter is redriven once');

    // bulk, by consumer and reason
    assert.equal((await call('POST', '/admin/dead-letters/redrive', operator, { consumer: 'index', bogus: 1 })).status, 400);
    const bulk = await call('POST', '/admin/dead-letters/redrive', operator, { consumer: 'index', reason: 'second reason' });
    assert.equal(bulk.status, 202);
    assert.equal(bulk.body.redriven, 2);
    await until('both are handled', async () => handled.get(events[1]!.id) === 1 && handled.get(events[2]!.id) === 1);
    assert.equal((await call('GET', '/admin/dead-letters')).body.deadLetters.length, 0, 'the DLQ is empty');
    assert.equal((await jsm.streams.info(deadLetterStreamName(stream))).state.messages, 0);

    // nothing comes twice
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const event of events) {
      assert.equal(handled.get(event.id), 1, `${event.id} was handled once`);
      assert.equal(await processedRows(event.id), 1, `${event.id} is recorded processed once`);
    }
  });
});

describe('dead letters of the embedded default (in-process delivery)', () => {
  let host: Host;
  let dataDir: string;
  let operator: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mediateca-dead-letters-'));
    host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, DATABASE_URL: 'memory://', PUBLIC_URL: 'http://127.0.0.1:0', ENRICH_PARTS: 'none' }), 0);
    operator = await host.platform.signer!.mint('operator', { operations: 'admin' });
  });
  after(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${host.url}${path}`, { method, headers: { authorization: `Bearer ${operator}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() as any };
  };
  const until = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const value = await check();
      if (value) return value;
      assert.ok(Date.now() < deadline, what);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  test('a refused event is kept, listed, and a redrive delivers it to its consumer again', async () => {
    const { db } = host.platform;
    // index refuses it (422: the asset id is no uuid): a dead letter at once
    const broken = envelopeOf('io.mediateca.asset.updated', EVENT_SOURCE, { assetId: 'not-a-uuid', projectId: 'newsroom', version: 1, fields: ['title'] });
    await enqueue(db, [broken]);
    host.platform.outboxWritten();
    const first = await until('index dead-letters the event', async () => (await call('GET', '/admin/dead-letters?consumer=index')).body.deadLetters[0]);
    v.parse(DeadLetterAnswer, first);
    assert.equal(first.event.id, broken.id);
    assert.match(first.reason, /HTTP 422/);
    assert.equal((await call('GET', '/admin/dead-letters')).body.store, 'embedded');

    // redriven while still broken: delivered again, refused again, kept again (a new dead letter)
    assert.equal((await call('POST', `/admin/dead-letters/${first.id}/redrive`)).status, 202);
    const again = (await call('GET', '/admin/dead-letters?consumer=index')).body.deadLetters;
    assert.deepEqual(again.map((d: any) => d.event.id), [broken.id]);
    assert.notEqual(again[0].id, first.id);
    assert.equal((await call('POST', `/admin/dead-letters/${first.id}/redrive`)).status, 404, 'the old one is gone');

    // one kept from an outage (its consumer never handled it): a bulk redrive delivers it, and index processes it once
    const asset = await seedAsset(host.platform, { title: 'lighthouse keeper' });
    const missed = newEvent('io.mediateca.asset.updated', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version: asset.version, fields: ['title'] }, asset.id);
    await insertDeadLetter(db, 'index', missed, 'still failing after retries: HTTP 503');
    const bulk = await call('POST', '/admin/dead-letters/redrive', { reason: 'HTTP 503' });
    assert.deepEqual(bulk.body.redriven, 1);
    assert.ok(await db.selectFrom('search_documents').select('asset_id').where('asset_id', '=', asset.id).executeTakeFirst(), 'index projected the asset');
    assert.equal((await db.selectFrom('processed_events').select('consumer').where('event_id', '=', missed.id).execute()).length, 1);
    assert.deepEqual((await call('GET', '/admin/dead-letters')).body.deadLetters.map((d: any) => d.event.id), [broken.id]);
  });
});
