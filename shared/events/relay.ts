// The outbox relay: hands committed outbox rows, in id order, to a sink (JetStream on servers, in-process
// delivery in the embedded default) and marks them published once the sink has them. A crash between the
// two means the row is sent again on restart; JetStream drops it by message id and consumers are idempotent.
import { ExponentialBackoff, handleWhenResult, retry } from 'cockatiel';
import type { Kysely } from 'kysely';
import type { JetStreamClient } from '@nats-io/jetstream';
import { markPublished, outboxBacklog, toEnvelope, unpublished } from '../db/outbox.ts';
import type { DB, OutboxRow } from '../db/schema.ts';
import { type Logger, createLogger } from '../observability/logger.ts';
import { outboxLag, outboxPending } from '../observability/metrics.ts';
import { consumersOf } from './catalog.ts';
import { type DeliveryResult, recordDeadLetter } from './deliver.ts';
import type { EventEnvelope } from './envelope.ts';
import { publishEvent } from './jetstream.ts';

export interface OutboxSink {
  /** resolves once the event is safely handed over; rejects to have the row sent again later */
  send(envelope: EventEnvelope): Promise<void>;
  /** rows handed to the sink at once */
  concurrency: number;
}

export interface OutboxRelayOptions {
  batchSize?: number;
  /** how often to look for rows when nobody called wake() */
  pollIntervalMs?: number;
  logger?: Logger;
}

export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly logger: Logger;
  private stopped = true;
  private woken = false;
  private wakeSleeper?: () => void;
  private loop?: Promise<void>;
  private draining: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly db: Kysely<DB>,
    private readonly sink: OutboxSink,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.logger = options.logger ?? createLogger('outbox-relay');
  }

  start(): this {
    if (!this.stopped) return this;
    this.stopped = false;
    this.loop = this.run();
    return this;
  }

  /** A transaction just wrote outbox rows: publish now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeSleeper?.();
  }

  /** Publishes until no unpublished row is left; returns how many were published. Calls never overlap. */
  drain(): Promise<number> {
    this.draining = this.draining.catch(() => 0).then(() => this.drainNow());
    return this.draining;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeSleeper?.();
    await this.loop;
    await this.draining.catch(() => 0);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      try {
        await this.drain();
      } catch (error) {
        this.logger.error({ err: error }, 'outbox relay pass failed; trying again at the next poll');
      }
      await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollIntervalMs);
      this.wakeSleeper = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private async drainNow(): Promise<number> {
    let published = 0;
    try {
      for (;;) {
        const rows = await unpublished(this.db, this.batchSize);
        if (rows.length === 0) break;
        const sent = await this.sendAll(rows);
        await markPublished(this.db, sent);
        published += sent.length;
        // A sink failure leaves rows behind: wait for the next poll rather than spin on them.
        if (sent.length < rows.length) break;
      }
    } finally {
      await this.updateGauges();
    }
    return published;
  }

  /** Sends rows with bounded concurrency, in id order; returns the ids the sink accepted. */
  private async sendAll(rows: OutboxRow[]): Promise<string[]> {
    const sent: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rows.length) {
        const row = rows[next++]!;
        try {
          await this.sink.send(toEnvelope(row));
          sent.push(row.id);
        } catch (error) {
          this.logger.error({ err: error, eventId: row.event_id, type: row.type }, 'outbox row not published; will retry');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.sink.concurrency, rows.length) }, worker));
    return sent;
  }

  private async updateGauges(): Promise<void> {
    try {
      const { pending, oldestSeconds } = await outboxBacklog(this.db);
      outboxPending.set(pending);
      outboxLag.set(oldestSeconds);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the outbox backlog');
    }
  }
}

/** Publishes to JetStream with `msgID = event id`; pipelined publishes keep id order on one connection. */
export function jetStreamSink(js: JetStreamClient, stream: string, concurrency = 256): OutboxSink {
  return { concurrency, send: async (envelope) => { await publishEvent(js, stream, envelope); } };
}

export interface InProcessSinkOptions {
  /** retries per consumer after the first delivery, with exponential backoff */
  maxRetries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** rows delivered at once */
  concurrency?: number;
  logger?: Logger;
}

/**
 * The embedded default: every consumer of the event type (catalog) gets it in-process. A row counts as sent
 * once each consumer acked or was given up on (dead letter: logged at error level and counted).
 */
export function inProcessSink(
  deliverTo: (consumer: string, envelope: EventEnvelope) => Promise<DeliveryResult>,
  options: InProcessSinkOptions = {},
): OutboxSink {
  const logger = options.logger ?? createLogger('outbox-relay');
  const policy = retry(handleWhenResult((result) => (result as DeliveryResult).outcome === 'retry'), {
    maxAttempts: options.maxRetries ?? 5,
    backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 200, maxDelay: options.maxDelayMs ?? 30_000 }),
  });
  const deliver = async (consumer: string, envelope: EventEnvelope): Promise<void> => {
    const result = await policy.execute(async (): Promise<DeliveryResult> => {
      try {
        return await deliverTo(consumer, envelope);
      } catch (error) {
        return { outcome: 'retry', reason: (error as Error).message };
      }
    });
    if (result.outcome === 'retry') recordDeadLetter(logger, consumer, envelope, `still failing after retries: ${result.reason ?? 'unknown'}`);
    if (result.outcome === 'dead-letter') recordDeadLetter(logger, consumer, envelope, result.reason ?? 'rejected by the consumer');
  };
  return {
    concurrency: options.concurrency ?? 4,
    send: async (envelope) => { await Promise.all(consumersOf(envelope.type).map((consumer) => deliver(consumer, envelope))); },
  };
}
