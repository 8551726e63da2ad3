// The analytics export's reads of the event log (the outbox) and its manifest (export_batches, export_files).
// Order: (txid, id) — see migration 0020. Only rows of transactions older than every running one are read, so a
// range once read never gains a row.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { DB, ExportBatchesTable, ExportFilesTable } from './schema.ts';

export type ExportBatch = Selectable<ExportBatchesTable>;
export type ExportFile = Selectable<ExportFilesTable>;

/** A position in the event log: a row's transaction id and outbox id. */
export interface LogPosition {
  txid: string;
  id: string;
}

/** One outbox row as the export reads it. */
export interface LoggedEvent {
  id: string;
  txid: string;
  event_id: string;
  type: string;
  source: string;
  subject: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  traceparent: string | null;
  tracestate: string | null;
}

/** Transactions below this id have all committed or aborted: their rows are final. */
export async function exportHorizon(db: Kysely<DB>): Promise<string> {
  const { rows } = await sql<{ horizon: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as horizon`.execute(db);
  return rows[0]!.horizon;
}

const eventColumns = ['id', sql<string>`txid::text`.as('txid'), 'event_id', 'type', 'source', 'subject', 'data', 'created_at', 'traceparent', 'tracestate'] as const;

/** Up to `limit` final rows after `after` (from the start when undefined), in log order. */
export async function finalEventsAfter(db: Kysely<DB>, after: LogPosition | undefined, horizon: string, limit: number): Promise<LoggedEvent[]> {
  let query = db
    .selectFrom('outbox')
    .select(eventColumns)
    .where(sql<boolean>`txid < ${horizon}::xid8`)
    .orderBy(sql`txid`)
    .orderBy('id')
    .limit(limit);
  if (after) query = query.where(sql<boolean>`(txid, id) > (${after.txid}::xid8, ${after.id}::bigint)`);
  return (await query.execute()) as LoggedEvent[];
}

/** The rows of a planned batch, in log order (the same rows every time: they were final when it was planned). */
export async function eventsOfBatch(db: Kysely<DB>, batch: ExportBatch): Promise<LoggedEvent[]> {
  return (await db
    .selectFrom('outbox')
    .select(eventColumns)
    .where(sql<boolean>`(txid, id) >= (${batch.from_txid}::xid8, ${batch.from_id}::bigint)`)
    .where(sql<boolean>`(txid, id) <= (${batch.to_txid}::xid8, ${batch.to_id}::bigint)`)
    .orderBy(sql`txid`)
    .orderBy('id')
    .execute()) as LoggedEvent[];
}

/** The newest batch (planned or written), from which the next one continues. */
export async function lastBatch(db: Kysely<DB>): Promise<ExportBatch | undefined> {
  return db.selectFrom('export_batches').selectAll().orderBy(sql`first_seq desc`).limit(1).executeTakeFirst();
}

export async function planBatch(db: Kysely<DB>, batch: { firstSeq: number; lastSeq: number; from: LogPosition; to: LogPosition }): Promise<ExportBatch> {
  return db
    .insertInto('export_batches')
    .values({ first_seq: batch.firstSeq, last_seq: batch.lastSeq, from_txid: batch.from.txid, from_id: batch.from.id, to_txid: batch.to.txid, to_id: batch.to.id, state: 'planned' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface WrittenFile {
  key: string;
  layer: string;
  partition: Record<string, string>;
  rowCount: number;
  bytes: number;
  minSeq: number;
  maxSeq: number;
}

/** Records the batch's files and marks it written, in one transaction. */
export async function recordBatchWritten(db: Kysely<DB>, firstSeq: string, files: WrittenFile[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (files.length > 0) {
      await trx
        .insertInto('export_files')
        .values(files.map((f) => ({ key: f.key, layer: f.layer, batch_first_seq: firstSeq, partition: JSON.stringify(f.partition), row_count: f.rowCount, bytes: f.bytes, min_seq: f.minSeq, max_seq: f.maxSeq })))
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
    await trx.updateTable('export_batches').set({ state: 'written', written_at: new Date() }).where('first_seq', '=', firstSeq).execute();
  });
}

export async function exportedFiles(db: Kysely<DB>, layer: string): Promise<ExportFile[]> {
  return db.selectFrom('export_files').selectAll().where('layer', '=', layer).orderBy('batch_first_seq').orderBy('key').execute();
}

/** Rows of the event log not yet in a written batch, and the age of the oldest (seconds). */
export async function exportBacklog(db: Kysely<DB>): Promise<{ pending: number; oldestSeconds: number }> {
  const last = await db.selectFrom('export_batches').select(['to_txid', 'to_id']).where('state', '=', 'written').orderBy(sql`first_seq desc`).limit(1).executeTakeFirst();
  let query = db.selectFrom('outbox').select([sql<string>`count(*)`.as('pending'), sql<string | null>`extract(epoch from now() - min(created_at))`.as('oldest')]);
  if (last) query = query.where(sql<boolean>`(txid, id) > (${last.to_txid}::xid8, ${last.to_id}::bigint)`);
  const row = await query.executeTakeFirstOrThrow();
  return { pending: Number(row.pending), oldestSeconds: Number(row.oldest ?? 0) };
}

/**
 * Runs `work` holding the export's lock (a session advisory lock on one connection): two exports at once (a
 * schedule and `npm run export`) would plan the same range twice. Resolves undefined when another holds it.
 * A process that dies loses its session, and with it the lock.
 */
export async function withExportLock<T>(db: Kysely<DB>, work: (db: Kysely<DB>) => Promise<T>): Promise<T | undefined> {
  return db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${EXPORT_LOCK}::bigint) as locked`.execute(connection);
    if (!rows[0]!.locked) return undefined;
    try {
      return await work(connection);
    } finally {
      await sql`select pg_advisory_unlock(${EXPORT_LOCK}::bigint)`.execute(connection);
    }
  });
}

