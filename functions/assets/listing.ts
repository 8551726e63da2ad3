// GET /assets: every asset in the caller's projects, whatever its state (uploading, processing, failed...),
// newest first with cursor paging. Search finds what is indexed; this lists what exists.
import type { Hono } from 'hono';
import * as v from 'valibot';
import { type AssetListing, LISTING_SORTS, type ListingSort, listAssets } from '../../shared/db/assets.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { approvedOnlyProjects } from '../../shared/db/projects.ts';
import { ASSET_STATES, MEDIA_TYPES } from '../../shared/domain/asset.ts';
import { EDITORIAL_STATES } from '../../shared/domain/editorial.ts';
import { projectsWhere } from '../../shared/domain/permissions.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { badRequest, forbidden } from '../../shared/http/problem.ts';
import { ProjectId, commaList, parseOrProblem } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { cursorInstant, decodeCursor, encodeCursor, isUuid } from '../../shared/search/cursor.ts';
import { InvalidCursor } from '../../shared/search/search-index.ts';

/** Soft-deleted assets are listed apart (deleted=true, editors): every other state can be asked for. */
const LISTED_STATES = ASSET_STATES.filter((state) => state !== 'deleted');

export const ListAssetsParams = v.object({
  projectId: commaList(ProjectId),
  state: commaList(v.picklist(LISTED_STATES, `states are ${LISTED_STATES.join(', ')} (deleted assets: deleted=true)`)),
  mediaType: commaList(v.picklist(MEDIA_TYPES, `media types are ${MEDIA_TYPES.join(', ')}`)),
  editorialState: commaList(v.picklist(EDITORIAL_STATES, `editorial states are ${EDITORIAL_STATES.join(', ')}`)),
  deleted: v.optional(v.picklist(['true', 'false'], 'deleted is true or false')),
  sort: v.optional(v.picklist(LISTING_SORTS, `sort is one of ${LISTING_SORTS.join(', ')}`)),
  limit: v.pipe(v.optional(v.string(), '20'), v.transform(Number), v.integer('limit must be an integer'), v.minValue(1), v.maxValue(100)),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(1000))),
});

export function listingRoutes(app: Hono<AppEnv>, platform: Platform): void {
  app.get('/assets', async (c) => {
    const params = parseOrProblem(ListAssetsParams, c.req.query(), 'listing parameters');
    const deleted = params.deleted === 'true';
    if (deleted && params.state) throw badRequest('deleted=true lists soft-deleted assets; it cannot be combined with state');
    const action = deleted ? 'asset:edit' : 'asset:read';
    for (const projectId of params.projectId ?? []) authorize(c, action, projectId, 'project');
    const projectIds = params.projectId ?? projectsWhere(c.get('principal'), action);
    if (deleted && projectIds.length === 0) throw forbidden('listing deleted assets needs the editor role in a project');
    const sort = params.sort ?? 'newest';
    const rows = await listAssets(platform.db, {
      projectIds,
      states: deleted ? ['deleted'] : params.state ?? LISTED_STATES,
      mediaTypes: params.mediaType,
      editorialStates: params.editorialState,
      approvedOnlyProjectIds: await approvedOnlyProjects(platform.db, c.get('principal'), projectIds),
      sort,
      after: params.cursor === undefined ? undefined : listingKeyFrom(params.cursor, sort),
      limit: params.limit + 1,
    });
    const page = rows.slice(0, params.limit);
    const last = rows.length > params.limit ? page[page.length - 1] : undefined;
    const ttl = platform.config.downloadUrlTtlSeconds;
    return c.json({
      assets: await Promise.all(page.map(async (row) => ({
        ...assetSummary(row),
        thumbnailUrl: row.thumbnail_key ? await platform.store.presignGet(platform.store.buckets.renditions, row.thumbnail_key, ttl) : undefined,
      }))),
      nextCursor: last && encodeCursor(sort === 'newest' ? [last.listed_at, last.id] : [sort, sort === 'title' ? last.title : last.listed_at, last.id]),
    });
  });
}

/** The asset's own fields, as GET /assets/:id gives them (without metadata, renditions and URLs). */
export function assetSummary(asset: Asset) {
  return {
    id: asset.id,
    projectId: asset.project_id,
    state: asset.state,
    stateReason: asset.state_reason,
    editorialState: asset.editorial_state,
    progress: asset.progress,
    mediaType: asset.media_type,
    title: asset.title,
    description: asset.description,
    tags: asset.tags,
    filename: asset.filename,
    contentType: asset.content_type,
    size: Number(asset.size_bytes),
    sha256: asset.sha256,
    duplicateOf: asset.duplicate_of,
    owner: asset.owner,
    version: asset.version,
    fileVersion: asset.file_version ?? 1,
    createdAt: asset.created_at,
    updatedAt: asset.updated_at,
    deletedAt: asset.deleted_at,
    /** schema field values by name (GET /projects/:id/schema), rights included */
    fields: asset.fields ?? {},
    /** when the rights expiry began and its event was raised; null while the rights are current */
    rightsExpiredAt: asset.rights_expired_at ?? null,
  };
}

/**
 * A listing cursor is [listedAt, assetId] newest first, else [sort, key, assetId] (the key a listedAt, or a title):
 * a cursor of another order, or anything else, is 400, never a database error.
 */
function listingKeyFrom(cursor: string, sort: ListingSort): AssetListing['after'] {
  try {
    const key = decodeCursor(cursor);
    const [ofSort, value, id] = key.length === 2 ? ['newest', ...key] : key;
    const fits = key.length <= 3 && ofSort === sort && typeof value === 'string' && isUuid(id) && (sort === 'title' || Boolean(cursorInstant(value)));
    if (!fits) throw new InvalidCursor(`cursor does not belong to this listing (sort=${sort})`);
    return { key: value as string, id: id as string };
  } catch (error) {
    if (error instanceof InvalidCursor) throw badRequest(`invalid cursor: ${error.message}`);
    throw error;
  }
}
