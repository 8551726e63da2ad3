// The trash: DELETE /assets/:id moves an asset there (index.ts); editors list it (GET /projects/:id/trash, or GET /assets?deleted=true)
// and restore from it; an admin purges an asset for good, and the sweep purges what has been there longer than
// the project's retention (TRASH_RETENTION_DAYS, or the project's trashRetentionDays setting).
// A purge, in one transaction that holds the asset's row: the tombstone (history entry and asset.purged), the faces
// leaving their people, every object under the asset's prefix in every bucket, the search document and every row
// but the history. An object store that fails rolls it all back: the asset stays in the trash and can be purged again.
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import { reclusterFaces } from '../../shared/ai/vision/face-clusters.ts';
import { lockAsset, purgeAssetRows, stateBeforeDeletion, trashDue, fileVersions } from '../../shared/db/asset-lifecycle.ts';
import { ConcurrentModification, factsOf, findAsset, listAssets, listRenditions } from '../../shared/db/assets.ts';
import { removeAssetFaces } from '../../shared/db/enrichment.ts';
import { projectSettings } from '../../shared/db/projects.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { CommandRefused } from '../../shared/domain/asset-commands.ts';
import { DEFAULT_TRASH_RETENTION_DAYS, purgeAsset, purgeDueAt, restoreAsset } from '../../shared/domain/asset-lifecycle.ts';
import { recordDecision } from '../../shared/events/asset-decisions.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { conflict } from '../../shared/http/problem.ts';
import { parseOrProblem } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { assetObjectsPrefix } from '../../shared/storage/keys.ts';
import { decideAndRecord, describeAsset, readableAsset, refusal } from './index.ts';
import { assetSummary } from './listing.ts';

export const TrashQuery = v.object({
  limit: v.pipe(v.optional(v.string(), '50'), v.transform(Number), v.integer('limit must be an integer'), v.minValue(1), v.maxValue(200)),
});

export function trashRoutes(app: Hono<AppEnv>, platform: Platform): void {
  // what is in the project's trash (editors), newest deletion first, with when each is purged
  app.get('/projects/:id/trash', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'asset:edit', projectId, 'project');
    const { limit } = parseOrProblem(TrashQuery, c.req.query(), 'trash query');
    const rows = await listAssets(platform.db, { projectIds: [projectId], states: ['deleted'], limit });
    const days = await retentionDays(platform, projectId);
    const items = rows.map((row) => ({ ...assetSummary(row), purgeAt: days > 0 && row.deleted_at ? purgeDueAt(new Date(row.deleted_at), days).toISOString() : null }));
    items.sort((a, b) => String(b.deletedAt ?? '').localeCompare(String(a.deletedAt ?? '')));
    return c.json({ assets: items });
  });

  app.post('/assets/:id/restore', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:edit');
    const [previous, renditions] = await Promise.all([stateBeforeDeletion(platform.db, asset.id), listRenditions(platform.db, asset.id)]);
    const restored = await decideAndRecord(c, platform, asset, () => restoreAsset(factsOf(asset), previous, renditions.map((r) => r.name)));
    c.header('ETag', `"${restored.version}"`);
    return c.json(await describeAsset(platform, restored));
  });

  app.post('/assets/:id/purge', async (c) => {
    const asset = await readableAsset(c, platform, 'project:admin');
    const outcome = await purgeOrProblem(c, platform, asset);
    return c.json({ assetId: asset.id, projectId: asset.project_id, purged: true, objectsRemoved: outcome.objects });
  });

  // an admin runs the project's retention sweep now (the scheduled one does the same for every project)
  app.post('/projects/:id/trash/purge-due', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'project:admin', projectId, 'project');
    return c.json(await purgeDueTrash(platform, new Date(), c.get('principal').subject, [projectId]));
  });
}

async function retentionDays(platform: Platform, projectId: string): Promise<number> {
  const days = (await projectSettings(platform.db, projectId)).trashRetentionDays;
  return typeof days === 'number' ? days : platform.config.trashRetentionDays ?? DEFAULT_TRASH_RETENTION_DAYS;
}

