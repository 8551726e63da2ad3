// Collections (albums) of a project's assets: create, rename, delete; ordered add, remove and move; the assets in
// order, paged. Editors change them, every role of the project reads them; a viewer sees only the assets they may
// see (approved ones, unless the project's settings open the rest). The domain decides the order
// (domain/collections.ts); every change is a catalog event and an audit entry.
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import { ConcurrentCollectionChange, assetsOfProject, changeCollection, collectionAssets, collectionOrder, collectionSize, createCollection, deleteCollection, findCollection, listCollections, writeOrder } from '../../shared/db/collections.ts';
import { approvedOnlyProjects } from '../../shared/db/projects.ts';
import type { Collection } from '../../shared/db/schema.ts';
import { CollectionRefused, MAX_ASSETS_PER_CHANGE, MAX_COLLECTION_DESCRIPTION_LENGTH, MAX_COLLECTION_NAME_LENGTH, MAX_COLLECTION_SIZE, moveAsset, placeAssets, positionChanges, removeAssets } from '../../shared/domain/collections.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { Problem, badRequest, conflict, notFound } from '../../shared/http/problem.ts';
import { ProjectId, jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { encodeCursor } from '../../shared/search/cursor.ts';
import { recordAudit } from './audit.ts';
import { createdKeyFrom, positionKeyFrom } from './cursors.ts';
import { assetSummary } from './listing.ts';

const Name = v.pipe(userText(MAX_COLLECTION_NAME_LENGTH), v.trim(), v.minLength(1, 'name must not be blank'));
const Position = v.pipe(v.number('position must be a number'), v.integer('position must be an integer'), v.minValue(0, 'position must be 0 or more'), v.maxValue(MAX_COLLECTION_SIZE));
const AssetId = v.pipe(v.string(), v.uuid('asset ids are uuids'));

export const NewCollection = v.strictObject({ name: Name, description: v.optional(userText(MAX_COLLECTION_DESCRIPTION_LENGTH)) });
export const CollectionPatch = v.pipe(
  v.strictObject({ name: v.optional(Name), description: v.optional(userText(MAX_COLLECTION_DESCRIPTION_LENGTH)) }),
  v.check((patch) => Object.keys(patch).length > 0, 'nothing to change: send name or description'),
);
export const AddToCollection = v.strictObject({
  assetIds: v.pipe(v.array(AssetId), v.minLength(1, 'name at least one asset'), v.maxLength(MAX_ASSETS_PER_CHANGE, `at most ${MAX_ASSETS_PER_CHANGE} assets per request`)),
  /** 0-based place of the first added asset; the end when absent */
  position: v.optional(Position),
});
export const MoveInCollection = v.strictObject({ position: Position });
export const PageParams = v.object({
  limit: v.pipe(v.optional(v.string(), '50'), v.transform(Number), v.integer('limit must be an integer'), v.minValue(1), v.maxValue(200)),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(1000))),
});

