// One export run (the scheduled `export` function, `npm run export`): bronze from the event log, then silver
// (the catalogue, from the new bronze events) and gold (aggregates of silver), under the export lock so that two
// runs never plan the same range.
import type { Kysely } from 'kysely';
import type { AnalyticsConfig } from '../config.ts';
import { exportedFiles, withExportLock } from '../db/analytics-export.ts';
import type { DB } from '../db/schema.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { BRONZE_EVENT_SCHEMA, type BronzeResult, exportBronze } from './bronze.ts';
import { PUBLICATION_OUTCOMES, writeGold } from './gold.ts';
import { readParquet } from './parquet.ts';
import { type Row, type SilverResult, buildSilver, objectBytes } from './silver.ts';

export interface ExportRun {
  /** false when another export held the lock (this run did nothing) */
  ran: boolean;
  bronze?: BronzeResult;
  /** undefined when bronze had nothing new for silver */
  silver?: Omit<SilverResult, 'rows'>;
}

export async function runExport(db: Kysely<DB>, store: ObjectStore, settings: AnalyticsConfig, options: { flush: boolean }): Promise<ExportRun> {
  const result = await withExportLock(db, async (locked) => {
    const bronze = await exportBronze(locked, store, { batchEvents: settings.batchEvents, batchMaxAgeSeconds: settings.batchMaxAgeSeconds, flush: options.flush });
    // gold is derived from the whole catalogue, so it changes exactly when silver does
    const silver = await buildSilver(locked, store, async (catalogue) => writeGold(store, catalogue, await distributionEvents(locked, store)));
    return { ran: true, bronze, silver: silver && { changed: silver.changed, assets: silver.assets, renditions: silver.renditions, builtSeq: silver.builtSeq } };
  });
  return result ?? { ran: false };
}

/**
 * The catalogue replayed from the whole of bronze (after a change to what silver holds): new silver and gold files
 * take the old ones' keys (a PUT replaces an object atomically, so readers see the old files or the new ones).
 * Bronze is brought up to date first; events arriving meanwhile reach silver in the next run.
 */
export async function replayCatalogue(db: Kysely<DB>, store: ObjectStore, settings: AnalyticsConfig): Promise<ExportRun> {
  const result = await withExportLock(db, async (locked) => {
    const bronze = await exportBronze(locked, store, { batchEvents: settings.batchEvents, batchMaxAgeSeconds: settings.batchMaxAgeSeconds, flush: true });
    const silver = await buildSilver(locked, store, async (catalogue) => writeGold(store, catalogue, await distributionEvents(locked, store)), { fromScratch: true });
    return { ran: true, bronze, silver: silver && { changed: silver.changed, assets: silver.assets, renditions: silver.renditions, builtSeq: silver.builtSeq } };
  });
  return result ?? { ran: false };
}

/** Every distribution event in bronze (their partitions only), for gold/publications.parquet. */
async function distributionEvents(db: Kysely<DB>, store: ObjectStore): Promise<Row[]> {
  const events: Row[] = [];
  for (const file of await exportedFiles(db, 'bronze')) {
    const partition = (typeof file.partition === 'string' ? JSON.parse(file.partition) : file.partition) as Record<string, string>;
    if (!Object.hasOwn(PUBLICATION_OUTCOMES, partition.type ?? '')) continue;
    events.push(...await readParquet(await objectBytes(store, store.buckets.analytics, file.key), BRONZE_EVENT_SCHEMA));
  }
  return events;
}
