// The outbox relay: hands committed outbox rows, in id order, to a sink (JetStream on servers, in-process
// delivery in the embedded default) and marks them published once the sink has them. A crash between the
// two means the row is sent again on restart; JetStream drops it by message id and consumers are idempotent.
// An in-process send lasts as long as its consumers (a transcode: minutes), so the relay does not wait for it in a
// pass: the rows after it go out meanwhile (a video's poster event while its transcode still runs), and each row is
// marked published when its own send ends, never read again while that send runs.
import { type BulkheadPolicy, ExponentialBackoff, bulkhead, handleWhenResult, retry } from 'cockatiel';
import type { Kysely } from 'kysely';
import type { JetStreamClient } from '@nats-io/jetstream';
import { markPublished, outboxBacklog, toEnvelope, unpublished } from '../db/outbox.ts';
import type { DB, OutboxRow } from '../db/schema.ts';
import type { Health, LoopHeartbeat } from '../observability/health.ts';
import { type Logger, createLogger } from '../observability/logger.ts';
import { outboxLag, outboxPending } from '../observability/metrics.ts';
import { SpanKind, contextOf, currentTraceContext, inSpan } from '../observability/tracing.ts';
import { consumersOf } from './catalog.ts';
import { type DeliveryResult, recordDeadLetter } from './deliver.ts';
import type { EventEnvelope } from './envelope.ts';
import { publishEvent } from './jetstream.ts';

export interface OutboxSink {
  /** resolves once the event is safely handed over; rejects to have the row sent again later */
  send(envelope: EventEnvelope): Promise<void>;
  /** rows handed to the sink at once */
  concurrency: number;
  /**
   * A send lasts until the event is handled, not just handed over: the relay keeps up to `concurrency` rows in
   * flight across passes instead of waiting for each batch (the sink bounds the work per consumer itself).
   */
  detached?: boolean;
}

export interface OutboxRelayOptions {
  batchSize?: number;
  /** how often to look for rows when nobody called wake() */
  pollIntervalMs?: number;
  /** a pass (read, send, mark) that takes longer is abandoned and reported as failed */
  passTimeoutMs?: number;
  /** reports each successful pass (liveness: a relay stuck on a dead connection gets restarted) */
  health?: Health;
  logger?: Logger;
}

// After a failed pass (database or broker down): 0.2 s doubling to 5 s, so the relay is back within seconds of them.
const RETRY_DELAY_MS = { initial: 200, max: 5_000 };

