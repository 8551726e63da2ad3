// search: text, semantic and hybrid search, "more like this", filters, facets and cursor pagination over the
// read model, scoped to the caller's projects.
import type { Hono } from 'hono';
import * as v from 'valibot';
import { projectsWhere } from '../../shared/domain/permissions.ts';
import { type AppEnv, createFunctionApp, requireAuth } from '../../shared/http/app.ts';
import { badRequest } from '../../shared/http/problem.ts';
import { parseOrProblem } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { FACETS, InvalidCursor, type SearchQuery, type SearchResult } from '../../shared/search/search-index.ts';

const list = v.pipe(v.optional(v.string()), v.transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined)));
const date = v.optional(v.pipe(v.string(), v.isoTimestamp('must be an ISO 8601 date-time'), v.transform((s) => new Date(s))));
const dateOrDay = v.optional(v.union([v.pipe(v.string(), v.isoDate(), v.transform((s) => new Date(`${s}T00:00:00Z`))), date]));
const weight = v.optional(v.pipe(v.string(), v.transform(Number), v.number('weights are numbers'), v.minValue(0), v.maxValue(100)));

/** Semantic and hybrid search embed q with a text-embedding model; none is wired into the platform yet. */
const NO_TEXT_EMBEDDING = 'no text-embedding model configured';

const SearchParams = v.object({
  q: v.optional(v.pipe(v.string(), v.maxLength(500))),
  mediaType: list,
  projectId: list,
  state: list,
  tags: list,
  from: dateOrDay,
  to: dateOrDay,
  facets: v.pipe(v.optional(v.string(), FACETS.join(',')), v.transform((s) => s.split(',').filter(Boolean)), v.array(v.picklist(FACETS))),
  limit: v.pipe(v.optional(v.string(), '20'), v.transform(Number), v.integer('limit must be an integer'), v.minValue(1), v.maxValue(100)),
  cursor: v.optional(v.string()),
  mode: v.optional(v.picklist(['text', 'semantic', 'hybrid'])),
  moreLike: v.optional(v.pipe(v.string(), v.uuid('moreLike must be an asset id'))),
  wText: weight,
  wSemantic: weight,
});

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'search');
  app.use('/search', requireAuth(platform));
  app.get('/search', async (c) => {
    const params = parseOrProblem(SearchParams, c.req.query(), 'search parameters');
    if (params.mode === 'semantic' && !params.q?.trim() && !params.moreLike) throw badRequest('mode=semantic needs q or moreLike');
    const query: SearchQuery = {
      q: params.q?.trim() || undefined,
      projectIds: projectsWhere(c.get('principal'), 'asset:read'),
      filters: { mediaType: params.mediaType, projectId: params.projectId, state: params.state, tags: params.tags, from: params.from, to: params.to },
      facets: params.facets,
      limit: params.limit,
      cursor: params.cursor,
      mode: params.mode,
      moreLikeAssetId: params.moreLike,
      hybridWeights: params.wText === undefined && params.wSemantic === undefined ? undefined : { text: params.wText ?? 1, semantic: params.wSemantic ?? 1 },
    };
    let result: SearchResult;
    try {
      result = await platform.search.search(query);
    } catch (error) {
      if (error instanceof InvalidCursor) throw badRequest(`invalid cursor: ${error.message}`);
      throw error;
    }
    const ttl = platform.config.downloadUrlTtlSeconds;
    const hits = await Promise.all(result.hits.map(async (hit) => ({
      ...hit.document,
      score: hit.score,
      thumbnailUrl: hit.document.thumbnailKey ? await platform.store.presignGet(platform.store.buckets.renditions, hit.document.thumbnailKey, ttl) : undefined,
      thumbnailKey: undefined,
    })));
    // The query vector would come from q; with no model to embed it, say that rather than the adapter's generic reason.
    const semantic = !result.semantic.available && (query.mode === 'semantic' || query.mode === 'hybrid') && !query.moreLikeAssetId && query.q && platform.search.capabilities.vectors
      ? { available: false, reason: NO_TEXT_EMBEDDING }
      : result.semantic;
    return c.json({ backend: platform.search.backend, total: result.total, hits, facets: result.facets, nextCursor: result.nextCursor, semantic });
  });
  return app;
}
