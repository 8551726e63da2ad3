// Replay of the search read model with no downtime (Kappa): every asset is projected again into a new table
// while the live table keeps serving searches and taking live writes (mirrored into the new one); the assets
// events named while the pass ran are projected once more, so no document built from an older read survives;
// then the new table takes the live one's place in one transaction.
import type { Kysely } from 'kysely';
import { assetIdsNamedSince, assetIdsPage, databaseNow } from '../db/replay.ts';
import type { DB } from '../db/schema.ts';
import { PostgresSearchIndex, REBUILD_TABLE, abortSearchRebuild, beginSearchRebuild, swapSearchRebuild } from './postgres.ts';
import type { SearchIndex } from './search-index.ts';

/** Projects one asset (its current state) into an index: `index`'s projectAsset, or a new document shape. */
export type Projection = (index: SearchIndex, assetId: string) => Promise<void>;

export interface SearchReplayResult {
  assets: number;
  /** assets projected again because events named them during the pass */
  caughtUp: number;
}

/** Events written this long before the pass started are caught up too (writers' clocks drift a little). */
const CLOCK_SLACK_MS = 5_000;

export async function replaySearch(db: Kysely<DB>, project: Projection, options: { pageSize?: number } = {}): Promise<SearchReplayResult> {
  const since = new Date((await databaseNow(db)).getTime() - CLOCK_SLACK_MS);
  await beginSearchRebuild(db);
  try {
    const rebuild = new PostgresSearchIndex(db, { table: REBUILD_TABLE });
    let assets = 0;
    for (let after: string | undefined; ;) {
      const ids = await assetIdsPage(db, after, options.pageSize ?? 500);
      if (ids.length === 0) break;
      for (const id of ids) await project(rebuild, id);
      assets += ids.length;
      after = ids.at(-1);
    }
    const changed = await assetIdsNamedSince(db, since);
    for (const id of changed) await project(rebuild, id);
    await swapSearchRebuild(db);
    return { assets, caughtUp: changed.length };
  } catch (error) {
    await abortSearchRebuild(db).catch(() => {});
    throw error;
  }
}
