// The asset repository: every change bumps the version, appends to asset_events and writes its outbox
// events, all in one transaction. The unique (asset_id, version) key makes concurrent writers fail loudly.
import { type InsertQueryBuilder, type Kysely, type QueryCreator, type SqlBool, type Transaction, type UpdateQueryBuilder, sql } from 'kysely';
import { assertTransition, type AssetState, type MediaType } from '../domain/asset.ts';
import type { AssetChanges, AssetFacts } from '../domain/asset-commands.ts';
import type { EditorialState } from '../domain/editorial.ts';
import { checkMetadata, type MetadataKind, type MetadataKinds } from '../domain/metadata.ts';
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

/**
 * A write of the caller's made by the statement that writes the upload row (as one more common table expression):
 * committed with the asset or not at all, without a round trip of its own (bulk import notes its task's asset).
 */
export type AlsoWritten = (db: QueryCreator<DB>) => UpdateQueryBuilder<DB, any, any, any> | InsertQueryBuilder<DB, any, any>;

export async function createUploadingAsset(db: Kysely<DB>, asset: Omit<NewAsset, 'version' | 'state'>, upload: NewUpload, alsoWritten?: AlsoWritten): Promise<Asset> {
  // two statements (each a few inserts joined as common table expressions): fewer round trips, the same rows
  return db.transaction().execute(async (trx) => {
    const now = new Date();
    const created = await trx
      .with('project', (q) => q.insertInto('projects').values({ id: asset.project_id, name: asset.project_id, settings: {} }).onConflict((oc) => oc.column('id').doNothing()).returning('id'))
      .insertInto('assets').values({ created_at: now, updated_at: now, ...asset, state: 'uploading', version: 1 }).returningAll().executeTakeFirstOrThrow();
    // the caller's CTE adds no table the statement reads: the query creator stays one over DB
    const statement = (alsoWritten ? trx.with('also_written', alsoWritten) : trx) as unknown as QueryCreator<DB>;
    await statement
      .with('created_event', (q) => q.insertInto('asset_events').values({
        asset_id: created.id, version: 1, type: 'created', actor: asset.owner, data: { filename: asset.filename, size: Number(asset.size_bytes), contentType: asset.content_type },
        changes: recordedChanges(created),
      }).returning('asset_id'))
      .insertInto('uploads').values({ ...upload, asset_id: created.id, project_id: created.project_id }).execute();
    await snapshotIfDue(trx, created);
    return created;
  });
}

/** One asset of a bulk load: the row as it is now, and its renditions (keys to objects already in storage). */
export interface BulkAsset {
  asset: Omit<NewAsset, 'version'>;
  renditions: Omit<Insertable<RenditionsTable>, 'asset_id'>[];
}

const BULK_CHUNK = 500;

/**
 * Many assets already past processing (catalogue migrations, large benchmarks): each row with a single `created`
 * history entry recording every column, so the row stays the fold of its history (asset-log.ts), and its
 * renditions; a few hundred rows per statement, one transaction per chunk. No outbox events: the caller indexes.
 */
