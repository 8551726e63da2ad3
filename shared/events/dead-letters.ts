// Dead letters, listed and redriven (GET /admin/dead-letters, POST /admin/dead-letters/…/redrive). Two stores:
//  - JetStream: the `<STREAM>_DLQ` stream (shared/events/jetstream.ts puts them there: original CloudEvent headers
//    and payload, plus the consumer and reason). A dead letter's id is its sequence in that stream. Redrive
//    publishes the original event again on its event subject (message id `redrive:<seq>`, so a redrive repeated
//    within the duplicate window is dropped) and then deletes it from the DLQ. Every consumer of the type sees it
//    again: the ones that handled it already find it in processed_events and only ack, so the event is processed
//    once, by the consumer that had given up on it.
//  - Embedded (in-process delivery): rows of `dead_letters`; redrive takes the row (once) and delivers the event
//    to that consumer again, with the usual retries; a consumer still failing dead-letters it anew.
import type { JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import { findDeadLetter, insertDeadLetter, listDeadLetters, takeDeadLetter } from '../db/dead-letters.ts';
import type { DB } from '../db/schema.ts';
import type { EventEnvelope } from './envelope.ts';
import { DLQ_CONSUMER_HEADER, DLQ_REASON_HEADER, deadLetterStreamName, eventSubject } from './jetstream.ts';
import { fromNatsMessage } from './nats-binding.ts';

export interface DeadLetter {
  id: string;
  /** the function that gave up on it */
  consumer: string;
  reason: string;
  deadAt: string;
  event: EventEnvelope<unknown>;
}

export interface DeadLetterFilter {
  consumer?: string;
  type?: string;
  /** a substring of the reason */
  reason?: string;
}

export interface DeadLetterPage {
  deadLetters: DeadLetter[];
  /** pass as `after` for the next page; absent on the last one */
  next?: string;
}

export interface DeadLetterQueue {
  readonly kind: 'jetstream' | 'embedded';
  list(filter: DeadLetterFilter, page: { after?: string; limit: number }): Promise<DeadLetterPage>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** false when there is no such dead letter (never was, or already redriven) */
  redrive(id: string): Promise<boolean>;
}

export function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  return (!filter.consumer || letter.consumer === filter.consumer) && (!filter.type || letter.event.type === filter.type) && (!filter.reason || letter.reason.includes(filter.reason));
}

/** Redrives every dead letter the filter matches (bulk redrive by consumer, type and reason); returns how many. */
export async function redriveAll(queue: DeadLetterQueue, filter: DeadLetterFilter, max = 10_000): Promise<{ redriven: number; ids: string[] }> {
  const ids: string[] = [];
  for (let after: string | undefined; ids.length < max;) {
    const page = await queue.list(filter, { after, limit: Math.min(200, max - ids.length) });
    for (const letter of page.deadLetters) if (await queue.redrive(letter.id)) ids.push(letter.id);
    if (!page.next) break;
    after = page.next;
  }
  return { redriven: ids.length, ids };
}

/** The `<STREAM>_DLQ` stream of a JetStream event stream. */
export function jetStreamDeadLetters(jsm: JetStreamManager, stream: string): DeadLetterQueue {
  const dlq = deadLetterStreamName(stream);
  const js = jsm.jetstream();
  const read = async (seq: number): Promise<DeadLetter | undefined> => {
    const message = await jsm.streams.getMessage(dlq, { seq }).catch(() => null);
    if (!message) return undefined;
    let event: EventEnvelope<unknown>;
    try {
      event = fromNatsMessage(message.header, message.data);
    } catch {
      // a message that was not a CloudEvent when it died: shown with what its headers say
      event = { specversion: '1.0', id: message.header?.get('ce-id') || `seq ${seq}`, type: message.header?.get('ce-type') || 'unknown', source: message.header?.get('ce-source') || 'unknown', datacontenttype: 'application/json', time: message.time.toISOString(), data: new TextDecoder().decode(message.data) };
    }
    const durable = message.header?.get(DLQ_CONSUMER_HEADER) || message.subject.split('.').pop()!;
    return { id: String(seq), consumer: durable.split('__')[0]!, reason: message.header?.get(DLQ_REASON_HEADER) ?? '', deadAt: message.time.toISOString(), event };
  };
  return {
    kind: 'jetstream',
    async list(filter, { after, limit }) {
      const info = await jsm.streams.info(dlq).catch(() => null);
      if (!info || info.state.messages === 0) return { deadLetters: [] };
      const deadLetters: DeadLetter[] = [];
      // deleted (redriven) sequences read as missing and are passed over
      let seq = Math.max(Number(after ?? 0) + 1, info.state.first_seq);
      for (; seq <= info.state.last_seq && deadLetters.length < limit; seq++) {
        const letter = await read(seq);
        if (letter && matches(letter, filter)) deadLetters.push(letter);
      }
      return { deadLetters, ...(seq <= info.state.last_seq ? { next: String(seq - 1) } : {}) };
    },
    get: (id) => (/^[1-9]\d*$/.test(id) ? read(Number(id)) : Promise.resolve(undefined)),
    async redrive(id) {
      if (!/^[1-9]\d*$/.test(id)) return false;
      const seq = Number(id);
      const message = await jsm.streams.getMessage(dlq, { seq }).catch(() => null);
      if (!message) return false;
      const type = message.header?.get('ce-type');
      if (!type) throw new Error(`dead letter ${id} is not a CloudEvent: it cannot be redriven`);
      const hdrs = natsHeaders();
      for (const [name, values] of message.header ?? []) {
        const lower = name.toLowerCase();
        if (lower.startsWith('nats-') || lower === DLQ_REASON_HEADER || lower === DLQ_CONSUMER_HEADER) continue;
        for (const value of values) hdrs.append(name, value);
      }
      // published first, deleted after: a crash in between redrives it again, which processed_events absorbs
      await js.publish(eventSubject(stream, type), message.data, { headers: hdrs, msgID: `redrive:${seq}`, expect: { streamName: stream } });
      return jsm.streams.deleteMessage(dlq, seq, false).catch(() => true);
    },
  };
}

/** The embedded default's dead letters (table `dead_letters`); `deliver` hands an event to one consumer again. */
export function embeddedDeadLetters(db: Kysely<DB>, deliver: (consumer: string, event: EventEnvelope<unknown>) => Promise<void>): DeadLetterQueue & { record(consumer: string, event: EventEnvelope<unknown>, reason: string): Promise<void> } {
  const toLetter = (row: Awaited<ReturnType<typeof findDeadLetter>> & {}): DeadLetter => ({ id: row.id, consumer: row.consumer, reason: row.reason, deadAt: row.deadAt.toISOString(), event: row.event });
  return {
    kind: 'embedded',
    async record(consumer, event, reason) {
      await insertDeadLetter(db, consumer, event, reason);
    },
    async list(filter, { after, limit }) {
      const rows = await listDeadLetters(db, { ...filter, after, limit: limit + 1 });
      const page = rows.slice(0, limit).map(toLetter);
      return { deadLetters: page, ...(rows.length > limit ? { next: page.at(-1)!.id } : {}) };
    },
    async get(id) {
      if (!/^[1-9]\d*$/.test(id)) return undefined;
      const row = await findDeadLetter(db, id);
      return row ? toLetter(row) : undefined;
    },
    async redrive(id) {
      if (!/^[1-9]\d*$/.test(id)) return false;
      const row = await findDeadLetter(db, id);
      if (!row || !(await takeDeadLetter(db, id))) return false;
      await deliver(row.consumer, row.event);
      return true;
    },
  };
}
