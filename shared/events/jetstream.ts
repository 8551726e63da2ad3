// Events on NATS JetStream. One stream holds every event (30 days by default, for replay); each function reads
// its event types through durable pull consumers; a message is acked, retried with backoff, or moved to
// `<root>.dlq.<function>` with a reason, held by its own stream `<STREAM>_DLQ` (a year by default). Deliveries
// that run out (max_deliver) raise an advisory, which a third stream captures so a router can move the original
// message to the dead-letter subject too. Pull loops survive broker restarts: after a failed pull they look
// their consumer up again (re-creating it if the server lost it) and go on, with backoff.
//
// nats-server 2.9 has no `filter_subjects` (plural), so a function consuming several types gets one
// durable consumer per type, named `<function>__<type token>`.
import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type PubAck,
  RetentionPolicy,
  type StreamConfig,
  StorageType,
  jetstreamManager,
} from '@nats-io/jetstream';
import { type MsgHdrs, type NatsConnection, headers as natsHeaders, nanos } from '@nats-io/transport-node';
import type { Health, LoopHeartbeat } from '../observability/health.ts';
import { type Logger, createLogger } from '../observability/logger.ts';
import { subjectFor, typesConsumedBy } from './catalog.ts';
import { type DeliveryResult, type FunctionTarget, deliverToFunction, recordDeadLetter } from './deliver.ts';
import type { EventEnvelope } from './envelope.ts';
import { fromNatsMessage, toNatsMessage } from './nats-binding.ts';

export const DLQ_REASON_HEADER = 'mediateca-dlq-reason';
export const DLQ_CONSUMER_HEADER = 'mediateca-dlq-consumer';

/** How long the streams keep events and dead letters (EVENTS_RETENTION, DEAD_LETTER_RETENTION). */
export interface StreamRetention {
  eventsSeconds: number;
  deadLettersSeconds: number;
}
export const DEFAULT_RETENTION: StreamRetention = { eventsSeconds: 30 * 86_400, deadLettersSeconds: 365 * 86_400 };

/**
 * Delays before each retry of a delivery that keeps failing: quick at first, then hourly, for about 9 hours in
 * all (1 s + 5 s + 30 s + 2 min + 10 min + 30 min + 8 × 1 h), so a consumer that is down for a night shift
 * catches up instead of dead-lettering. DEFAULT_MAX_DELIVER is the first delivery plus one per delay.
 */
export const DEFAULT_BACKOFF_MS = [1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000, ...Array<number>(8).fill(3_600_000)];
export const DEFAULT_MAX_DELIVER = DEFAULT_BACKOFF_MS.length + 1;

const DUPLICATE_WINDOW_MS = 2 * 60_000;
const ROUTER_CONSUMER = 'dead-letter-router';
// How long one pull request waits on the server for a message before the loop asks again.
const PULL_EXPIRES_MS = 30_000;
// A pull that neither yields nor ends this long after it expired on the server is given up (a lost connection).
const PULL_GRACE_MS = 15_000;
// After a failed pull: 0.5 s doubling to 5 s.
const PULL_RETRY_MS = { initial: 500, max: 5_000 };

/**
 * Each stream owns the subjects under its lower-cased name, so several streams (tests, tenants) can share
 * one server. The default stream `MEDIATECA` gives `mediateca.events.<type>`, which is `subjectFor(type)`.
 */
export function eventSubject(stream: string, type: string): string {
  return `${stream.toLowerCase()}.events.${typeToken(type)}`;
}

/** Every event subject of a stream, for a subscription that follows them all. */
export function streamSubjects(stream: string): string {
  return `${stream.toLowerCase()}.events.>`;
}

export function deadLetterSubject(stream: string, consumer: string): string {
  return `${stream.toLowerCase()}.dlq.${consumer}`;
}

export function advisoryStreamName(stream: string): string {
  return `${stream}_ADVISORIES`;
}

export function deadLetterStreamName(stream: string): string {
  return `${stream}_DLQ`;
}

export function consumerName(fn: string, type: string): string {
  return `${fn}__${typeToken(type)}`;
}

function functionOf(consumer: string): string {
  return consumer.split('__')[0]!;
}

function typeToken(type: string): string {
  return subjectFor(type).split('.').pop()!;
}

/**
 * Creates the event stream, its dead-letter stream and its advisory stream, or brings existing ones to these
 * subjects and retention (a stream made before dead letters had their own stream gives up `<root>.dlq.>`; the
 * dead letters it holds stay there until they age out). Replicas, storage and limits set by hand are kept.
 */
