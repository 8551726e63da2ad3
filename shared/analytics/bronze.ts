// Bronze: every CloudEvent the platform emitted (the outbox is the event log), appended to Parquet files in the
// analytics bucket under bronze/events/type=<type>/date=<yyyy-mm-dd>/part-<first seq>-<last seq>.parquet.
//
// Exactly once across crashes: a batch is planned in the manifest (export_batches: its range of the log and the
// dense sequence numbers its events get) before any file is written, and marked written, with its files, after.
// A run first finishes a batch left planned by a crash, over the same rows (they were final when planned), into
// the same keys; so every event is in exactly one file, and a file is only ever put again with the same rows.
import type { Kysely } from 'kysely';
import { type ExportBatch, type LoggedEvent, type WrittenFile, eventsOfBatch, exportHorizon, finalEventsAfter, lastBatch, planBatch, recordBatchWritten } from '../db/analytics-export.ts';
import type { DB } from '../db/schema.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { type TableSchema, parquetBuffer } from './parquet.ts';

/** The columns of a bronze file: the CloudEvent's attributes, its data as JSON text, and its place in the log. */
export const BRONZE_EVENT_SCHEMA: TableSchema = {
  seq: { type: 'INT64' },
  outbox_id: { type: 'INT64' },
  specversion: { type: 'UTF8' },
  id: { type: 'UTF8' },
  type: { type: 'UTF8' },
  source: { type: 'UTF8' },
  subject: { type: 'UTF8', optional: true },
  time: { type: 'TIMESTAMP_MILLIS' },
  datacontenttype: { type: 'UTF8' },
  data: { type: 'UTF8' },
  /** the W3C trace context extensions, when tracing was on */
  traceparent: { type: 'UTF8', optional: true },
  tracestate: { type: 'UTF8', optional: true },
};

export const BRONZE_PREFIX = 'bronze/events/';

export interface BronzeOptions {
  /** events per batch (file set) */
  batchEvents: number;
  /** a smaller batch is written once its oldest event is this old… */
  batchMaxAgeSeconds: number;
  /** …or at once when true (`npm run export`) */
  flush: boolean;
  now?: () => Date;
}

export interface BronzeResult {
  batches: number;
  events: number;
  files: string[];
}

/** Exports every final event not yet in bronze, batch by batch. The caller holds the export lock. */
export async function exportBronze(db: Kysely<DB>, store: ObjectStore, options: BronzeOptions): Promise<BronzeResult> {
  const result: BronzeResult = { batches: 0, events: 0, files: [] };
  for (;;) {
    const batch = await nextBatch(db, options);
    if (!batch) return result;
    const files = await writeBatch(db, store, batch);
    result.batches += 1;
    result.events += Number(batch.last_seq) - Number(batch.first_seq) + 1;
    result.files.push(...files.map((f) => f.key));
  }
}

/** A batch left planned by a crash, else a new one planned from the log, else undefined (nothing due). */
export async function nextBatch(db: Kysely<DB>, options: BronzeOptions): Promise<ExportBatch | undefined> {
  const last = await lastBatch(db);
  if (last?.state === 'planned') return last;
  const horizon = await exportHorizon(db);
  const after = last ? { txid: last.to_txid, id: last.to_id } : undefined;
  const events = await finalEventsAfter(db, after, horizon, options.batchEvents);
  if (events.length === 0) return undefined;
  const now = (options.now ?? (() => new Date()))();
  const oldestAgeSeconds = (now.getTime() - new Date(events[0]!.created_at).getTime()) / 1000;
  if (events.length < options.batchEvents && !options.flush && oldestAgeSeconds < options.batchMaxAgeSeconds) return undefined;
  const firstSeq = last ? Number(last.last_seq) + 1 : 1;
  const [first, final] = [events[0]!, events.at(-1)!];
  return planBatch(db, { firstSeq, lastSeq: firstSeq + events.length - 1, from: { txid: first.txid, id: first.id }, to: { txid: final.txid, id: final.id } });
}

/** Writes a planned batch's files (one per type and date) and records them; the batch is then written. */
export async function writeBatch(db: Kysely<DB>, store: ObjectStore, batch: ExportBatch): Promise<WrittenFile[]> {
  const events = await eventsOfBatch(db, batch);
  const expected = Number(batch.last_seq) - Number(batch.first_seq) + 1;
  if (events.length !== expected) throw new Error(`export batch ${batch.first_seq}: the log holds ${events.length} events in its range, the manifest planned ${expected}`);
  const partitions = new Map<string, { type: string; date: string; rows: Record<string, unknown>[] }>();
  events.forEach((event, index) => {
    const seq = Number(batch.first_seq) + index;
    const partition = { type: event.type, date: utcDate(event.created_at) };
    const name = `type=${partition.type}/date=${partition.date}`;
    if (!partitions.has(name)) partitions.set(name, { ...partition, rows: [] });
    partitions.get(name)!.rows.push(bronzeRow(event, seq));
  });
  const files: WrittenFile[] = [];
  for (const [name, partition] of partitions) {
    const key = `${BRONZE_PREFIX}${name}/part-${pad(batch.first_seq)}-${pad(batch.last_seq)}.parquet`;
    const body = await parquetBuffer(BRONZE_EVENT_SCHEMA, partition.rows);
    await store.put(store.buckets.analytics, key, body, 'application/vnd.apache.parquet', body.length);
    const seqs = partition.rows.map((row) => row.seq as number);
    files.push({ key, layer: 'bronze', partition: { type: partition.type, date: partition.date }, rowCount: partition.rows.length, bytes: body.length, minSeq: seqs[0]!, maxSeq: seqs.at(-1)! });
  }
  await recordBatchWritten(db, batch.first_seq, files);
  return files;
}

function bronzeRow(event: LoggedEvent, seq: number): Record<string, unknown> {
  return {
    seq,
    outbox_id: Number(event.id),
    specversion: '1.0',
    id: event.event_id,
    type: event.type,
    source: event.source,
    subject: event.subject,
    time: new Date(event.created_at),
    datacontenttype: 'application/json',
    data: typeof event.data === 'string' ? event.data : JSON.stringify(event.data),
    traceparent: event.traceparent,
    tracestate: event.tracestate,
  };
}

function utcDate(value: Date | string): string {
  return new Date(value).toISOString().slice(0, 10);
}

/** Sequence numbers padded so keys sort in log order. */
function pad(seq: number | string): string {
  return String(seq).padStart(12, '0');
}
