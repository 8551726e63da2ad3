// Events on NATS JetStream. One stream holds every event and every dead letter; each function reads
// its event types through durable pull consumers; a message is acked, retried with backoff, or moved to
// `<root>.dlq.<function>` with a reason. Deliveries that run out (max_deliver) raise an advisory, which a
// second stream captures so a router can move the original message to the dead-letter subject too.
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
import { type Logger, createLogger } from '../observability/logger.ts';
import { subjectFor, typesConsumedBy } from './catalog.ts';
import { type DeliveryResult, type FunctionTarget, deliverToFunction, recordDeadLetter } from './deliver.ts';
import type { EventEnvelope } from './envelope.ts';
import { fromNatsMessage, toNatsMessage } from './nats-binding.ts';

export const DLQ_REASON_HEADER = 'mediateca-dlq-reason';
export const DLQ_CONSUMER_HEADER = 'mediateca-dlq-consumer';

const RETENTION_MS = 7 * 24 * 3600_000;
const DUPLICATE_WINDOW_MS = 2 * 60_000;
const ROUTER_CONSUMER = 'dead-letter-router';
// How long one pull request waits on the server for a message before the loop asks again.
const PULL_EXPIRES_MS = 30_000;

/**
 * Each stream owns the subjects under its lower-cased name, so several streams (tests, tenants) can share
 * one server. The default stream `MEDIATECA` gives `mediateca.events.<type>`, which is `subjectFor(type)`.
 */
export function eventSubject(stream: string, type: string): string {
  return `${stream.toLowerCase()}.events.${typeToken(type)}`;
}

export function deadLetterSubject(stream: string, consumer: string): string {
  return `${stream.toLowerCase()}.dlq.${consumer}`;
}

export function advisoryStreamName(stream: string): string {
  return `${stream}_ADVISORIES`;
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

/** Creates the event stream and its advisory stream if missing; an existing stream keeps its settings. */
export async function ensureStream(jsm: JetStreamManager, stream: string): Promise<void> {
  const root = stream.toLowerCase();
  await addStreamIfMissing(jsm, {
    name: stream,
    subjects: [`${root}.events.>`, `${root}.dlq.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(RETENTION_MS),
    max_msg_size: 1024 * 1024,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: 1,
  });
  await addStreamIfMissing(jsm, {
    name: advisoryStreamName(stream),
    subjects: [`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(RETENTION_MS),
    num_replicas: 1,
  });
}

/** Deletes the event stream and its advisory stream (tests, teardown). */
export async function deleteStream(jsm: JetStreamManager, stream: string): Promise<void> {
  for (const name of [stream, advisoryStreamName(stream)]) await jsm.streams.delete(name).catch(() => false);
}

async function addStreamIfMissing(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  const exists = await jsm.streams.info(config.name).then(() => true, () => false);
  if (!exists) await jsm.streams.add(config);
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
  /** messages handled at once per event type */
  concurrency?: number;
  logger?: Logger;
}

export interface RunningConsumer {
  /** stops pulling, waits for the handlers in flight and acks or naks their messages */
  stop(): Promise<void>;
}

export async function runConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { nc, stream, consumer: fn, types, handle } = options;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxDeliver = options.maxDeliver ?? 5;
  const backoffMs = options.backoffMs ?? [1_000, 5_000, 30_000, 120_000];
  const logger = (options.logger ?? createLogger('events')).child({ consumer: fn });
  const jsm = await jetstreamManager(nc);
  const js = jsm.jetstream();
  await ensureStream(jsm, stream);

  const process = async (message: JsMsg, durable: string): Promise<void> => {
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
    await ensureConsumer(jsm, stream, {
      durable_name: durable,
      description: `${fn} consumes ${type}`,
      filter_subject: eventSubject(stream, type),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitMs),
      max_deliver: maxDeliver,
    });
    const pullConsumer = await js.consumers.get(stream, durable);
    for (let i = 0; i < (options.concurrency ?? 1); i++) loops.push(pullLoop(nc, pullConsumer, (m) => process(m, durable), logger));
  }
  loops.push(await routeExhaustedDeliveries(nc, jsm, stream, logger));
  return { stop: async () => { await Promise.all(loops.map((loop) => loop.stop())); } };
}

/** The OpenFaaS bridge: every function (name → target) gets its catalog event types delivered over HTTP. */
/** `eventsSecret`: what the functions' event endpoints require (shared/events/secret.ts). */
export async function runBridge(options: Omit<ConsumerOptions, 'consumer' | 'types' | 'handle'> & { functions: Record<string, FunctionTarget>; eventsSecret: string }): Promise<RunningConsumer> {
  const { functions, eventsSecret, ...consumerOptions } = options;
  const running = await Promise.all(
    Object.entries(functions).map(([fn, target]) =>
      runConsumer({ ...consumerOptions, consumer: fn, types: typesConsumedBy(fn), handle: (envelope) => deliverToFunction(target, envelope, eventsSecret) }),
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
async function routeExhaustedDeliveries(nc: NatsConnection, jsm: JetStreamManager, stream: string, logger: Logger): Promise<PullLoop> {
  const advisories = advisoryStreamName(stream);
  // Every process runs a router; they share one durable consumer, so each advisory is handled once.
  await ensureConsumer(jsm, advisories, { durable_name: ROUTER_CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: nanos(30_000), max_deliver: -1 });
  const js = jsm.jetstream();
  const routerConsumer = await js.consumers.get(advisories, ROUTER_CONSUMER);
  return pullLoop(nc, routerConsumer, async (message) => {
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
  }, logger);
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
  await js.publish(deadLetterSubject(stream, functionOf(durable)), data, { headers: hdrs, msgID: `dlq:${durable}:${seq}`, expect: { streamName: stream } });
}

interface PullLoop {
  stop(): Promise<void>;
}

/** Pulls one message at a time, so nothing waits in a local buffer while its ack timer runs. */
function pullLoop(nc: NatsConnection, consumer: Consumer, handle: (message: JsMsg) => Promise<void>, logger: Logger): PullLoop {
  let stopped = false;
  let batch: ConsumerMessages | undefined;
  const finished = (async () => {
    while (!stopped && !nc.isClosed()) {
      try {
        batch = await consumer.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
        if (stopped) batch.stop();
        for await (const message of batch) {
          // Pulled while stopping: hand it straight back to another worker.
          if (stopped) message.nak();
          else await handle(message);
        }
      } catch (error) {
        if (stopped || nc.isClosed()) break;
        logger.error({ err: error }, 'consumer loop failed; pulling again in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      batch?.stop();
      await finished;
    },
  };
}