export async function ensureStream(jsm: JetStreamManager, stream: string, retention: StreamRetention = DEFAULT_RETENTION): Promise<void> {
  const root = stream.toLowerCase();
  await addOrUpdateStream(jsm, {
    name: stream,
    subjects: [streamSubjects(stream)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(retention.eventsSeconds * 1000),
    max_msg_size: 1024 * 1024,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: 1,
  });
  await addOrUpdateStream(jsm, {
    name: deadLetterStreamName(stream),
    subjects: [`${root}.dlq.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(retention.deadLettersSeconds * 1000),
    max_msg_size: 1024 * 1024,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: 1,
  });
  await addOrUpdateStream(jsm, {
    name: advisoryStreamName(stream),
    subjects: [`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(retention.eventsSeconds * 1000),
    num_replicas: 1,
  });
}

/** Deletes the event stream, its dead-letter stream and its advisory stream (tests, teardown). */
export async function deleteStream(jsm: JetStreamManager, stream: string): Promise<void> {
  for (const name of [stream, deadLetterStreamName(stream), advisoryStreamName(stream)]) await jsm.streams.delete(name).catch(() => false);
}

async function addOrUpdateStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string; subjects: string[] }): Promise<void> {
  const existing = await jsm.streams.info(config.name).catch(() => null);
  if (!existing) {
    await jsm.streams.add(config);
    return;
  }
  const sameSubjects = existing.config.subjects.length === config.subjects.length && config.subjects.every((subject) => existing.config.subjects.includes(subject));
  if (!sameSubjects || existing.config.max_age !== config.max_age) {
    await jsm.streams.update(config.name, { ...existing.config, subjects: config.subjects, max_age: config.max_age! });
  }
}

/** Publishes with `msgID = envelope.id`: a second publish of the same event within 2 minutes is dropped. */
export async function publishEvent(js: JetStreamClient, stream: string, envelope: EventEnvelope<unknown>): Promise<PubAck> {
  const message = toNatsMessage(envelope, eventSubject(stream, envelope.type));
  return js.publish(message.subject, message.data, { headers: message.headers, msgID: envelope.id, expect: { streamName: stream } });
}

export interface ConsumerOptions {
  nc: NatsConnection;
  stream: string;
  /** the function name; dead letters go to `<root>.dlq.<consumer>` */
  consumer: string;
  types: readonly string[];
  handle: (envelope: EventEnvelope<unknown>, delivery: { count: number }) => Promise<DeliveryResult>;
  /** a worker that stops answering loses its message to another worker after this long */
  ackWaitMs?: number;
  /** deliveries in all, the first included */
  maxDeliver?: number;
  /** delay before the n-th retry; the last value repeats */
  backoffMs?: number[];
  /** messages handled at once per event type (a number, or one per type) */
  concurrency?: number | ((type: string) => number);
  /** each pull loop reports its successful passes here (liveness) */
  health?: Health;
  /** the streams' retention (EVENTS_RETENTION, DEAD_LETTER_RETENTION), applied if the consumer creates them */
  retention?: StreamRetention;
  logger?: Logger;
}

export interface RunningConsumer {
  /** stops pulling, waits for the handlers in flight and acks or naks their messages */
  stop(): Promise<void>;
}

