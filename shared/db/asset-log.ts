// The asset row as a projection of its history (asset_events.changes): loading it at a version or an instant
// (time travel), from the latest snapshot at or before it plus the events after (domain/asset-history.ts), and
// rebuilding the assets table from the log.
import type { Kysely } from 'kysely';
import { type Replay, replay } from '../domain/asset-history.ts';
import { type DerivedModels, projectDerived } from '../domain/asset-projections.ts';
import type { LabelFinding } from './enrichment.ts';
import type { Asset, DB, Rendition } from './schema.ts';

export interface LoadBound {
  version?: number;
  /** the asset as it was at this instant: its last event at or before it */
  asOf?: Date;
  /** replay every event from version 1, ignoring snapshots (tests compare both ways) */
  withoutSnapshots?: boolean;
}

export type LoadedAsset =
  | { found: true; asset: Asset; replayedEvents: number }
  | { found: false; reason: 'no-such-version' | 'unrecorded'; version?: number };

export async function loadAsset(db: Kysely<DB>, assetId: string, bound: LoadBound = {}): Promise<LoadedAsset> {
  let target = bound.version;
  if (target === undefined) {
    let last = db.selectFrom('asset_events').select((eb) => eb.fn.max('version').as('version')).where('asset_id', '=', assetId);
    if (bound.asOf) last = last.where('occurred_at', '<=', bound.asOf);
    target = (await last.executeTakeFirst())?.version ?? undefined;
  }
  if (target === undefined || target < 1) return { found: false, reason: 'no-such-version' };
  const snapshot = bound.withoutSnapshots ? undefined : await db
    .selectFrom('asset_snapshots').select(['version', 'state']).where('asset_id', '=', assetId).where('version', '<=', target)
    .orderBy('version', 'desc').limit(1).executeTakeFirst();
  const tail = await db
    .selectFrom('asset_events').select(['version', 'changes']).where('asset_id', '=', assetId)
    .where('version', '>', snapshot?.version ?? 0).where('version', '<=', target).orderBy('version').execute();
  if (!snapshot && tail.length === 0) return { found: false, reason: 'no-such-version' };
  if ((tail.at(-1)?.version ?? snapshot?.version) !== target) return { found: false, reason: 'no-such-version' };
  const replayed: Replay = replay(snapshot, tail);
  if (!replayed.ok) return { found: false, reason: 'unrecorded', version: replayed.unrecordedVersion };
  return { found: true, asset: rowOf(assetId, replayed.version, replayed.state), replayedEvents: tail.length };
}

/** A replayed state as the assets row it projects: JSON's strings back to dates, the ephemeral progress empty (size_bytes stays as the driver gave it when recorded). */
function rowOf(id: string, version: number, state: Record<string, unknown>): Asset {
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
  return {
    ...(state as unknown as Asset),
    id,
    version,
    progress: null,
    created_at: date(state.created_at)!,
    updated_at: date(state.updated_at)!,
    deleted_at: date(state.deleted_at),
    // migration 0030: rows replayed from before it have neither
    fields: (state.fields ?? {}) as Asset['fields'],
    rights_expired_at: date(state.rights_expired_at),
  };
}

export interface RebuildOutcome {
  rebuilt: number;
  /** assets whose history starts before events carried their changes (and with no snapshot after that) */
  unrecorded: string[];
}

/**
 * Writes every asset row (of one project, or all) again from its history; the progress column, ephemeral, is kept.
 * `onRebuilt` runs for each rebuilt asset (the search projection); pages of `pageSize` assets keep memory flat.
 */
export async function rebuildAssets(db: Kysely<DB>, options: { projectId?: string; onRebuilt?: (asset: Asset) => Promise<void>; pageSize?: number } = {}): Promise<RebuildOutcome> {
  const outcome: RebuildOutcome = { rebuilt: 0, unrecorded: [] };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    let page = db.selectFrom('assets').select('id').where('id', '>', after);
    if (options.projectId !== undefined) page = page.where('project_id', '=', options.projectId);
    const ids = (await page.orderBy('id').limit(options.pageSize ?? 500).execute()).map((row) => row.id);
    if (ids.length === 0) return outcome;
    for (const id of ids) {
      const loaded = await loadAsset(db, id);
      if (!loaded.found) {
        outcome.unrecorded.push(id);
        continue;
      }
      const { id: _id, progress: _progress, ...columns } = loaded.asset;
      await db.updateTable('assets').set(columns).where('id', '=', id).execute();
      await rebuildDerived(db, id);
      await options.onRebuilt?.(loaded.asset);
      outcome.rebuilt += 1;
    }
    after = ids.at(-1)!;
  }
}

/**
 * Writes the read models beside the asset row again from its history (domain/asset-projections.ts): renditions,
 * technical and AI metadata, labels. What the history does not record (see there) is left as it is. One transaction.
 */
export async function rebuildDerived(db: Kysely<DB>, assetId: string): Promise<DerivedModels> {
  const entries = await db.selectFrom('asset_events').select(['type', 'actor', 'data']).where('asset_id', '=', assetId).orderBy('version').execute();
  const derived = projectDerived(entries.map((entry) => ({ type: entry.type, actor: entry.actor, data: entry.data ?? {} })));
  await db.transaction().execute(async (trx) => {
    if (derived.renditions) {
      await trx.deleteFrom('renditions').where('asset_id', '=', assetId).execute();
      for (const row of derived.renditions as unknown as Rendition[]) {
        await trx.insertInto('renditions').values({ ...row, asset_id: assetId, created_at: new Date(row.created_at) }).execute();
      }
    }
    for (const [kind, data] of [['technical', derived.technical], ['ai', derived.ai]] as const) {
      if (data === undefined) continue;
      await trx.deleteFrom('asset_metadata').where('asset_id', '=', assetId).where('kind', '=', kind).execute();
      if (data !== null) await trx.insertInto('asset_metadata').values({ asset_id: assetId, kind, data }).execute();
    }
    if (derived.labels) {
      await trx.deleteFrom('ai_labels').where('asset_id', '=', assetId).execute();
      for (const label of derived.labels) {
        await trx.insertInto('ai_labels').values({ asset_id: assetId, ...label, detections: label.detections as LabelFinding['detections'] }).execute();
      }
    }
  });
  return derived;
}
