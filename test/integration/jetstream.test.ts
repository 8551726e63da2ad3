// The JetStream transport against the real NATS server: dedup, acks, backoff, dead letters, in-progress acks
// and redelivery to another worker. Every test uses its own event type, so its consumers see only its messages.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type JetStreamClient, type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type Msg, type NatsConnection, connect } from '@nats-io/transport-node';
import { Hono } from 'hono';
import pino from 'pino';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { type EventEnvelope, envelopeOf, newEvent } from '../../shared/events/envelope.ts';
import {
  DLQ_REASON_HEADER,
  type ConsumerOptions,
  consumerName,
  deadLetterSubject,
  deleteStream,
  ensureStream,
  eventSubject,
  publishEvent,
  runBridge,
  runConsumer,
} from '../../shared/events/jetstream.ts';
import { fromNatsMessage } from '../../shared/events/nats-binding.ts';
import { readCloudEvent } from '../../shared/events/handle.ts';
import { NATS_URL, requireServer } from '../support/servers.ts';

const available = await requireServer('NATS JetStream', NATS_URL);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

describe('JetStream transport', { skip: !available && `NATS is not reachable at ${NATS_URL}` }, () => {
  const stream = `MT_JS_${randomBytes(4).toString('hex').toUpperCase()}`;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let js: JetStreamClient;

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await jetstreamManager(nc);
    js = jsm.jetstream();
    await ensureStream(jsm, stream);
  });

  after(async () => {
    await deleteStream(jsm, stream);
    await nc.drain();
  });

  const event = (name: string) => envelopeOf(`io.mediateca.test.${name}`, 'io.mediateca', { name, at: Date.now() }, `tests/${name}`);

  async function consume(options: Omit<ConsumerOptions, 'nc' | 'stream' | 'logger'> & { nc?: NatsConnection }) {
    return runConsumer({ nc, stream, logger, ...options });
  }

  test('publishing the same event id twice stores it once', async () => {
    const published = event('dedup');
    const first = await publishEvent(js, stream, published);
    const second = await publishEvent(js, stream, published);
    assert.equal(first.duplicate, false);
    assert.equal(second.duplicate, true);
    assert.equal(second.seq, first.seq);
    const subject = eventSubject(stream, published.type);
    const info = await jsm.streams.info(stream, { subjects_filter: subject });
    assert.equal(info.state.subjects?.[subject], 1);
  });

  test('a consumer receives the event and acks it; stop() waits for the handler in flight', async () => {
    const published = event('ack');
    const received: EventEnvelope<unknown>[] = [];
    const started = deferred();
    const finish = deferred();
    const worker = await consume({
      consumer: 'acker',
      types: [published.type],
      handle: async (envelope) => {
        received.push(envelope);
        started.resolve();
        await finish.promise;
        return { outcome: 'ack' };
      },
    });
    await publishEvent(js, stream, published);
    await started.promise;
    let stopped = false;
    const stopping = worker.stop().then(() => { stopped = true; });
    await sleep(100);
    assert.equal(stopped, false, 'stop() returned while a handler was still running');
    finish.resolve();
    await stopping;
    assert.deepEqual(received, [published]);
    const info = await jsm.consumers.info(stream, consumerName('acker', published.type));
    assert.equal(info.num_ack_pending, 0);
    assert.equal(info.num_pending, 0);
    assert.equal(info.config.filter_subject, eventSubject(stream, published.type));
  });

  test('a handler that fails twice is redelivered after each backoff delay, then acked', async () => {
    const published = event('flaky');
    const backoffMs = [150, 300];
    const calls: { count: number; at: number }[] = [];
    const done = deferred();
    const worker = await consume({
      consumer: 'flaky',
      types: [published.type],
      backoffMs,
      maxDeliver: 5,
      handle: async (_envelope, delivery) => {
        calls.push({ count: delivery.count, at: performance.now() });
        if (calls.length < 3) return { outcome: 'retry', reason: 'not yet' };
        done.resolve();
        return { outcome: 'ack' };
      },
    });
    try {
      await publishEvent(js, stream, published);
      await done.promise;
    } finally {
      await worker.stop();
    }
    assert.deepEqual(calls.map((c) => c.count), [1, 2, 3]);
    // Lower bounds only: the server must not hand the message back before the nak delay.
    assert.ok(calls[1]!.at - calls[0]!.at >= backoffMs[0]!, 'first retry waited for its backoff');
    assert.ok(calls[2]!.at - calls[1]!.at >= backoffMs[1]!, 'second retry waited for its backoff');
    const info = await jsm.consumers.info(stream, consumerName('flaky', published.type));
    assert.equal(info.num_ack_pending, 0);
  });

  test('a handler that always fails ends on the dead-letter subject after max_deliver (advisory path)', async () => {
    const published = event('hopeless');
    const deadLetters = collect(deadLetterSubject(stream, 'hopeless'));
    let calls = 0;
    const worker = await consume({
      consumer: 'hopeless',
      types: [published.type],
      maxDeliver: 3,
      backoffMs: [50],
      handle: async () => { calls++; return { outcome: 'retry', reason: 'always broken' }; },
    });
    try {
      await publishEvent(js, stream, published);
      const [dead] = await deadLetters.next(1);
      assert.deepEqual(fromNatsMessage(dead!.headers, dead!.data), published);
      assert.match(dead!.headers!.get(DLQ_REASON_HEADER), /after 3 deliveries/);
    } finally {
      deadLetters.stop();
      await worker.stop();
    }
    assert.equal(calls, 3);
  });

  test('a 422 from the function goes straight to the dead-letter subject with its reason', async () => {
    const published = event('rejected');
    const app = new Hono().post('/', async (c) => {
      await readCloudEvent(c.req.raw);
      return c.json({ title: 'Invalid Event Data', status: 422, detail: 'name must be a number' }, 422);
    });
    const deadLetters = collect(deadLetterSubject(stream, 'rejecter'));
    let calls = 0;
    const worker = await consume({
      consumer: 'rejecter',
      types: [published.type],
      handle: async (envelope) => { calls++; return deliverToFunction(app.fetch, envelope); },
    });
    try {
      await publishEvent(js, stream, published);
      const [dead] = await deadLetters.next(1);
      assert.equal(dead!.headers!.get(DLQ_REASON_HEADER), 'HTTP 422: name must be a number');
      assert.equal(dead!.headers!.get('ce-id'), published.id);
    } finally {
      deadLetters.stop();
      await worker.stop();
    }
    assert.equal(calls, 1);
    const info = await jsm.consumers.info(stream, consumerName('rejecter', published.type));
    assert.equal(info.num_ack_pending, 0);
    assert.equal(info.num_redelivered, 0);
  });

  test('a message that is not a CloudEvent goes to the dead-letter subject without reaching the handler', async () => {
    const type = 'io.mediateca.test.garbage';
    const deadLetters = collect(deadLetterSubject(stream, 'strict'));
    let calls = 0;
    const worker = await consume({ consumer: 'strict', types: [type], handle: async () => { calls++; return { outcome: 'ack' }; } });
    try {
      await js.publish(eventSubject(stream, type), new TextEncoder().encode('{"not":"a cloudevent"}'));
      const [dead] = await deadLetters.next(1);
      assert.match(dead!.headers!.get(DLQ_REASON_HEADER), /^not a CloudEvent/);
      assert.equal(dead!.string(), '{"not":"a cloudevent"}');
    } finally {
      deadLetters.stop();
      await worker.stop();
    }
    assert.equal(calls, 0);
  });

  test('a handler slower than ackWait keeps its message thanks to in-progress acks', async () => {
    const published = event('slow');
    let calls = 0;
    const done = deferred();
    const worker = await consume({
      consumer: 'slow',
      types: [published.type],
      ackWaitMs: 1000,
      // A second pull loop would take the message if the server redelivered it.
      concurrency: 2,
      handle: async () => {
        calls++;
        await sleep(2500);
        done.resolve();
        return { outcome: 'ack' };
      },
    });
    try {
      await publishEvent(js, stream, published);
      await done.promise;
    } finally {
      await worker.stop();
    }
    assert.equal(calls, 1);
    const info = await jsm.consumers.info(stream, consumerName('slow', published.type));
    assert.equal(info.num_redelivered, 0);
    assert.equal(info.num_ack_pending, 0);
  });

  test('a worker that dies without acking has its message redelivered to another worker', async () => {
    const published = event('orphan');
    const doomedConnection = await connect({ servers: NATS_URL });
    const taken = deferred();
    const release = deferred();
    await consume({
      nc: doomedConnection,
      consumer: 'orphan',
      types: [published.type],
      ackWaitMs: 1000,
      handle: async () => { taken.resolve(); await release.promise; return { outcome: 'ack' }; },
    });
    const survivor: { count: number; envelope: EventEnvelope<unknown> }[] = [];
    const redelivered = deferred();
    let worker: { stop(): Promise<void> } | undefined;
    try {
      await publishEvent(js, stream, published);
      await taken.promise;
      await doomedConnection.close(); // the process dies mid-handler
      worker = await consume({
        consumer: 'orphan',
        types: [published.type],
        ackWaitMs: 1000,
        handle: async (envelope, delivery) => { survivor.push({ count: delivery.count, envelope }); redelivered.resolve(); return { outcome: 'ack' }; },
      });
      await redelivered.promise;
    } finally {
      release.resolve();
      await worker?.stop();
    }
    assert.deepEqual(survivor, [{ count: 2, envelope: published }]);
  });

  test('the bridge delivers each catalog type a function consumes to it over HTTP', async () => {
    const received: EventEnvelope<unknown>[] = [];
    const secrets: (string | undefined)[] = [];
    const all = deferred();
    const app = new Hono().post('/', async (c) => {
      secrets.push(c.req.header('ce-mediatecasecret'));
      received.push(await readCloudEvent(c.req.raw));
      if (received.length === 2) all.resolve();
      return c.json({ status: 'processed' });
    });
    const assetId = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    const updated = newEvent('io.mediateca.asset.updated', 'io.mediateca', { assetId, projectId: 'news', version: 2, fields: ['title'] });
    const deleted = newEvent('io.mediateca.asset.deleted', 'io.mediateca', { assetId, projectId: 'news', version: 3 });
    const bridge = await runBridge({ nc, stream, logger, functions: { index: app.fetch }, eventsSecret: 'bridge-secret' });
    try {
      await publishEvent(js, stream, updated);
      await publishEvent(js, stream, deleted);
      await all.promise;
    } finally {
      await bridge.stop();
    }
    assert.deepEqual(new Set(received.map((e) => e.id)), new Set([updated.id, deleted.id]));
    assert.deepEqual(secrets, ['bridge-secret', 'bridge-secret'], 'each delivery carries the events secret');
  });

  /** A core subscription that collects messages; next(n) waits until n have arrived. */
  function collect(subject: string) {
    const messages: Msg[] = [];
    const subscription = nc.subscribe(subject, { callback: (_error, message) => { messages.push(message); } });
    return {
      stop: () => subscription.unsubscribe(),
      next: async (n: number): Promise<Msg[]> => {
        const deadline = Date.now() + 20_000;
        while (messages.length < n) {
          if (Date.now() > deadline) throw new Error(`nothing arrived on ${subject}`);
          await sleep(20);
        }
        return messages.slice(0, n);
      },
    };
  }
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