export async function runConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { nc, stream, consumer: fn, types, handle } = options;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const concurrencyOf = (type: string) => (typeof options.concurrency === 'function' ? options.concurrency(type) : options.concurrency ?? 1);
  const logger = (options.logger ?? createLogger('events')).child({ consumer: fn });
  const jsm = await jetstreamManager(nc);
  const js = jsm.jetstream();
  await ensureStream(jsm, stream, options.retention);

  const process = async (message: JsMsg, durable: string, beat: LoopHeartbeat | undefined): Promise<void> => {
    const count = message.info.deliveryCount;
    let envelope: EventEnvelope<unknown>;
    try {
      envelope = fromNatsMessage(message.headers, message.data);
    } catch (error) {
      await publishDeadLetter(js, stream, durable, message.seq, message.headers, message.data, `not a CloudEvent: ${(error as Error).message}`);
      recordDeadLetter(logger, fn, { id: message.headers?.get('ce-id') ?? `seq ${message.seq}`, type: message.headers?.get('ce-type') ?? 'unknown' }, 'not a CloudEvent');
      message.term();
      return;
    }
    // A long job (a transcode) tells the server it is still working, so the message is not handed to another worker.
    const heartbeat = setInterval(() => {
      // a loop waiting on its handler is busy, not stalled: the delivery's own timeout bounds the wait
      beat?.passed();
      try {
        message.working();
      } catch {
        // connection gone: the message comes back to some worker after ackWait, as intended
      }
    }, Math.max(ackWaitMs / 2, 100));
    let result: DeliveryResult;
    try {
      result = await handle(envelope, { count });
    } catch (error) {
      result = { outcome: 'retry', reason: (error as Error).message };
    } finally {
      clearInterval(heartbeat);
    }
    const log = logger.child({ eventId: envelope.id, type: envelope.type, delivery: count });
    if (nc.isClosed()) {
      log.warn({ outcome: result.outcome }, 'connection closed before the outcome was sent; the message will be redelivered');
      return;
    }
    if (result.outcome === 'ack') {
      // Confirmed by the server: once this returns, the message will not come back.
      await message.ackAck();
    } else if (result.outcome === 'retry') {
      log.warn({ reason: result.reason }, count >= maxDeliver ? 'event failed on its last delivery' : 'event failed; will retry');
      // On the last delivery, nak without delay so the server raises MAX_DELIVERIES (→ dead letter) at once.
      message.nak(count >= maxDeliver ? undefined : backoffMs[Math.min(count, backoffMs.length) - 1]);
    } else {
      const reason = result.reason ?? 'rejected by the consumer';
      await publishDeadLetter(js, stream, durable, message.seq, message.headers, message.data, reason);
      recordDeadLetter(log, fn, envelope, reason);
      message.term();
    }
  };

  const loops: PullLoop[] = [];
  for (const type of types) {
    const durable = consumerName(fn, type);
    const config = {
      durable_name: durable,
      description: `${fn} consumes ${type}`,
      filter_subject: eventSubject(stream, type),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitMs),
      max_deliver: maxDeliver,
    };
    // Looked up again after a failed pull: a broker that lost its state gets the consumer back.
    const open = async () => {
      await ensureConsumer(jsm, stream, config);
      return js.consumers.get(stream, durable);
    };
    const pullConsumer = await open();
    const beat = options.health?.loop(`consumer ${durable}`);
    for (let i = 0; i < concurrencyOf(type); i++) {
      loops.push(pullLoop({ nc, consumer: pullConsumer, reopen: open, handle: (m) => process(m, durable, beat), logger, beat }));
    }
  }
  loops.push(await routeExhaustedDeliveries(nc, jsm, stream, logger, options.health));
  return { stop: async () => { await Promise.all(loops.map((loop) => loop.stop())); } };
}

/** The OpenFaaS bridge: every function (name → target) gets its catalog event types delivered over HTTP. */
/** `eventsSecret`: what the functions' event endpoints require (shared/events/secret.ts). */
/** `concurrency`: events delivered at once to each function, per event type (DELIVERY_CONCURRENCY[_<FN>]). */
export async function runBridge(options: Omit<ConsumerOptions, 'consumer' | 'types' | 'handle' | 'concurrency'> & { functions: Record<string, FunctionTarget>; eventsSecret: string; concurrency?: (fn: string) => number }): Promise<RunningConsumer> {
  const { functions, eventsSecret, concurrency, ...consumerOptions } = options;
  const running = await Promise.all(
    Object.entries(functions).map(([fn, target]) =>
      runConsumer({ ...consumerOptions, consumer: fn, types: typesConsumedBy(fn), concurrency: concurrency?.(fn), handle: (envelope) => deliverToFunction(target, envelope, eventsSecret) }),
    ),
  );
  return { stop: async () => { await Promise.all(running.map((consumer) => consumer.stop())); } };
}

async function ensureConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
  const existing = await jsm.consumers.info(stream, config.durable_name).catch(() => null);
  if (!existing) {
    await jsm.consumers.add(stream, config);
  } else if (existing.config.ack_wait !== config.ack_wait || existing.config.max_deliver !== config.max_deliver) {
    await jsm.consumers.update(stream, config.durable_name, { ack_wait: config.ack_wait, max_deliver: config.max_deliver, description: config.description });
  }
}

