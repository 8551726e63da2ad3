// The asset repository: every change bumps the version, appends to asset_events and writes its outbox
// events, all in one transaction. The unique (asset_id, version) key makes concurrent writers fail loudly.
import { type Kysely, type Transaction, sql } from 'kysely';
import { assertTransition, type AssetState } from '../domain/asset.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { enqueue } from './outbox.ts';
import type { Insertable } from 'kysely';
import type { Asset, AssetUpdate, DB, NewAsset, Rendition, RenditionsTable, Upload } from './schema.ts';

export class ConcurrentModification extends Error {}

export interface NewUpload {
  id: string;
  bucket: string;
  storage_key: string;
  multipart_upload_id: string | null;
  part_size: number | null;
  part_count: number | null;
  expires_at: Date;
}

export async function createUploadingAsset(db: Kysely<DB>, asset: Omit<NewAsset, 'version' | 'state'>, upload: NewUpload): Promise<Asset> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('projects').values({ id: asset.project_id, name: asset.project_id, settings: {} }).onConflict((oc) => oc.column('id').doNothing()).execute();
    const created = await trx.insertInto('assets').values({ ...asset, state: 'uploading', version: 1 }).returningAll().executeTakeFirstOrThrow();
    await trx.insertInto('asset_events').values({ asset_id: created.id, version: 1, type: 'created', actor: asset.owner, data: { filename: asset.filename, size: Number(asset.size_bytes), contentType: asset.content_type } }).execute();
    await trx.insertInto('uploads').values({ ...upload, asset_id: created.id, project_id: created.project_id }).execute();
    return created;
  });
}

export async function findAsset(db: Kysely<DB> | Transaction<DB>, id: string): Promise<Asset | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('assets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUploadByKey(db: Kysely<DB>, bucket: string, key: string): Promise<Upload | undefined> {
  return db.selectFrom('uploads').selectAll().where('bucket', '=', bucket).where('storage_key', '=', key).executeTakeFirst();
}

export async function findUpload(db: Kysely<DB>, id: string): Promise<Upload | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function markUploadCompleted(db: Kysely<DB>, uploadId: string): Promise<void> {
  await db.updateTable('uploads').set({ completed_at: new Date() }).where('id', '=', uploadId).execute();
}

export async function expiredUploads(db: Kysely<DB>, now: Date, limit = 100): Promise<Upload[]> {
  return db.selectFrom('uploads').selectAll().where('completed_at', 'is', null).where('expires_at', '<', now).limit(limit).execute();
}

export async function deleteUpload(db: Kysely<DB>, uploadId: string): Promise<void> {
  await db.deleteFrom('uploads').where('id', '=', uploadId).execute();
}

export async function findDuplicate(db: Kysely<DB>, projectId: string, sha256: string, excludeAssetId?: string): Promise<Asset | undefined> {
  let query = db
    .selectFrom('assets')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('sha256', '=', sha256)
    .where('state', 'not in', ['failed', 'deleted', 'uploading'])
    .where('duplicate_of', 'is', null);
  if (excludeAssetId) query = query.where('id', '!=', excludeAssetId);
  return query.orderBy('created_at').executeTakeFirst();
}

export interface AssetChange {
  /** the version the caller read; the change fails if someone else wrote in between */
  expectedVersion: number;
  set: AssetUpdate;
  history: { type: string; actor: string; data?: Record<string, unknown> };
  events?: (version: number) => EventEnvelope<unknown>[];
  /** a repository write that must commit or roll back with the change (e.g. a deleted asset's faces leaving their people) */
  alsoInTransaction?: (trx: Transaction<DB>) => Promise<void>;
}

export async function changeAsset(db: Kysely<DB>, asset: Asset, change: AssetChange): Promise<Asset> {
  if (change.set.state && change.set.state !== asset.state) assertTransition(asset.state, change.set.state as AssetState);
  return db.transaction().execute(async (trx) => {
    const version = change.expectedVersion + 1;
    const updated = await trx
      .updateTable('assets')
      .set({ ...change.set, version, updated_at: new Date() })
      .where('id', '=', asset.id)
      .where('version', '=', change.expectedVersion)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new ConcurrentModification(`asset ${asset.id} changed since version ${change.expectedVersion}`);
    await trx.insertInto('asset_events').values({ asset_id: asset.id, version, type: change.history.type, actor: change.history.actor, data: change.history.data ?? {} }).execute();
    await enqueue(trx, change.events?.(version) ?? []);
    await change.alsoInTransaction?.(trx);
    return updated;
  });
}

/** Progress is ephemeral (not history): it updates in place without a version bump. */
export async function setProgress(db: Kysely<DB>, assetId: string, progress: { stage: string; percent: number } | null): Promise<void> {
  await db.updateTable('assets').set({ progress: progress }).where('id', '=', assetId).execute();
}

export async function assetHistory(db: Kysely<DB>, assetId: string) {
  return db.selectFrom('asset_events').selectAll().where('asset_id', '=', assetId).orderBy('version').execute();
}

export async function putMetadata(db: Kysely<DB>, assetId: string, kind: 'technical' | 'descriptive' | 'ai', data: Record<string, unknown>): Promise<void> {
  await db
    .insertInto('asset_metadata')
    .values({ asset_id: assetId, kind, data })
    .onConflict((oc) => oc.columns(['asset_id', 'kind']).doUpdateSet({ data, updated_at: sql`now()` }))
    .execute();
}

export async function getMetadata(db: Kysely<DB>, assetId: string): Promise<Record<string, Record<string, unknown>>> {
  const rows = await db.selectFrom('asset_metadata').select(['kind', 'data']).where('asset_id', '=', assetId).execute();
  return Object.fromEntries(rows.map((r) => [r.kind, r.data]));
}

export async function putRendition(db: Kysely<DB>, rendition: Insertable<RenditionsTable>): Promise<void> {
  await db
    .insertInto('renditions')
    .values(rendition)
    .onConflict((oc) => oc.columns(['asset_id', 'name']).doUpdateSet({
      storage_key: rendition.storage_key,
      size_bytes: rendition.size_bytes,
      width: rendition.width,
      height: rendition.height,
      duration_seconds: rendition.duration_seconds ?? null,
      content_type: rendition.content_type,
      created_at: sql`now()`,
    }))
    .execute();
}

export async function listRenditions(db: Kysely<DB>, assetId: string): Promise<Rendition[]> {
  return db.selectFrom('renditions').selectAll().where('asset_id', '=', assetId).orderBy('name').execute();
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