export async function createAssetsInBulk(db: Kysely<DB>, assets: BulkAsset[]): Promise<Asset[]> {
  const all: Asset[] = [];
  for (let start = 0; start < assets.length; start += BULK_CHUNK) {
    const chunk = assets.slice(start, start + BULK_CHUNK);
    await db.transaction().execute(async (trx) => {
      const projectIds = [...new Set(chunk.map((a) => a.asset.project_id))];
      await trx.insertInto('projects').values(projectIds.map((id) => ({ id, name: id, settings: {} }))).onConflict((oc) => oc.column('id').doNothing()).execute();
      const now = new Date();
      const created = await trx.insertInto('assets').values(chunk.map(({ asset }) => ({ created_at: now, updated_at: now, ...asset, version: 1 }))).returningAll().execute();
      await trx.insertInto('asset_events').values(created.map((row) => ({
        asset_id: row.id, version: 1, type: 'created', actor: row.owner, data: { filename: row.filename, size: Number(row.size_bytes), contentType: row.content_type, bulk: true },
        changes: recordedChanges(row), occurred_at: row.created_at,
      }))).execute();
      const renditions = chunk.flatMap(({ asset, renditions: list }) => list.map((r) => ({ ...r, asset_id: asset.id! })));
      if (renditions.length) await trx.insertInto('renditions').values(renditions).execute();
      all.push(...created);
    });
  }
  return all;
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

/** Open uploads past their expiry, oldest first; `after` (the last row of the previous page) pages through them. */
export async function expiredUploads(db: Kysely<DB>, now: Date, page: { limit: number; after?: Pick<Upload, 'expires_at' | 'id'> }): Promise<Upload[]> {
  let query = db.selectFrom('uploads').selectAll().where('completed_at', 'is', null).where('expires_at', '<', now);
  const after = page.after;
  if (after) query = query.where((eb) => eb.or([eb('expires_at', '>', after.expires_at), eb.and([eb('expires_at', '=', after.expires_at), eb('id', '>', after.id)])]));
  return query.orderBy('expires_at').orderBy('id').limit(page.limit).execute();
}

/** Removes an upload that is still open; false when it was completed (or removed) meanwhile. */
export async function deleteOpenUpload(db: Kysely<DB>, uploadId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('uploads').where('id', '=', uploadId).where('completed_at', 'is', null).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
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

/** Runs in the caller's transaction when given one (so its other writes commit or roll back with the change). */
export async function changeAsset(db: Kysely<DB>, asset: Asset, change: AssetChange): Promise<Asset> {
  if (change.set.state && change.set.state !== asset.state) assertTransition(asset.state, change.set.state as AssetState);
  return inTransaction(db, async (trx) => {
    const version = change.expectedVersion + 1;
    const set = { ...change.set, updated_at: new Date() };
    const updated = await trx
      .updateTable('assets')
      .set({ ...set, version })
      .where('id', '=', asset.id)
      .where('version', '=', change.expectedVersion)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new ConcurrentModification(`asset ${asset.id} changed since version ${change.expectedVersion}`);
    await trx.insertInto('asset_events').values({ asset_id: asset.id, version, type: change.history.type, actor: change.history.actor, data: change.history.data ?? {}, changes: recordedChanges(set) }).execute();
    await snapshotIfDue(trx, updated);
    await enqueue(trx, change.events?.(version) ?? []);
    await change.alsoInTransaction?.(trx);
    return updated;
  });
}

/** What the aggregate's commands (domain/asset-commands.ts) read of an asset row. */
export function factsOf(asset: Asset): AssetFacts {
  return {
    id: asset.id, projectId: asset.project_id, state: asset.state, editorialState: asset.editorial_state, mediaType: asset.media_type, contentType: asset.content_type,
    sha256: asset.sha256, size: Number(asset.size_bytes), title: asset.title, description: asset.description, tags: asset.tags,
    fields: asset.fields ?? {}, rightsExpiredAt: asset.rights_expired_at ?? null,
    fileVersion: asset.file_version ?? 1,
  };
}

/** A decision's changes as asset columns. */
export function columnsOf(changes: AssetChanges): AssetUpdate {
  const columns: AssetUpdate = {};
  if (changes.state !== undefined) columns.state = changes.state;
  if (changes.stateReason !== undefined) columns.state_reason = changes.stateReason;
  if (changes.editorialState !== undefined) columns.editorial_state = changes.editorialState;
  if (changes.sha256 !== undefined) columns.sha256 = changes.sha256;
  if (changes.storageKey !== undefined) columns.storage_key = changes.storageKey;
  if (changes.contentType !== undefined) columns.content_type = changes.contentType;
  if (changes.mediaType !== undefined) columns.media_type = changes.mediaType;
  if (changes.duplicateOf !== undefined) columns.duplicate_of = changes.duplicateOf;
  if (changes.title !== undefined) columns.title = changes.title;
  if (changes.description !== undefined) columns.description = changes.description;
  if (changes.tags !== undefined) columns.tags = changes.tags;
  if (changes.deletedAt !== undefined) columns.deleted_at = changes.deletedAt;
  // an object (never an array, which node-postgres would send as a PostgreSQL array): JSON on both drivers
  if (changes.fields !== undefined) columns.fields = { ...changes.fields };
  if (changes.rightsExpiredAt !== undefined) columns.rights_expired_at = changes.rightsExpiredAt;
  if (changes.size !== undefined) columns.size_bytes = changes.size;
  if (changes.filename !== undefined) columns.filename = changes.filename;
  if (changes.fileVersion !== undefined) columns.file_version = changes.fileVersion;
  return columns;
}

/**
 * The columns an event set, as its history entry records them (JSON, dates as ISO strings): the asset row is their
 * fold (asset-log.ts). Not the id, the version (the entry's own) or progress (ephemeral, not history).
 */
function recordedChanges(columns: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, version: _version, progress: _progress, ...recorded } = columns;
  return JSON.parse(JSON.stringify(recorded));
}

let snapshotEvery = 100;

/** SNAPSHOT_EVERY (configuration), set once at start by the platform. */
export function configureSnapshots(every: number): void {
  snapshotEvery = every;
}

async function snapshotIfDue(trx: Transaction<DB>, asset: Asset): Promise<void> {
  if (asset.version % snapshotEvery !== 0) return;
  await trx.insertInto('asset_snapshots').values({ asset_id: asset.id, version: asset.version, state: recordedChanges(asset) }).execute();
}

function inTransaction<T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<DB>) : db.transaction().execute(work);
}