export function collectionRoutes(app: Hono<AppEnv>, platform: Platform): void {
  app.post('/projects/:id/collections', async (c) => {
    const projectId = parseOrProblem(ProjectId, c.req.param('id'), 'project id');
    authorize(c, 'collection:edit', projectId, 'project');
    const input = parseOrProblem(NewCollection, await jsonBody(c.req.raw), 'collection');
    const created = await createCollection(
      platform.db,
      { id: randomUUID(), project_id: projectId, name: input.name, description: input.description ?? '', created_by: c.get('principal').subject },
      (row) => [newEvent('io.mediateca.collection.created', EVENT_SOURCE, { collectionId: row.id, projectId, version: row.version, name: row.name }, row.id)],
    );
    platform.outboxWritten();
    await recordAudit(c, platform, { projectId, action: 'collection.created', targetType: 'collection', targetId: created.id, details: { name: created.name } });
    c.header('ETag', `"${created.version}"`);
    return c.json(describeCollection(created, 0), 201);
  });

  app.get('/projects/:id/collections', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'asset:read', projectId, 'project');
    const params = parseOrProblem(PageParams, c.req.query(), 'paging');
    const rows = await listCollections(platform.db, projectId, { limit: params.limit + 1, after: params.cursor === undefined ? undefined : createdKeyFrom(params.cursor) });
    const page = rows.slice(0, params.limit);
    const last = rows.length > params.limit ? page[page.length - 1] : undefined;
    return c.json({ collections: page.map((row) => describeCollection(row, row.asset_count)), nextCursor: last && encodeCursor([new Date(last.created_at).toISOString(), last.id]) });
  });

  app.get('/collections/:id', async (c) => {
    const collection = await readableCollection(c, platform, 'asset:read');
    c.header('ETag', `"${collection.version}"`);
    return c.json(describeCollection(collection, await collectionSize(platform.db, collection.id)));
  });

  app.patch('/collections/:id', async (c) => {
    const collection = await readableCollection(c, platform, 'collection:edit');
    const patch = parseOrProblem(CollectionPatch, await jsonBody(c.req.raw), 'collection change');
    const { collection: updated } = await change(c, platform, collection, async (_trx, current) => ({
      set: patch,
      result: undefined,
      events: (row) => (patch.name !== undefined && patch.name !== current.name
        ? [newEvent('io.mediateca.collection.renamed', EVENT_SOURCE, { collectionId: row.id, projectId: row.project_id, version: row.version, name: row.name, previousName: current.name }, row.id)]
        : []),
    }));
    await recordAudit(c, platform, { projectId: updated.project_id, action: 'collection.renamed', targetType: 'collection', targetId: updated.id, details: { ...patch, previousName: collection.name } });
    c.header('ETag', `"${updated.version}"`);
    return c.json(describeCollection(updated, await collectionSize(platform.db, updated.id)));
  });

  app.delete('/collections/:id', async (c) => {
    const collection = await readableCollection(c, platform, 'collection:edit');
    const deleted = await deleteCollection(platform.db, collection.id, (row, assetIds) => [
      newEvent('io.mediateca.collection.deleted', EVENT_SOURCE, { collectionId: row.id, projectId: row.project_id, version: row.version + 1, assetIds }, row.id),
    ]);
    if (deleted) {
      platform.outboxWritten();
      await recordAudit(c, platform, { projectId: collection.project_id, action: 'collection.deleted', targetType: 'collection', targetId: collection.id, details: { name: collection.name } });
    }
    return c.body(null, 204);
  });

  app.get('/collections/:id/assets', async (c) => {
    const collection = await readableCollection(c, platform, 'asset:read');
    const params = parseOrProblem(PageParams, c.req.query(), 'paging');
    const approvedOnly = (await approvedOnlyProjects(platform.db, c.get('principal'), [collection.project_id])).length > 0;
    const rows = await collectionAssets(platform.db, collection.id, { limit: params.limit + 1, afterPosition: params.cursor === undefined ? undefined : positionKeyFrom(params.cursor), approvedOnly });
    const page = rows.slice(0, params.limit);
    const last = rows.length > params.limit ? page[page.length - 1] : undefined;
    const ttl = platform.config.downloadUrlTtlSeconds;
    return c.json({
      collectionId: collection.id,
      assets: await Promise.all(page.map(async (row) => ({
        ...assetSummary(row),
        position: row.position,
        thumbnailUrl: row.thumbnail_key ? await platform.store.presignGet(platform.store.buckets.renditions, row.thumbnail_key, ttl) : undefined,
      }))),
      nextCursor: last && encodeCursor([last.position]),
    });
  });

  app.post('/collections/:id/assets', async (c) => {
    const collection = await readableCollection(c, platform, 'collection:edit');
    const input = parseOrProblem(AddToCollection, await jsonBody(c.req.raw), 'assets to add');
    const found = new Set((await assetsOfProject(platform.db, collection.project_id, input.assetIds)).filter((a) => a.state !== 'deleted').map((a) => a.id));
    const unknown = input.assetIds.filter((id) => !found.has(id));
    if (unknown.length) throw new Problem(422, 'Unprocessable Content', `not assets of project ${collection.project_id}: ${unknown.join(', ')}`, { assetIds: unknown });
    const { collection: updated, result } = await change(c, platform, collection, async (trx, current) => {
      const before = await collectionOrder(trx, current.id);
      const placed = placeAssets(before, input.assetIds, input.position);
      await writeOrder(trx, current.id, { added: placed.added, changes: positionChanges(before, placed.order), actor: c.get('principal').subject });
      const position = input.position ?? before.length;
      return {
        result: { ...placed, position },
        events: (row) => (placed.added.length ? [newEvent('io.mediateca.collection.assets-added', EVENT_SOURCE, { collectionId: row.id, projectId: row.project_id, version: row.version, assetIds: placed.added, position }, row.id)] : []),
      };
    });
    await recordAudit(c, platform, { projectId: updated.project_id, action: 'collection.assets-added', targetType: 'collection', targetId: updated.id, details: { assetIds: result.added, position: result.position } });
    c.header('ETag', `"${updated.version}"`);
    return c.json({ collection: describeCollection(updated, await collectionSize(platform.db, updated.id)), added: result.added, alreadyIn: result.alreadyIn });
  });

  app.delete('/collections/:id/assets/:assetId', async (c) => {
    const collection = await readableCollection(c, platform, 'collection:edit');
    const assetId = c.req.param('assetId');
    const { collection: updated, result } = await change(c, platform, collection, async (trx, current) => {
      const before = await collectionOrder(trx, current.id);
      const removal = removeAssets(before, [assetId]);
      if (removal.removed.length === 0) throw notFound(`asset ${assetId} is not in this collection`);
      await writeOrder(trx, current.id, { removed: removal.removed, changes: positionChanges(before, removal.order), actor: c.get('principal').subject });
      return {
        result: removal,
        events: (row) => [newEvent('io.mediateca.collection.assets-removed', EVENT_SOURCE, { collectionId: row.id, projectId: row.project_id, version: row.version, assetIds: removal.removed }, row.id)],
      };
    });
    await recordAudit(c, platform, { projectId: updated.project_id, action: 'collection.assets-removed', targetType: 'collection', targetId: updated.id, details: { assetIds: result.removed } });
    c.header('ETag', `"${updated.version}"`);
    return c.body(null, 204);
  });

  app.patch('/collections/:id/assets/:assetId', async (c) => {
    const collection = await readableCollection(c, platform, 'collection:edit');
    const assetId = c.req.param('assetId');
    const { position } = parseOrProblem(MoveInCollection, await jsonBody(c.req.raw), 'move');
    const { collection: updated, result } = await change(c, platform, collection, async (trx, current) => {
      const before = await collectionOrder(trx, current.id);
      const after = moveAsset(before, assetId, position);
      await writeOrder(trx, current.id, { changes: positionChanges(before, after), actor: c.get('principal').subject });
      return {
        result: after,
        events: (row) => [newEvent('io.mediateca.collection.asset-moved', EVENT_SOURCE, { collectionId: row.id, projectId: row.project_id, version: row.version, assetId, position }, row.id)],
      };
    });
    await recordAudit(c, platform, { projectId: updated.project_id, action: 'collection.asset-moved', targetType: 'collection', targetId: updated.id, details: { assetId, position } });
    c.header('ETag', `"${updated.version}"`);
    return c.json({ collection: describeCollection(updated, await collectionSize(platform.db, updated.id)), order: result });
  });
}

