// The rows behind the trash and file versions (domain/asset-lifecycle.ts): what a purge removes, which trashed
// assets are due, and every file version of an asset with the renditions it had.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { AssetState } from '../domain/asset.ts';
import type { FileVersionFacts } from '../domain/asset-lifecycle.ts';
import type { Asset, DB, FileVersion, FileVersionState, Rendition, Upload } from './schema.ts';

/** The state an asset's latest deletion recorded (its history entry), undefined when none did. */
export async function stateBeforeDeletion(db: Kysely<DB>, assetId: string): Promise<AssetState | undefined> {
  const row = await db.selectFrom('asset_events').select('data').where('asset_id', '=', assetId).where('type', '=', 'deleted').orderBy('version', 'desc').limit(1).executeTakeFirst();
  const previous = (row?.data as { previousState?: unknown } | undefined)?.previousState;
  return typeof previous === 'string' ? (previous as AssetState) : undefined;
}

/**
 * Every row of the asset but its history and the audit log: renditions, metadata, snapshots, uploads, file versions,
 * its places in collections, the share links to it alone, and the asset itself (labels, faces and embeddings go with it: foreign keys, on delete cascade). Faces must have left their
 * people first (enrichment.ts removeAssetFaces), in the same transaction.
 */
// jsonb values go to the drivers as objects (both serialise them); a string would be stored as a JSON string.
export async function purgeAssetRows(trx: Transaction<DB>, assetId: string): Promise<void> {
  await trx.deleteFrom('renditions').where('asset_id', '=', assetId).execute();
  await trx.deleteFrom('asset_metadata').where('asset_id', '=', assetId).execute();
  await trx.deleteFrom('asset_snapshots').where('asset_id', '=', assetId).execute();
  await trx.deleteFrom('uploads').where('asset_id', '=', assetId).execute();
  await trx.deleteFrom('asset_file_versions').where('asset_id', '=', assetId).execute();
  await trx.deleteFrom('collection_items').where('asset_id', '=', assetId).execute();
  await trx.deleteFrom('share_links').where('target_type', '=', 'asset').where('target_id', '=', assetId).execute();
  await trx.deleteFrom('ai_labels').where('asset_id', '=', assetId).execute();
  await trx.deleteFrom('asset_embeddings').where('asset_id', '=', assetId).execute();
  await trx.deleteFrom('assets').where('id', '=', assetId).execute();
}

/** Locks the asset's row until the transaction ends (a purge holds it while the objects go). */
export async function lockAsset(trx: Transaction<DB>, assetId: string): Promise<Asset | undefined> {
  return trx.selectFrom('assets').selectAll().where('id', '=', assetId).forUpdate().executeTakeFirst();
}

/**
 * Trashed assets past their project's retention (settings.trashRetentionDays, else `defaultDays`), oldest first.
 * A project whose retention is 0 keeps its trash until an admin purges it.
 */
export async function trashDue(db: Kysely<DB>, now: Date, defaultDays: number, limit: number): Promise<Pick<Asset, 'id' | 'project_id' | 'deleted_at'>[]> {
  const days = sql<number>`coalesce((projects.settings->>'trashRetentionDays')::int, ${defaultDays}::int)`;
  return db
    .selectFrom('assets')
    .leftJoin('projects', 'projects.id', 'assets.project_id')
    .select(['assets.id', 'assets.project_id', 'assets.deleted_at'])
    .where('assets.state', '=', 'deleted')
    .where(sql<boolean>`${days} > 0`)
    .where(sql<boolean>`assets.deleted_at + make_interval(days => ${days}) <= ${now}`)
    .orderBy('assets.deleted_at')
    .limit(limit)
    .execute();
}

export async function fileVersions(db: Kysely<DB>, assetId: string): Promise<FileVersion[]> {
  return db.selectFrom('asset_file_versions').selectAll().where('asset_id', '=', assetId).orderBy('file_version').execute();
}

export async function findFileVersion(db: Kysely<DB>, assetId: string, fileVersion: number): Promise<FileVersion | undefined> {
  return db.selectFrom('asset_file_versions').selectAll().where('asset_id', '=', assetId).where('file_version', '=', fileVersion).executeTakeFirst();
}

export async function fileVersionOfUpload(db: Kysely<DB>, uploadId: string): Promise<FileVersion | undefined> {
  return db.selectFrom('asset_file_versions').selectAll().where('upload_id', '=', uploadId).executeTakeFirst();
}

