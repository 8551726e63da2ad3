// The broker going away and coming back, on a private nats-server this test kills (-9) and starts again on the
// same port and store: connections reconnect (the client's default gives up after ~20 s), pull loops reopen their
// consumers, the relay keeps rows in the outbox while it is down and publishes them after, and readiness says so.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import pino from 'pino';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import { enqueue } from '../../shared/db/outbox.ts';
import { envelopeOf } from '../../shared/events/envelope.ts';
import { type RunningConsumer, deadLetterStreamName, deleteStream, ensureStream, publishEvent, runConsumer } from '../../shared/events/jetstream.ts';
import { connectEvents, connectNats, natsDependency } from '../../shared/events/nats-connection.ts';
import { OutboxRelay, jetStreamSink } from '../../shared/events/relay.ts';
import { Health } from '../../shared/observability/health.ts';
import { NATS_SERVER, type PrivateNats, startPrivateNats } from '../support/private-servers.ts';
import { requireServer } from '../support/servers.ts';

const available = await requireServer('nats-server binary', async () => {
  const { execFile } = await import('node:child_process');
  await new Promise((resolve, reject) => execFile(NATS_SERVER, ['--version'], (error, stdout) => (error ? reject(error) : resolve(stdout))));
});
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const STREAM = 'MT_RESTART';

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('NATS restarts', { skip: !available && 'no nats-server binary' }, () => {
  let server: PrivateNats;
  let database: Database;

  before(async () => {
    server = await startPrivateNats();
    database = await openDatabase('memory://');
  });

  after(async () => {
    await database?.close();
    await server?.dispose();
  });

  test('consumers and the relay carry on after the broker was killed and restarted; readiness reports the outage', async () => {
    const health = new Health(120);
    const { nc, jsm, connected } = await connectEvents(server.url, STREAM, 'test-restart', { logger });
    health.dependency('nats', natsDependency(nc, connected));
    const received = new Map<string, number>();
    const type = 'io.mediateca.test.restart';
    let consumer: RunningConsumer | undefined;
    const relay = new OutboxRelay(database.db, jetStreamSink(jsm.jetstream(), STREAM, { connected }), { logger, pollIntervalMs: 100, health });
    try {
      consumer = await runConsumer({
        nc,
        stream: STREAM,
        consumer: 'restarter',
        types: [type],
        concurrency: 2,
        health,
        logger,
        handle: async (envelope) => {
          received.set(envelope.id, (received.get(envelope.id) ?? 0) + 1);
          return { outcome: 'ack' };
        },
      });
      relay.start();
      const event = (i: number) => envelopeOf(type, 'io.mediateca', { i }, `tests/${i}`);
      await enqueue(database.db, Array.from({ length: 10 }, (_, i) => event(i)));
      await until(() => received.size === 10, 'events before the restart');

      await server.kill();
      await until(() => !connected(), 'the client noticing the broker is gone');
      const down = await health.report();
      assert.equal(down.ready, false, 'not ready while NATS is down');
      assert.equal(down.dependencies.nats!.ok, false);
      // written while the broker is down: they wait in the outbox
      await enqueue(database.db, Array.from({ length: 10 }, (_, i) => event(100 + i)));
      // longer than the client's default reconnect budget would allow with a closed port
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await server.start();

      await until(() => received.size === 20, 'events written while the broker was down');
      await enqueue(database.db, Array.from({ length: 10 }, (_, i) => event(200 + i)));
      await until(() => received.size === 30, 'events after the restart');
      const up = await health.report();
      assert.equal(up.dependencies.nats!.ok, true);
      assert.equal(up.ready, true);
    } finally {
      await consumer?.stop();
      await relay.stop();
      await nc.close();
    }
  });

  test('a stream made before dead letters had their own stream gives them up to <STREAM>_DLQ, keeping its events', async () => {
    const { nc } = await connectNats(server.url, 'test-upgrade', logger);
    const jsm = await jetstreamManager(nc);
    const old = 'MT_OLD';
    try {
      await jsm.streams.add({ name: old, subjects: ['mt_old.events.>', 'mt_old.dlq.>'], max_age: nanos(7 * 86_400_000) });
      await publishEvent(jsm.jetstream(), old, envelopeOf('io.mediateca.test.kept', 'io.mediateca', {}, 'tests/kept'));
      await ensureStream(jsm, old, { eventsSeconds: 30 * 86_400, deadLettersSeconds: 365 * 86_400 });
      const events = await jsm.streams.info(old);
      assert.deepEqual(events.config.subjects, ['mt_old.events.>']);
      assert.equal(events.config.max_age, nanos(30 * 86_400_000));
      assert.equal(events.state.messages, 1, 'the events it held are still there');
      const deadLetters = await jsm.streams.info(deadLetterStreamName(old));
      assert.deepEqual(deadLetters.config.subjects, ['mt_old.dlq.>']);
      assert.equal(deadLetters.config.max_age, nanos(365 * 86_400_000));
    } finally {
      await deleteStream(jsm, old);
      await nc.close();
    }
  });

  test('a consumer whose durable the broker lost is created again, and dead letters land in their own stream', async () => {
    const { nc, connected } = await connectNats(server.url, 'test-lost-consumer', logger);
    const jsm = await jetstreamManager(nc);
    const type = 'io.mediateca.test.lost';
    const seen: string[] = [];
    const consumer = await runConsumer({
      nc,
      stream: STREAM,
      consumer: 'forgetful',
      types: [type],
      logger,
      handle: async (envelope) => {
        seen.push(envelope.id);
        return (envelope.data as { refuse?: boolean }).refuse ? { outcome: 'dead-letter', reason: 'refused' } : { outcome: 'ack' };
      },
    });
    try {
      const js = jsm.jetstream();
      await publishEvent(js, STREAM, envelopeOf(type, 'io.mediateca', { refuse: true }, 'tests/refused'));
      await until(() => seen.length === 1, 'the refused event');
      await until(async () => (await jsm.streams.info(deadLetterStreamName(STREAM))).state.messages === 1, 'the dead letter in the DLQ stream');
      // the durable disappears (an operator, a broker that lost its store): the pull fails and the loop re-creates it
      await jsm.consumers.delete(STREAM, 'forgetful__io_mediateca_test_lost');
      await until(() => connected(), 'connected');
      const after = envelopeOf(type, 'io.mediateca', {}, 'tests/after');
      await publishEvent(js, STREAM, after);
      await until(() => seen.includes(after.id), 'the event after the consumer was lost');
    } finally {
      await consumer.stop();
      await nc.close();
    }
  });
});