export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly passTimeoutMs: number;
  private readonly beat?: LoopHeartbeat;
  private readonly logger: Logger;
  private failures = 0;
  /** the last pass left rows the sink refused (broker down): back off like a failed pass */
  private sinkRefused = false;
  private stopped = true;
  private woken = false;
  private wakeSleeper?: () => void;
  private loop?: Promise<void>;
  private draining: Promise<number> = Promise.resolve(0);
  /** detached sinks: rows whose send runs, or ended and waits to be marked (never read again meanwhile) */
  private readonly inFlight = new Set<string>();
  /** detached sinks: rows whose send ended, to mark published */
  private finished: string[] = [];
  private sendEnded?: () => void;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly sink: OutboxSink,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.passTimeoutMs = options.passTimeoutMs ?? 60_000;
    this.beat = options.health?.loop('outbox relay');
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
    return this.queue(() => (this.sink.detached ? this.drainDetached() : this.drainNow()));
  }

  /** One pass of the loop: a detached sink's sends are started (and the ended ones marked), not waited for. */
  private pass(): Promise<number> {
    return this.sink.detached ? this.queue(() => this.dispatch()) : this.drain();
  }

  private queue(work: () => Promise<number>): Promise<number> {
    this.draining = this.draining.catch(() => 0).then(work);
    return this.draining;
  }

  /** Stops polling and waits for the pass in progress (the process's shutdown timeout bounds the wait). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeSleeper?.();
    await this.loop;
    await this.draining.catch(() => 0);
    // sends in flight end (the process's shutdown timeout bounds the wait) and are marked, so they are not sent again
    while (this.inFlight.size > this.finished.length) await this.nextSendEnd();
    await this.markFinished().catch((error) => this.logger.warn({ err: error }, 'could not mark the last rows published; they are sent again at the next start'));
    this.beat?.stopped();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      try {
        await Promise.race([
          this.pass(),
          new Promise((_, reject) => {
            timer = setTimeout(() => {
              timedOut = true;
              reject(new Error(`outbox relay pass took over ${this.passTimeoutMs} ms`));
            }, this.passTimeoutMs);
          }),
        ]);
        if (this.sinkRefused) {
          this.sinkRefused = false;
          throw new Error('the sink refused events (see the errors above); they stay in the outbox');
        }
        this.failures = 0;
        this.beat?.passed();
      } catch (error) {
        // A pass that never settles (a query lost with a connection the database closed under it) is abandoned:
        // the next pass must not queue behind it, or the relay stalls for good. Rows it had not marked are sent
        // again; JetStream's message-id dedup and the consumers' processed_events keep that to once.
        if (timedOut) this.draining = Promise.resolve(0);
        this.failures++;
        this.beat?.failed(error);
        this.logger.error({ err: error, failures: this.failures }, 'outbox relay pass failed; trying again with backoff');
      } finally {
        clearTimeout(timer);
      }
      await this.sleep(this.failures === 0 ? this.pollIntervalMs : Math.min(RETRY_DELAY_MS.initial * 2 ** (this.failures - 1), RETRY_DELAY_MS.max));
    }
  }

  private sleep(ms: number): Promise<void> {
    if ((this.woken && this.failures === 0) || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private async drainNow(): Promise<number> {
    let published = 0;
    this.sinkRefused = false;
    try {
      for (;;) {
        const rows = await unpublished(this.db, this.batchSize);
        if (rows.length === 0) break;
        const sent = await this.sendAll(rows);
        await markPublished(this.db, sent);
        published += sent.length;
        // A sink failure leaves rows behind: wait for the next poll rather than spin on them.
        if (sent.length < rows.length) {
          this.sinkRefused = true;
          break;
        }
      }
    } finally {
      await this.updateGauges();
    }
    return published;
  }

  /** Detached sinks: marks the rows whose sends ended, then starts sends for unpublished rows up to `concurrency` in flight. */
  private async dispatch(): Promise<number> {
    const published = await this.markFinished();
    try {
      while (this.inFlight.size < this.sink.concurrency) {
        const rows = await unpublished(this.db, Math.min(this.batchSize, this.sink.concurrency - this.inFlight.size), [...this.inFlight]);
        if (rows.length === 0) break;
        for (const row of rows) this.startSend(row);
      }
    } finally {
      await this.updateGauges();
    }
    return published;
  }

  /** Detached sinks: dispatches until nothing is unpublished or in flight. */
  private async drainDetached(): Promise<number> {
    this.sinkRefused = false;
    let published = 0;
    for (;;) {
      // after a refusal only the sends in flight are waited for: the refused rows wait for the next pass
      published += this.sinkRefused ? await this.markFinished() : await this.dispatch();
      if (this.inFlight.size === 0) return published;
      // checked and waited for in one synchronous step: no send can end in between unseen
      if (this.inFlight.size > this.finished.length) await this.nextSendEnd();
    }
  }

  private startSend(row: OutboxRow): void {
    this.inFlight.add(row.id);
    this.sink.send(toEnvelope(row)).then(
      () => { this.finished.push(row.id); },
      (error) => {
        // left unpublished: a later pass sends it again, after the loop's backoff
        this.inFlight.delete(row.id);
        this.sinkRefused = true;
        this.logger.error({ err: error, eventId: row.event_id, type: row.type }, 'outbox row not published; will retry');
      },
    ).finally(() => {
      const ended = this.sendEnded;
      this.sendEnded = undefined;
      ended?.();
      if (!this.sinkRefused) this.wake();
    });
  }

  private nextSendEnd(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.sendEnded;
      this.sendEnded = () => { previous?.(); resolve(); };
    });
  }

  /** Marks the ended sends' rows published; they leave the in-flight set only then, so no pass reads them in between. */
  private async markFinished(): Promise<number> {
    const ids = this.finished;
    if (ids.length === 0) return 0;
    this.finished = [];
    try {
      await markPublished(this.db, ids);
    } catch (error) {
      this.finished.push(...ids);
      throw error;
    }
    for (const id of ids) this.inFlight.delete(id);
    return ids.length;
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

/**
 * Publishes to JetStream with `msgID = event id`; pipelined publishes keep id order on one connection. While the
 * connection is down (`connected` says so) it refuses at once: the rows wait in the outbox rather than in the
 * client's unbounded reconnect buffer, so what is buffered is bounded by `concurrency` publishes.
 */
export function jetStreamSink(js: JetStreamClient, stream: string, options: { concurrency?: number; connected?: () => boolean } = {}): OutboxSink {
  const { concurrency = 256, connected = () => true } = options;
  return {
    concurrency,
    send: async (envelope) => {
      if (!connected()) throw new Error('NATS is disconnected; the event stays in the outbox');
      // a producer span under the one that emitted the event; the message carries it, so the consumers' deliveries
      // come under the publish, across JetStream
      const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': stream, 'messaging.message.id': envelope.id, 'cloudevents.event_type': envelope.type };
      await inSpan(`publish ${envelope.type}`, { kind: SpanKind.PRODUCER, attributes, parent: contextOf(envelope) }, () => publishEvent(js, stream, { ...envelope, ...currentTraceContext() }));
    },
  };
}

/** rows the embedded relay has in flight at once (each consumer's own limit bounds the work) */
const IN_PROCESS_ROWS_IN_FLIGHT = 256;

export interface InProcessSinkOptions {
  /** retries per consumer after the first delivery, with exponential backoff */
  maxRetries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** events each consumer handles at once */
  concurrency?: number;
  logger?: Logger;
  /** keeps what was given up on (the dead_letters table), for listing and redrive */
  onDeadLetter?: (consumer: string, envelope: EventEnvelope, reason: string) => Promise<void>;
}

/**
 * The embedded default: every consumer of the event type (catalog) gets it in-process. A row counts as sent
 * once each consumer acked or was given up on (dead letter: logged at error level and counted).
 */
export function inProcessSink(
  deliverTo: (consumer: string, envelope: EventEnvelope) => Promise<DeliveryResult>,
  options: InProcessSinkOptions = {},
): OutboxSink & { redeliver(consumer: string, envelope: EventEnvelope): Promise<void> } {
  const logger = options.logger ?? createLogger('outbox-relay');
  const giveUp = async (consumer: string, envelope: EventEnvelope, reason: string) => {
    recordDeadLetter(logger, consumer, envelope, reason);
    await options.onDeadLetter?.(consumer, envelope, reason).catch((error) => logger.error({ err: error, consumer, eventId: envelope.id }, 'could not keep the dead letter'));
  };
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
    if (result.outcome === 'retry') await giveUp(consumer, envelope, `still failing after retries: ${result.reason ?? 'unknown'}`);
    if (result.outcome === 'dead-letter') await giveUp(consumer, envelope, result.reason ?? 'rejected by the consumer');
  };
  // Each consumer takes `concurrency` events at once, as a JetStream consumer does: a slow one (transcode) never holds
  // back the others' events (index makes the asset's poster searchable meanwhile).
  const lanes = new Map<string, BulkheadPolicy>();
  const lane = (consumer: string) => lanes.get(consumer) ?? lanes.set(consumer, bulkhead(options.concurrency ?? 4, Number.POSITIVE_INFINITY)).get(consumer)!;
  return {
    redeliver: deliver,
    detached: true,
    concurrency: IN_PROCESS_ROWS_IN_FLIGHT,
    send: async (envelope) => { await Promise.all(consumersOf(envelope.type).map((consumer) => lane(consumer).execute(() => deliver(consumer, envelope)))); },
  };
}