export function describeCollection(row: Collection, assetCount: number) {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    assetCount,
    version: row.version,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** The collection of `:id`, if the caller may act on it; another project's collection is "not found". */
export async function readableCollection(c: Context<AppEnv>, platform: Platform, action: Parameters<typeof authorize>[1]): Promise<Collection> {
  const collection = await findCollection(platform.db, c.req.param('id')!);
  if (!collection) throw notFound('collection not found');
  authorize(c, action, collection.project_id, 'collection');
  return collection;
}

/**
 * Runs a change on the collection, locked, at the client's If-Match version when given (stale: 412) or at
 * whatever version it has now; domain refusals become 400/409.
 */
async function change<T>(c: Context<AppEnv>, platform: Platform, collection: Collection, run: Parameters<typeof changeCollection<T>>[3]) {
  const ifMatch = versionFromIfMatch(c.req.header('if-match'));
  try {
    const outcome = await changeCollection(platform.db, collection.id, ifMatch, run);
    platform.outboxWritten();
    return outcome;
  } catch (error) {
    if (error instanceof CollectionRefused) throw error.problem === 'invalid' ? badRequest(error.message) : conflict(error.message);
    if (error instanceof ConcurrentCollectionChange) {
      if (ifMatch === undefined) throw notFound('collection not found');
      throw new Problem(412, 'Precondition Failed', `collection ${collection.id} was changed by someone else; reload it and try again`);
    }
    throw error;
  }
}

function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!match) throw badRequest(`If-Match must be the collection's ETag, e.g. "3"; got ${JSON.stringify(header.slice(0, 100))}`);
  return Number(match[1]);
}
