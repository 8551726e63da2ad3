// The collection repository. A collection row carries a version (optimistic concurrency: a stale rename or
// membership change fails with ConcurrentCollectionChange); every change writes its outbox events in the same
// transaction. The order lives in collection_items.position (dense, 0-based); the domain (domain/collections.ts)
// decides the new order and this writes only the positions that changed.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { EventEnvelope } from '../events/envelope.ts';
import { enqueue } from './outbox.ts';
import type { Asset, Collection, DB } from './schema.ts';

export class ConcurrentCollectionChange extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createCollection(db: Kysely<DB>, row: { id: string; project_id: string; name: string; description: string; created_by: string }, events: (created: Collection) => EventEnvelope<unknown>[]): Promise<Collection> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('projects').values({ id: row.project_id, name: row.project_id, settings: {} }).onConflict((oc) => oc.column('id').doNothing()).execute();
    const now = new Date();
    const created = await trx.insertInto('collections').values({ ...row, version: 1, created_at: now, updated_at: now }).returningAll().executeTakeFirstOrThrow();
    await enqueue(trx, events(created));
    return created;
  });
}

export async function findCollection(db: Kysely<DB> | Transaction<DB>, id: string): Promise<Collection | undefined> {
  if (!UUID.test(id)) return undefined;
  return db.selectFrom('collections').selectAll().where('id', '=', id).executeTakeFirst();
}

export type ListedCollection = Collection & { asset_count: number };

/** A project's collections, newest first; `after` is the last row of the previous page. */
export async function listCollections(db: Kysely<DB>, projectId: string, page: { limit: number; after?: { createdAt: string; id: string } }): Promise<ListedCollection[]> {
  let query = db
    .selectFrom('collections as c')
    .selectAll('c')
    .select(sql<number>`(select count(*)::int from collection_items i join assets a on a.id = i.asset_id where i.collection_id = c.id and a.state <> 'deleted')`.as('asset_count'))
    .where('c.project_id', '=', projectId);
  const after = page.after;
  if (after) query = query.where((eb) => eb.or([eb('c.created_at', '<', new Date(after.createdAt)), eb.and([eb('c.created_at', '=', new Date(after.createdAt)), eb('c.id', '<', after.id)])]));
  return query.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(page.limit).execute();
}

/**
 * Runs `change` on the collection at `expectedVersion` inside one transaction: the row is locked and its version
 * checked first; `change` writes what it needs and returns the events; the version is bumped and the events
 * enqueued with it.
 */
export async function changeCollection<T>(
  db: Kysely<DB>,
  collectionId: string,
  /** undefined: whatever version the locked row has */
  expectedVersion: number | undefined,
  change: (trx: Transaction<DB>, collection: Collection) => Promise<{ set?: { name?: string; description?: string }; result: T; events: (updated: Collection) => EventEnvelope<unknown>[] }>,
): Promise<{ collection: Collection; result: T }> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('collections').selectAll().where('id', '=', collectionId).forUpdate().executeTakeFirst();
    if (!current || (expectedVersion !== undefined && current.version !== expectedVersion)) throw new ConcurrentCollectionChange(`collection ${collectionId} is not at version ${expectedVersion}`);
    const { set, result, events } = await change(trx, current);
    const updated = await trx
      .updateTable('collections')
      .set({ ...set, version: current.version + 1, updated_at: new Date() })
      .where('id', '=', collectionId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueue(trx, events(updated));
    return { collection: updated, result };
  });
}

