// One export run (the scheduled `export` function, `npm run export`): bronze from the event log, under the
// export lock so that two runs never plan the same range.
import type { Kysely } from 'kysely';
import type { AnalyticsConfig } from '../config.ts';
import { withExportLock } from '../db/analytics-export.ts';
import type { DB } from '../db/schema.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { type BronzeResult, exportBronze } from './bronze.ts';

export interface ExportRun {
  /** false when another export held the lock (this run did nothing) */
  ran: boolean;
  bronze?: BronzeResult;
}

export async function runExport(db: Kysely<DB>, store: ObjectStore, settings: AnalyticsConfig, options: { flush: boolean }): Promise<ExportRun> {
  const result = await withExportLock(db, async (locked) => {
    const bronze = await exportBronze(locked, store, { batchEvents: settings.batchEvents, batchMaxAgeSeconds: settings.batchMaxAgeSeconds, flush: options.flush });
    return { ran: true, bronze };
  });
  return result ?? { ran: false };
}
