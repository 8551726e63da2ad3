// The outbox relay with the in-process sink (the embedded default), on in-memory PGlite.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { type Database, openDatabase } from '../db/connect.ts';
import { enqueue } from '../db/outbox.ts';
import { outboxPending, registry } from '../observability/metrics.ts';
import { consumersOf } from './catalog.ts';
import type { DeliveryResult } from './deliver.ts';
import { type EventEnvelope, newEvent } from './envelope.ts';
import { LiveChanges, tellingLive } from './live.ts';
import { OutboxRelay, type OutboxSink, inProcessSink } from './relay.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const live = new LiveChanges();
const quickRetries = { maxRetries: 2, initialDelayMs: 5, maxDelayMs: 20, logger };

// asset.rendered has consumers in the catalog; the tests read them from there rather than repeat them.
const TYPE = 'io.mediateca.asset.rendered';
const renderedEvent = (n: number) =>
  newEvent(TYPE, 'io.mediateca', { assetId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', projectId: 'news', version: n, renditions: ['thumb'] });

describe('outbox relay, in-process delivery', () => {
  let database: Database;

  before(async () => { database = await openDatabase('memory://'); });
  after(async () => { await database.close(); });
  beforeEach(async () => { await sql`delete from outbox`.execute(database.db); });

  const pendingRows = async () => Number((await sql<{ n: string }>`select count(*) as n from outbox where published_at is null`.execute(database.db)).rows[0]!.n);

  test('every consumer of the type gets each event, and the rows are marked published', async () => {
    const events = [renderedEvent(1), renderedEvent(2), renderedEvent(3)];
    await enqueue(database.db, events);
    const delivered: { consumer: string; id: string }[] = [];
    const sink = inProcessSink(async (consumer, envelope) => { delivered.push({ consumer, id: envelope.id }); return { outcome: 'ack' }; }, { ...quickRetries, concurrency: 1 });
    const relay = new OutboxRelay(database.db, sink, { logger });
    assert.equal(await relay.drain(), 3);
    const expected = events.flatMap((e) => consumersOf(TYPE).map((consumer) => ({ consumer, id: e.id })));
    assert.ok(expected.length >= 3, 'the catalog has consumers for asset.rendered');
    assert.deepEqual(delivered, expected);
    assert.equal(await pendingRows(), 0);
    assert.equal(await relay.drain(), 0, 'nothing is sent twice');
  });

  test('a consumer that fails is retried with backoff until it acks', async () => {
    await enqueue(database.db, [renderedEvent(1)]);
    const attempts = new Map<string, number>();
    const sink = inProcessSink(async (consumer) => {
      attempts.set(consumer, (attempts.get(consumer) ?? 0) + 1);
      return attempts.get(consumer)! < 3 ? { outcome: 'retry', reason: 'HTTP 503' } : { outcome: 'ack' };
    }, quickRetries);
    await new OutboxRelay(database.db, sink, { logger }).drain();
    for (const consumer of consumersOf(TYPE)) assert.equal(attempts.get(consumer), 3);
    assert.equal(await pendingRows(), 0);
  });

  test('a dead letter, or a consumer still failing after its retries, is counted and the row is done', async () => {
    await enqueue(database.db, [renderedEvent(1), renderedEvent(2)]);
    const [consumer] = consumersOf(TYPE);
    const before = await deadLetterCount(consumer!);
    let calls = 0;
    const sink = inProcessSink(async (_consumer, envelope): Promise<DeliveryResult> => {
      calls++;
      return envelope.data.version === 1 ? { outcome: 'dead-letter', reason: 'HTTP 422: bad data' } : { outcome: 'retry', reason: 'HTTP 500' };
    }, quickRetries);
    await new OutboxRelay(database.db, sink, { logger }).drain();
    const consumers = consumersOf(TYPE).length;
    assert.equal(calls, consumers * (1 + 1 + quickRetries.maxRetries), 'the dead letter once, the failing one 1 + maxRetries times');
    assert.equal(await deadLetterCount(consumer!), before + 2);
    assert.equal(await pendingRows(), 0);
  });

  test('a row is marked published only after all its consumers are done', async () => {
    await enqueue(database.db, [renderedEvent(1)]);
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let started!: () => void;
    const deliveryStarted = new Promise<void>((resolve) => { started = resolve; });
    const sink = inProcessSink(async () => { started(); await released; return { outcome: 'ack' }; }, quickRetries);
    const draining = new OutboxRelay(database.db, sink, { logger }).drain();
    await deliveryStarted;
    assert.equal(await pendingRows(), 1);
    release();
    await draining;
    assert.equal(await pendingRows(), 0);
  });

  // the host hands the relay its sink wrapped to tell the live feed: the wrapped sink must keep working the same way
  for (const [name, wrap] of [['the sink', (sink: OutboxSink) => sink], ['the sink telling the live feed', (sink: OutboxSink) => tellingLive(sink, live)]] as const) {
  test(`a long delivery holds back neither the events after it nor other consumers, and is never sent twice meanwhile (${name})`, { timeout: 15_000 }, async () => {
    const told: string[] = [];
    const stopTelling = live.subscribe((change) => told.push(change.type));
    const assetRef = { assetId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', projectId: 'news', version: 2 };
    const uploaded = newEvent('io.mediateca.asset.uploaded', 'io.mediateca', { ...assetRef, mediaType: 'video', contentType: 'video/mp4', sha256: 'a'.repeat(64), size: 1 });
    const poster = newEvent('io.mediateca.asset.renditions-partial', 'io.mediateca', { ...assetRef, stage: 'poster', renditions: ['poster'] });
    assert.deepEqual([consumersOf(uploaded.type), consumersOf(poster.type)], [['transcode'], ['index']], 'the catalog routes them to two consumers');
    await enqueue(database.db, [uploaded, poster]);
    let release!: () => void;
    const transcodeDone = new Promise<void>((resolve) => { release = resolve; });
    const calls: string[] = [];
    let posterIndexed!: () => void;
    const indexed = new Promise<void>((resolve) => { posterIndexed = resolve; });
    const sink = inProcessSink(async (consumer, envelope) => {
      calls.push(`${consumer}:${envelope.type}`);
      if (consumer === 'transcode') await transcodeDone;
      if (consumer === 'index') posterIndexed();
      return { outcome: 'ack' };
    }, { ...quickRetries, concurrency: 1 });
    // passes every 20 ms, each allowed 50 ms: the transcode outlasts many of both
    const relay = new OutboxRelay(database.db, wrap(sink), { logger, pollIntervalMs: 20, passTimeoutMs: 50 }).start();
    try {
      await indexed;
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(calls, ['transcode:io.mediateca.asset.uploaded', 'index:io.mediateca.asset.renditions-partial'], 'the poster went out while the transcode ran, and nothing was sent twice');
      assert.equal(await pendingRows(), 1, 'the row of the transcode stays unpublished until its delivery ends');
      if (name !== 'the sink') assert.deepEqual(told, ['io.mediateca.asset.renditions-partial'], 'the live feed heard of the poster');
      release();
      for (let i = 0; i < 100 && (await pendingRows()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await pendingRows(), 0);
      assert.equal(calls.length, 2);
    } finally {
      release();
      stopTelling();
      await relay.stop();
    }
  });
  }

  test('a sink failure leaves the row for the next pass, and the pending gauge shows it', async () => {
    await enqueue(database.db, [renderedEvent(1), renderedEvent(2)]);
    let healthy = false;
    const sink: OutboxSink = { concurrency: 1, send: async () => { if (!healthy) throw new Error('broker down'); } };
    const relay = new OutboxRelay(database.db, sink, { logger });
    assert.equal(await relay.drain(), 0);
    assert.equal(await pendingRows(), 2);
    assert.equal((await outboxPending.get()).values[0]?.value, 2);
    healthy = true;
    assert.equal(await relay.drain(), 2);
    assert.equal((await outboxPending.get()).values[0]?.value, 0);
  });

  test('wake() publishes at once instead of at the next poll', async () => {
    const delivered: EventEnvelope[] = [];
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => { arrived = resolve; });
    const sink: OutboxSink = { concurrency: 1, send: async (envelope) => { delivered.push(envelope); arrived(); } };
    // With an hour between polls, only wake() can get the row out while the test runs.
    const relay = new OutboxRelay(database.db, sink, { logger, pollIntervalMs: 3_600_000 }).start();
    try {
      await relay.drain(); // the first pass has run: the relay is asleep
      const event = renderedEvent(7);
      await database.db.transaction().execute((trx) => enqueue(trx, [event]));
      relay.wake();
      await arrival;
      assert.deepEqual(delivered.map((e) => e.id), [event.id]);
    } finally {
      await relay.stop();
    }
  });
});

async function deadLetterCount(consumer: string): Promise<number> {
  const metric = await registry.getSingleMetric('mediateca_dead_letters_total')!.get();
  return metric.values.filter((v) => v.labels.consumer === consumer && v.labels.type === TYPE).reduce((sum, v) => sum + v.value, 0);
}