export function versionFacts(row: FileVersion): FileVersionFacts {
  return {
    fileVersion: row.file_version, state: row.state, filename: row.filename, contentType: row.content_type, mediaType: row.media_type, size: Number(row.size_bytes),
    sha256: row.sha256, storageKey: row.storage_key, renditions: (row.renditions as { name: string }[]).map((r) => r.name).sort(),
  };
}

/** Version 1 as the asset row describes it, recorded the first time another version starts. */
export async function recordFirstVersion(trx: Transaction<DB>, asset: Asset): Promise<void> {
  await trx
    .insertInto('asset_file_versions')
    .values({
      asset_id: asset.id, file_version: asset.file_version, state: 'current', upload_id: null, filename: asset.filename, content_type: asset.content_type, media_type: asset.media_type,
      size_bytes: asset.size_bytes, expected_sha256: asset.expected_sha256, sha256: asset.sha256, storage_key: asset.storage_key, renditions: [], technical: null, created_by: asset.owner, created_at: asset.created_at,
    })
    .onConflict((oc) => oc.columns(['asset_id', 'file_version']).doNothing())
    .execute();
}

/** The upload row of a file version (a first upload's is written with its asset: assets.ts createUploadingAsset). */
export async function insertUpload(trx: Transaction<DB>, upload: Omit<Upload, 'created_at' | 'completed_at'>): Promise<void> {
  await trx.insertInto('uploads').values(upload).execute();
}

export async function insertFileVersion(trx: Transaction<DB>, row: Omit<FileVersion, 'created_at' | 'renditions' | 'technical' | 'reason'>): Promise<void> {
  await trx.insertInto('asset_file_versions').values({ ...row, renditions: [], technical: null, reason: null }).execute();
}

export async function setFileVersionState(trx: Kysely<DB>, assetId: string, fileVersion: number, state: FileVersionState, extra: { sha256?: string; reason?: string; size?: number; contentType?: string; mediaType?: string } = {}): Promise<void> {
  await trx
    .updateTable('asset_file_versions')
    .set({
      state,
      ...(extra.sha256 ? { sha256: extra.sha256 } : {}),
      ...(extra.reason ? { reason: extra.reason } : {}),
      ...(extra.size !== undefined ? { size_bytes: extra.size } : {}),
      ...(extra.contentType ? { content_type: extra.contentType } : {}),
      ...(extra.mediaType ? { media_type: extra.mediaType as FileVersion['media_type'] } : {}),
    })
    .where('asset_id', '=', assetId)
    .where('file_version', '=', fileVersion)
    .execute();
}

/**
 * The current version steps aside: its renditions and technical metadata are kept on its record and leave the
 * asset (the next version's come in their place).
 */
export async function setCurrentVersionAside(trx: Transaction<DB>, asset: Asset): Promise<void> {
  await recordFirstVersion(trx, asset);
  const renditions = await trx.selectFrom('renditions').selectAll().where('asset_id', '=', asset.id).orderBy('name').execute();
  const technical = await trx.selectFrom('asset_metadata').select('data').where('asset_id', '=', asset.id).where('kind', '=', 'technical').executeTakeFirst();
  await trx
    .updateTable('asset_file_versions')
    .set({ state: 'previous', renditions: JSON.parse(JSON.stringify(renditions)) as Record<string, unknown>[], technical: technical ? technical.data : null })
    .where('asset_id', '=', asset.id)
    .where('file_version', '=', asset.file_version)
    .execute();
  await trx.deleteFrom('renditions').where('asset_id', '=', asset.id).execute();
  await trx.deleteFrom('asset_metadata').where('asset_id', '=', asset.id).where('kind', '=', 'technical').execute();
}

/** An earlier version comes back: its kept renditions and technical metadata become the asset's again. */
export async function bringVersionBack(trx: Transaction<DB>, assetId: string, version: FileVersion): Promise<void> {
  for (const rendition of version.renditions as unknown as Rendition[]) {
    await trx.insertInto('renditions').values({ ...rendition, asset_id: assetId }).execute();
  }
  if (version.technical) {
    await trx.insertInto('asset_metadata').values({ asset_id: assetId, kind: 'technical', data: version.technical }).execute();
  }
  await trx.updateTable('asset_file_versions').set({ state: 'current', renditions: [], technical: null }).where('asset_id', '=', assetId).where('file_version', '=', version.file_version).execute();
}