/** Progress is ephemeral (not history): it updates in place without a version bump. */
export async function setProgress(db: Kysely<DB>, assetId: string, progress: { stage: string; percent: number } | null): Promise<void> {
  await db.updateTable('assets').set({ progress: progress }).where('id', '=', assetId).execute();
}

export async function assetHistory(db: Kysely<DB>, assetId: string) {
  return db.selectFrom('asset_events').selectAll().where('asset_id', '=', assetId).orderBy('version').execute();
}

/** The orders a listing can take; each pages by keyset on its own key and the id. */
export const LISTING_SORTS = ['newest', 'oldest', 'title'] as const;
export type ListingSort = (typeof LISTING_SORTS)[number];

export interface AssetListing {
  projectIds: string[];
  states: AssetState[];
  mediaTypes?: MediaType[];
  editorialStates?: EditorialState[];
  /** projects (among projectIds) whose approved assets only are listed: the caller views them (approvedOnlyProjects) */
  approvedOnlyProjectIds?: string[];
  /** newest first unless asked */
  sort?: ListingSort;
  /**
   * the previous page's last row: its key in the listing's order (listedAt for newest/oldest, the title for title)
   * and its id; only rows after it
   */
  after?: { key: string; id: string };
  limit: number;
}

export type ListedAsset = Asset & {
  /** created_at with its microseconds (ISO 8601, UTC): a page's last row marks where the next one starts */
  listed_at: string;
  thumbnail_key: string | null;
};

/**
 * Assets in the listing's order, search_after style on (created_at, id) or (title, id), so rows written between
 * pages never repeat or shift. The page is cut before the thumbnails are joined, so a page costs its own rows
 * whatever the catalogue's size (and whatever the planner's statistics say: PGlite has no autovacuum to gather them).
 */
export async function listAssets(db: Kysely<DB>, listing: AssetListing): Promise<ListedAsset[]> {
  if (listing.projectIds.length === 0 || listing.states.length === 0) return [];
  const sort = listing.sort ?? 'newest';
  let page = db
    .selectFrom('assets')
    .selectAll('assets')
    .select(sql<string>`to_char(assets.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('listed_at'))
    .where('assets.project_id', 'in', listing.projectIds)
    .where('assets.state', 'in', listing.states);
  if (listing.mediaTypes?.length) page = page.where('assets.media_type', 'in', listing.mediaTypes);
  if (listing.editorialStates?.length) page = page.where('assets.editorial_state', 'in', listing.editorialStates);
  const approvedOnly = listing.approvedOnlyProjectIds ?? [];
  if (approvedOnly.length) page = page.where((eb) => eb.or([eb('assets.project_id', 'not in', approvedOnly), eb('assets.editorial_state', '=', 'approved')]));
  const after = listing.after;
  if (after && sort === 'newest') page = page.where(sql<SqlBool>`(assets.created_at, assets.id) < (${after.key}::timestamptz, ${after.id}::uuid)`);
  if (after && sort === 'oldest') page = page.where(sql<SqlBool>`(assets.created_at, assets.id) > (${after.key}::timestamptz, ${after.id}::uuid)`);
  if (after && sort === 'title') page = page.where(sql<SqlBool>`(assets.title, assets.id) > (${after.key}, ${after.id}::uuid)`);
  page = sort === 'title'
    ? page.orderBy('assets.title', 'asc').orderBy('assets.id', 'asc')
    : page.orderBy('assets.created_at', sort === 'newest' ? 'desc' : 'asc').orderBy('assets.id', sort === 'newest' ? 'desc' : 'asc');
  let query = db
    .selectFrom(page.limit(listing.limit).as('page'))
    .leftJoin('renditions', (join) => join.onRef('renditions.asset_id', '=', 'page.id').on('renditions.name', '=', 'thumbnail'))
    .selectAll('page')
    .select('renditions.storage_key as thumbnail_key');
  query = sort === 'title'
    ? query.orderBy('page.title', 'asc').orderBy('page.id', 'asc')
    : query.orderBy('page.created_at', sort === 'newest' ? 'desc' : 'asc').orderBy('page.id', sort === 'newest' ? 'desc' : 'asc');
  return query.execute();
}

/** Writes one kind of metadata, checked against its schema (domain/metadata.ts): a wrong shape throws InvalidMetadata. */
export async function putMetadata<K extends MetadataKind>(db: Kysely<DB>, assetId: string, kind: K, data: MetadataKinds[K]): Promise<void> {
  checkMetadata(kind, data);
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