/** The advisory lock key of the analytics export (an arbitrary constant: "mtex" in ASCII). */
const EXPORT_LOCK = 0x6d746578;

/** The bronze sequence number a derived layer was last built up to (0: never). */
export async function layerBuiltSeq(db: Kysely<DB>, layer: string): Promise<number> {
  const row = await db.selectFrom('export_layers').select('built_seq').where('layer', '=', layer).executeTakeFirst();
  return Number(row?.built_seq ?? 0);
}

export async function recordLayerBuilt(db: Kysely<DB>, layer: string, builtSeq: number): Promise<void> {
  await db
    .insertInto('export_layers')
    .values({ layer, built_seq: builtSeq, built_at: new Date() })
    .onConflict((oc) => oc.column('layer').doUpdateSet({ built_seq: builtSeq, built_at: new Date() }))
    .execute();
}

/** Bronze files holding events after `seq`, oldest first. */
export async function bronzeFilesAfter(db: Kysely<DB>, seq: number): Promise<ExportFile[]> {
  return db.selectFrom('export_files').selectAll().where('layer', '=', 'bronze').where('max_seq', '>', String(seq)).orderBy('batch_first_seq').orderBy('key').execute();
}

/** One asset as the silver catalogue holds it: the row, its technical metadata, labels, people and renditions. */
export interface CatalogueEntry {
  asset: Selectable<DB['assets']>;
  technical: Record<string, unknown> | null;
  labels: { label: string; status: string; confidence: number }[];
  personIds: string[];
  renditions: Selectable<DB['renditions']>[];
  /** the asset's publications, one per (asset version, channel), by channel then version */
  publications: { channel_id: string; state: string; asset_version: number; delivered_at: Date | null }[];
}

/** The current state of these assets (ids not in the database are left out), read in a few queries. */
export async function catalogueEntries(db: Kysely<DB>, assetIds: string[]): Promise<CatalogueEntry[]> {
  if (assetIds.length === 0) return [];
  const entries: CatalogueEntry[] = [];
  for (let start = 0; start < assetIds.length; start += 1000) {
    const ids = assetIds.slice(start, start + 1000);
    // one after the other: the export runs on the one connection that holds its lock
    const assets = await db.selectFrom('assets').selectAll().where('id', 'in', ids).execute();
    const technical = await db.selectFrom('asset_metadata').select(['asset_id', 'data']).where('asset_id', 'in', ids).where('kind', '=', 'technical').execute();
    const labels = await db.selectFrom('ai_labels').select(['asset_id', 'label', 'status', 'confidence']).where('asset_id', 'in', ids).orderBy('asset_id').orderBy('label').execute();
    const faces = await db.selectFrom('faces').select(['asset_id', 'person_id']).distinct().where('asset_id', 'in', ids).orderBy('asset_id').orderBy('person_id').execute();
    const renditions = await db.selectFrom('renditions').selectAll().where('asset_id', 'in', ids).orderBy('asset_id').orderBy('name').execute();
    const publications = await db.selectFrom('publications').select(['asset_id', 'channel_id', 'state', 'asset_version', 'delivered_at']).where('asset_id', 'in', ids)
      .orderBy('asset_id').orderBy('channel_id').orderBy('asset_version').execute();
    const by = <T extends { asset_id: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const row of rows) map.set(row.asset_id, [...(map.get(row.asset_id) ?? []), row]);
      return map;
    };
    const [technicalBy, labelsBy, facesBy, renditionsBy, publicationsBy] = [by(technical), by(labels), by(faces), by(renditions), by(publications)];
    for (const asset of assets) {
      entries.push({
        asset,
        technical: (technicalBy.get(asset.id)?.[0]?.data as Record<string, unknown> | undefined) ?? null,
        labels: (labelsBy.get(asset.id) ?? []).map((l) => ({ label: l.label, status: l.status, confidence: l.confidence })),
        personIds: (facesBy.get(asset.id) ?? []).map((f) => f.person_id),
        renditions: renditionsBy.get(asset.id) ?? [],
        publications: (publicationsBy.get(asset.id) ?? []).map((p) => ({
          channel_id: p.channel_id, state: p.state, asset_version: p.asset_version, delivered_at: p.delivered_at ? new Date(p.delivered_at) : null,
        })),
      });
    }
  }
  return entries;
}