async function purgeOrProblem(c: Context<AppEnv>, platform: Platform, asset: Asset) {
  try {
    return await purgeAssetForGood(platform, asset, 'purged on request', c.get('principal').subject);
  } catch (error) {
    if (error instanceof CommandRefused) throw refusal(error);
    if (error instanceof ConcurrentModification) throw conflict(`asset ${asset.id} changed while it was being purged; reload it and try again`);
    throw error;
  }
}

/**
 * Removes the asset for good (see the top of this file). Throws CommandRefused when it is not in the trash and
 * ConcurrentModification when it changed since `asset` was read (a restore won).
 */
export async function purgeAssetForGood(platform: Platform, asset: Asset, reason: string, actor: string): Promise<{ objects: number }> {
  const { store, search } = platform;
  const buckets = [store.buckets.incoming, store.buckets.masters, store.buckets.renditions];
  let objects = 0;
  await platform.db.transaction().execute(async (trx) => {
    const locked = await lockAsset(trx, asset.id);
    if (!locked || locked.version !== asset.version) throw new ConcurrentModification(`asset ${asset.id} changed since version ${asset.version}`);
    const prefix = assetObjectsPrefix(locked.project_id, locked.id);
    const keys = new Set<string>();
    const add = (bucket: string, key: string) => keys.add(`${bucket}\n${key}`);
    for (const bucket of buckets) for await (const object of store.list(bucket, prefix)) add(bucket, object.key);
    // keys recorded outside the prefix too (none today: every key is made under it), so nothing the rows name is left
    add(store.buckets.masters, locked.storage_key);
    for (const rendition of await listRenditions(trx, locked.id)) add(store.buckets.renditions, rendition.storage_key);
    for (const version of await fileVersions(trx, locked.id)) {
      add(store.buckets.masters, version.storage_key);
      add(store.buckets.incoming, version.storage_key);
      for (const rendition of version.renditions as { storage_key?: string }[]) if (rendition.storage_key) add(store.buckets.renditions, rendition.storage_key);
    }
    const decision = purgeAsset(factsOf(locked), reason, { objects: keys.size });
    await recordDecision(trx, locked, decision, { actor });
    await removeAssetFaces(trx, locked.project_id, locked.id, reclusterFaces);
    for (const entry of keys) {
      const [bucket, key] = entry.split('\n') as [string, string];
      await store.delete(bucket, key);
    }
    if (search.inTransaction) await search.inTransaction(trx).remove(locked.id);
    await purgeAssetRows(trx, locked.id);
    objects = keys.size;
  });
  if (!search.inTransaction) await search.remove(asset.id);
  platform.outboxWritten();
  platform.logger.info({ assetId: asset.id, reason, objects, actor }, 'asset purged');
  return { objects };
}

export interface SweepReport {
  purged: number;
  /** changed meanwhile (restored), or refused: left for the next run */
  skipped: number;
  errors: number;
}

/** Purges every trashed asset past its project's retention (of `projectIds`, or all), in pages. */
export async function purgeDueTrash(platform: Platform, now: Date, actor: string, projectIds?: string[]): Promise<SweepReport> {
  const report: SweepReport = { purged: 0, skipped: 0, errors: 0 };
  const seen = new Set<string>();
  for (;;) {
    const due = (await trashDue(platform.db, now, platform.config.trashRetentionDays, 100)).filter((row) => !seen.has(row.id) && (!projectIds || projectIds.includes(row.project_id)));
    if (due.length === 0) return report;
    for (const row of due) {
      seen.add(row.id);
      const asset = await findAsset(platform.db, row.id);
      if (!asset) continue;
      try {
        await purgeAssetForGood(platform, asset, `in the trash since ${new Date(row.deleted_at!).toISOString()}, past the retention period`, actor);
        report.purged++;
      } catch (error) {
        if (error instanceof CommandRefused || error instanceof ConcurrentModification) report.skipped++;
        else {
          report.errors++;
          platform.logger.error({ assetId: row.id, error: String(error) }, 'asset not purged');
        }
      }
    }
  }
}