/** Captured MAX_DELIVERIES advisories → the original message, republished to its function's dead-letter subject. */
async function routeExhaustedDeliveries(nc: NatsConnection, jsm: JetStreamManager, stream: string, logger: Logger, health: Health | undefined): Promise<PullLoop> {
  const advisories = advisoryStreamName(stream);
  const js = jsm.jetstream();
  // Every process runs a router; they share one durable consumer, so each advisory is handled once.
  const open = async () => {
    await ensureConsumer(jsm, advisories, { durable_name: ROUTER_CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: nanos(30_000), max_deliver: -1 });
    return js.consumers.get(advisories, ROUTER_CONSUMER);
  };
  const routerConsumer = await open();
  const handle = async (message: JsMsg) => {
    let advisory: { stream: string; consumer: string; stream_seq: number; deliveries: number };
    try {
      advisory = message.json();
    } catch {
      logger.error({ seq: message.seq }, 'unreadable MAX_DELIVERIES advisory dropped');
      message.term();
      return;
    }
    const original = await jsm.streams.getMessage(advisory.stream, { seq: advisory.stream_seq }).catch(() => null);
    if (!original) {
      logger.error({ advisory }, 'exhausted message is no longer in the stream; nothing to dead-letter');
    } else {
      const reason = `not acknowledged after ${advisory.deliveries} deliveries (max_deliver)`;
      await publishDeadLetter(js, advisory.stream, advisory.consumer, original.seq, original.header, original.data, reason);
      const envelope = { id: original.header?.get('ce-id') ?? `seq ${original.seq}`, type: original.header?.get('ce-type') ?? 'unknown' };
      recordDeadLetter(logger, functionOf(advisory.consumer), envelope, reason);
    }
    message.ack();
  };
  return pullLoop({ nc, consumer: routerConsumer, reopen: open, handle, logger, beat: health?.loop('dead-letter router') });
}

/**
 * The original payload and CloudEvents headers, plus the reason, on `<root>.dlq.<function>`. The message id is
 * the same whichever path gets there first (handler or advisory router), so a message is dead-lettered once.
 */
async function publishDeadLetter(js: JetStreamClient, stream: string, durable: string, seq: number, original: MsgHdrs | undefined, data: Uint8Array, reason: string): Promise<void> {
  const hdrs = natsHeaders();
  for (const [name, values] of original ?? []) {
    // Nats-Msg-Id and friends belong to the original publish; copying them would dedupe this one away.
    if (name.toLowerCase().startsWith('nats-')) continue;
    for (const value of values) hdrs.append(name, value);
  }
  hdrs.set(DLQ_REASON_HEADER, reason.replace(/[\r\n]+/g, ' '));
  hdrs.set(DLQ_CONSUMER_HEADER, durable);
  await js.publish(deadLetterSubject(stream, functionOf(durable)), data, { headers: hdrs, msgID: `dlq:${durable}:${seq}`, expect: { streamName: deadLetterStreamName(stream) } });
}

interface PullLoop {
  stop(): Promise<void>;
}

interface PullLoopOptions {
  nc: NatsConnection;
  consumer: Consumer;
  /** the consumer again, after a pull failed (broker restarted, consumer lost) */
  reopen: () => Promise<Consumer>;
  handle: (message: JsMsg) => Promise<void>;
  logger: Logger;
  beat?: LoopHeartbeat;
}

/**
 * Pulls one message at a time, so nothing waits in a local buffer while its ack timer runs. Never ends on its
 * own: a failed pull (disconnected, consumer gone) waits with backoff, looks the consumer up again and goes on;
 * only stop() or a connection closed for good ends it.
 */
function pullLoop({ nc, consumer, reopen, handle, logger, beat }: PullLoopOptions): PullLoop {
  let stopped = false;
  let batch: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;
  let failures = 0;
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => { clearTimeout(timer); resolve(); };
  });
  const finished = (async () => {
    while (!stopped && !nc.isClosed()) {
      try {
        if (failures > 0) consumer = await reopen();
        batch = await consumer.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS, idle_heartbeat: 5_000 });
        if (stopped) batch.stop();
        // a pull whose connection went away without closing the iterator is given up, and the loop pulls again
        const current = batch;
        const watchdog = setTimeout(() => current.stop(), PULL_EXPIRES_MS + PULL_GRACE_MS);
        try {
          for await (const message of current) {
            clearTimeout(watchdog);
            // Pulled while stopping: hand it straight back to another worker.
            if (stopped) message.nak();
            else await handle(message);
          }
        } finally {
          clearTimeout(watchdog);
        }
        failures = 0;
        beat?.passed();
      } catch (error) {
        if (stopped || nc.isClosed()) break;
        failures++;
        beat?.failed(error);
        const delay = Math.min(PULL_RETRY_MS.initial * 2 ** (failures - 1), PULL_RETRY_MS.max);
        logger.warn({ err: error, failures }, `pull failed; looking the consumer up again in ${delay} ms`);
        await pause(delay);
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      batch?.stop();
      wake?.();
      await finished;
    },
  };
}