/** How many of the collection's assets exist and are not deleted (what its listing shows an editor). */
export async function collectionSize(db: Kysely<DB> | Transaction<DB>, collectionId: string): Promise<number> {
  const row = await db
    .selectFrom('collection_items as i')
    .innerJoin('assets as a', 'a.id', 'i.asset_id')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('i.collection_id', '=', collectionId)
    .where('a.state', '!=', 'deleted')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The collection's asset ids in order (deleted assets included: they keep their place until removed). */
export async function collectionOrder(db: Kysely<DB> | Transaction<DB>, collectionId: string): Promise<string[]> {
  const rows = await db.selectFrom('collection_items').select('asset_id').where('collection_id', '=', collectionId).orderBy('position').execute();
  return rows.map((r) => r.asset_id);
}

/**
 * Writes a new order: ids that left are deleted, new ids inserted, and the others' positions updated where they
 * changed (`changes` from domain positionChanges). Positions are unique only in effect (no constraint), so the
 * intermediate states of the update do not collide.
 */
export async function writeOrder(trx: Transaction<DB>, collectionId: string, update: { removed?: string[]; added?: string[]; changes: { assetId: string; position: number }[]; actor: string }): Promise<void> {
  if (update.removed?.length) await trx.deleteFrom('collection_items').where('collection_id', '=', collectionId).where('asset_id', 'in', update.removed).execute();
  const added = new Set(update.added ?? []);
  const inserts = update.changes.filter((c) => added.has(c.assetId));
  const moves = update.changes.filter((c) => !added.has(c.assetId));
  if (inserts.length) {
    await trx.insertInto('collection_items').values(inserts.map((c) => ({ collection_id: collectionId, asset_id: c.assetId, position: c.position, added_by: update.actor }))).execute();
  }
  if (moves.length) {
    const values = sql.join(moves.map((m) => sql`(${m.assetId}::uuid, ${m.position}::int)`));
    await sql`update collection_items set position = v.position from (values ${values}) as v(asset_id, position)
      where collection_items.collection_id = ${collectionId} and collection_items.asset_id = v.asset_id`.execute(trx);
  }
}

export async function deleteCollection(db: Kysely<DB>, collectionId: string, events: (collection: Collection, assetIds: string[]) => EventEnvelope<unknown>[]): Promise<Collection | undefined> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('collections').selectAll().where('id', '=', collectionId).forUpdate().executeTakeFirst();
    if (!current) return undefined;
    const assetIds = await collectionOrder(trx, collectionId);
    await trx.deleteFrom('collections').where('id', '=', collectionId).execute();
    // its share links stop working with it
    await trx.updateTable('share_links').set({ revoked_at: new Date(), revoked_by: 'collection deleted' }).where('target_id', '=', collectionId).where('revoked_at', 'is', null).execute();
    await enqueue(trx, events(current, assetIds));
    return current;
  });
}

/** Assets of this project among `ids` (the others do not exist for a collection of the project). */
export async function assetsOfProject(db: Kysely<DB> | Transaction<DB>, projectId: string, ids: string[]): Promise<Pick<Asset, 'id' | 'state' | 'editorial_state'>[]> {
  const valid = ids.filter((id) => UUID.test(id));
  if (valid.length === 0) return [];
  return db.selectFrom('assets').select(['id', 'state', 'editorial_state']).where('project_id', '=', projectId).where('id', 'in', valid).execute();
}

export type CollectionAsset = Asset & { position: number; thumbnail_key: string | null };

/**
 * A page of the collection's assets in order, after position `afterPosition`. Deleted assets are left out, and
 * with `approvedOnly` every asset not approved (a viewer's view).
 */
export async function collectionAssets(db: Kysely<DB>, collectionId: string, page: { limit: number; afterPosition?: number; approvedOnly: boolean }): Promise<CollectionAsset[]> {
  let query = db
    .selectFrom('collection_items as i')
    .innerJoin('assets as a', 'a.id', 'i.asset_id')
    .leftJoin('renditions as t', (join) => join.onRef('t.asset_id', '=', 'a.id').on('t.name', '=', 'thumbnail'))
    .selectAll('a')
    .select(['i.position', 't.storage_key as thumbnail_key'])
    .where('i.collection_id', '=', collectionId)
    .where('a.state', '!=', 'deleted');
  if (page.approvedOnly) query = query.where('a.editorial_state', '=', 'approved');
  if (page.afterPosition !== undefined) query = query.where('i.position', '>', page.afterPosition);
  return query.orderBy('i.position').limit(page.limit).execute() as Promise<CollectionAsset[]>;
}

/** Whether the collection holds the asset. */
export async function collectionHolds(db: Kysely<DB>, collectionId: string, assetId: string): Promise<boolean> {
  if (!UUID.test(assetId)) return false;
  const row = await db.selectFrom('collection_items').select('asset_id').where('collection_id', '=', collectionId).where('asset_id', '=', assetId).executeTakeFirst();
  return row !== undefined;
}

/** The ids of the collections holding the asset (the search document's collection filter). */
export async function collectionIdsOf(db: Kysely<DB> | Transaction<DB>, assetId: string): Promise<string[]> {
  const rows = await db.selectFrom('collection_items').select('collection_id').where('asset_id', '=', assetId).orderBy('collection_id').execute();
  return rows.map((r) => r.collection_id);
}
