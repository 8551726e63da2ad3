// PostgreSQL restarting under a running process: on a private cluster this test may stop and start. Before the
// reservation guard (shared/db/connect.ts) a transaction open across the restart ended the whole process with
// `TypeError: Cannot read properties of null (reading 'write')`; an uncaught exception fails this test file.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import { enqueue } from '../../shared/db/outbox.ts';
import { envelopeOf } from '../../shared/events/envelope.ts';
import type { EventEnvelope } from '../../shared/events/envelope.ts';
import { OutboxRelay } from '../../shared/events/relay.ts';
import { Health } from '../../shared/observability/health.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-servers.ts';
import { requireServer } from '../support/servers.ts';

const available = await requireServer('PostgreSQL 15 binaries (initdb, pg_ctl)', async () => {
  const { access } = await import('node:fs/promises');
  const { POSTGRES_BIN } = await import('../support/private-servers.ts');
  await access(`${POSTGRES_BIN}/initdb`);
});
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

/** Retries `attempt` until it succeeds: the server is coming back. */
async function eventually<T>(attempt: () => Promise<T>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${timeoutMs} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Waits while `count()` keeps growing towards `target`; fails only when it stops moving for `stallMs`. */
async function untilReached(count: () => number, target: number, what: string, stallMs = 120_000): Promise<void> {
  let last = count();
  let lastChange = Date.now();
  while (count() < target) {
    if (count() !== last) {
      last = count();
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > stallMs) throw new Error(`${what}: stuck at ${count()} of ${target} for ${stallMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('PostgreSQL restarts', { skip: !available && 'no PostgreSQL 15 binaries' }, () => {
  let server: PrivatePostgres;
  let database: Database;

  before(async () => {
    server = await startPrivatePostgres();
    database = await openDatabase(await server.database('mediateca'), { poolSize: 4 });
  });

  after(async () => {
    await database?.close();
    await server?.dispose();
  });

  test('a transaction open across a restart fails with a connection error; the process lives on and the pool works again', async () => {
    let inside!: () => void;
    const insideTransaction = new Promise<void>((resolve) => { inside = resolve; });
    let restarted!: () => void;
    const afterRestart = new Promise<void>((resolve) => { restarted = resolve; });
    const transaction = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      inside();
      await afterRestart;
      // the connection under this reservation is gone: this statement, and the rollback after it, must not be written to it
      await sql`select 2`.execute(trx);
    });
    await insideTransaction;
    await server.restart();
    restarted();
    await assert.rejects(transaction, (error: Error & { code?: string }) => {
      assert.ok(['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', '57P01', 'ECONNRESET'].includes(error.code ?? ''), `a connection error, not ${error.code}: ${error.message}`);
      return true;
    });
    const rows = await eventually(() => sql<{ answer: number }>`select 42 as answer`.execute(database.db), 'a query after the restart');
    assert.equal(rows.rows[0]!.answer, 42);
    // every connection of the pool is usable again (a closed one handed back as open would throw here)
    const answers = await eventually(() => Promise.all(Array.from({ length: 12 }, (_, i) => sql<{ n: number }>`select ${i}::int as n`.execute(database.db))), 'a burst of queries');
    assert.deepEqual(answers.map((r) => r.rows[0]!.n), Array.from({ length: 12 }, (_, i) => i));
  });

  test('the outbox relay publishes again after PostgreSQL was down, and its heartbeat shows the outage', async () => {
    const received = new Map<string, number>();
    const sink = { concurrency: 8, send: async (envelope: EventEnvelope) => { received.set(envelope.id, (received.get(envelope.id) ?? 0) + 1); } };
    const health = new Health(120);
    const relay = new OutboxRelay(database.db, sink, { logger, pollIntervalMs: 100, passTimeoutMs: 10_000, health }).start();
    try {
      const event = (i: number) => envelopeOf('io.mediateca.test.restart', 'io.mediateca', { i }, `tests/${i}`);
      const before = Array.from({ length: 20 }, (_, i) => event(i));
      await enqueue(database.db, before);
      await untilReached(() => received.size, 20, 'rows before the restart');

      await server.stop();
      // the relay keeps polling a server that is down: its passes fail, and are reported
      const during = await eventuallyFailingPass(health);
      assert.ok(during, 'the relay reported a failed pass while the server was down');
      await server.start();

      const afterwards = Array.from({ length: 20 }, (_, i) => event(100 + i));
      await eventually(() => enqueue(database.db, afterwards), 'writing outbox rows after the restart');
      await untilReached(() => received.size, 40, 'rows after the restart');
      assert.deepEqual([...received.values()].filter((count) => count > 1), [], 'no event is published twice');
      // the events are out before their pass ends (it marks them published, then reports)
      await eventually(async () => {
        const error = (await health.report()).loops['outbox relay']!.lastError;
        if (error !== undefined) throw new Error(`the relay has not passed again yet: ${error}`);
      }, 'the relay passing again', 60_000);
    } finally {
      await relay.stop();
    }
  });
});

/** Waits (bounded) until the relay's heartbeat reports an error. */
async function eventuallyFailingPass(health: Health): Promise<string | undefined> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const error = (await health.report()).loops['outbox relay']?.lastError;
    if (error) return error;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}
