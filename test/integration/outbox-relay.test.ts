// The outbox relay publishing to the real NATS JetStream, from in-memory PGlite and from server Postgres:
// every row reaches the stream once and in id order, even when the relay sends rows again after a crash.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type JetStreamClient, type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import pino from 'pino';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import { enqueue } from '../../shared/db/outbox.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { deleteStream, ensureStream } from '../../shared/events/jetstream.ts';
import { fromNatsMessage } from '../../shared/events/nats-binding.ts';
import { OutboxRelay, jetStreamSink } from '../../shared/events/relay.ts';
import { NATS_URL, POSTGRES_URL, createTestDatabase, requireServer } from '../support/servers.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const natsUp = await requireServer('NATS JetStream', NATS_URL);
const postgresUp = await requireServer('PostgreSQL', POSTGRES_URL);

const backends = [
  { name: 'PGlite (memory://)', available: true, open: async () => ({ database: await openDatabase('memory://'), drop: async () => {} }) },
  {
    name: 'server Postgres',
    available: postgresUp,
    open: async () => {
      const created = await createTestDatabase();
      return { database: await openDatabase(created.url), drop: created.drop };
    },
  },
];

for (const backend of backends) {
  describe(`outbox relay → JetStream, ${backend.name}`, { skip: (!natsUp && `NATS is not reachable at ${NATS_URL}`) || (!backend.available && `PostgreSQL is not reachable at ${POSTGRES_URL}`) }, () => {
    const stream = `MT_RELAY_${randomBytes(4).toString('hex').toUpperCase()}`;
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    let js: JetStreamClient;
    let database: Database;
    let drop: () => Promise<void>;

    before(async () => {
      nc = await connect({ servers: NATS_URL });
      jsm = await jetstreamManager(nc);
      js = jsm.jetstream();
      await ensureStream(jsm, stream);
      ({ database, drop } = await backend.open());
    });

    after(async () => {
      await database?.close();
      await drop?.();
      await deleteStream(jsm, stream);
      await nc?.drain();
    });

    const events = Array.from({ length: 40 }, (_, i) =>
      newEvent('io.mediateca.asset.updated', 'io.mediateca', { assetId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', projectId: 'news', version: i + 1, fields: ['title'] }),
    );

    async function streamedIds(): Promise<string[]> {
      const info = await jsm.streams.info(stream);
      const ids: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage(stream, { seq });
        if (message) ids.push(fromNatsMessage(message.header, message.data).id);
      }
      return ids;
    }

    test('rows written through enqueue are published once each, in id order, and marked published', async () => {
      const relay = new OutboxRelay(database.db, jetStreamSink(js, stream), { logger, batchSize: 15 }).start();
      try {
        await database.db.transaction().execute((trx) => enqueue(trx, events.slice(0, 20)));
        await database.db.transaction().execute((trx) => enqueue(trx, events.slice(20)));
        relay.wake();
        await relay.drain();
      } finally {
        await relay.stop();
      }
      assert.deepEqual(await streamedIds(), events.map((e) => e.id));
      const pending = await sql<{ n: string }>`select count(*) as n from outbox where published_at is null`.execute(database.db);
      assert.equal(Number(pending.rows[0]!.n), 0);
    });

    test('a relay that crashed before marking rows published sends them again; JetStream keeps one copy', async () => {
      // The crash: the rows went out, but the transaction marking them published never committed.
      await sql`update outbox set published_at = null`.execute(database.db);
      const restarted = new OutboxRelay(database.db, jetStreamSink(js, stream), { logger });
      assert.equal(await restarted.drain(), events.length, 'every row was sent again');
      assert.deepEqual(await streamedIds(), events.map((e) => e.id));
    });
  });
}
