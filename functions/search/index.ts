// search: text, semantic and hybrid search, "more like this", filters, facets and cursor pagination over the
// read model, scoped to the caller's projects.
import type { Hono } from 'hono';
import * as v from 'valibot';
import { approvedOnlyProjects } from '../../shared/db/projects.ts';
import { MEDIA_TYPES } from '../../shared/domain/asset.ts';
import { EDITORIAL_STATES } from '../../shared/domain/editorial.ts';
import { projectsWhere } from '../../shared/domain/permissions.ts';
import { type AppEnv, createFunctionApp, requireAuth } from '../../shared/http/app.ts';
import { badRequest } from '../../shared/http/problem.ts';
import { Instant, ProjectId, Tag, commaList, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Config } from '../../shared/config.ts';
import type { Platform } from '../../shared/platform.ts';
import type { ClipEmbedder } from '../../shared/ai/clip.ts';
import { DEFAULT_SEARCH_STATES, FACETS, INDEXED_STATES, InvalidCursor, type SearchQuery, type SearchResult } from '../../shared/search/search-index.ts';

const SearchableState = v.picklist(INDEXED_STATES, `search holds ${INDEXED_STATES.join(', ')} assets; list the others with GET /assets?state=…`);
const weight = v.optional(v.pipe(v.string(), v.transform(Number), v.number('weights are numbers'), v.minValue(0), v.maxValue(100)));

/** Semantic and hybrid search embed q with the CLIP text encoder, into the space of the assets' image embeddings. */
const NO_TEXT_EMBEDDING = 'no CLIP model configured to embed the query (see docs/models.md)';

export const SearchParams = v.object({
  q: v.optional(userText(500)),
  mediaType: commaList(v.picklist(MEDIA_TYPES, `media types are ${MEDIA_TYPES.join(', ')}`)),
  projectId: commaList(ProjectId),
  state: commaList(SearchableState),
  editorialState: commaList(v.picklist(EDITORIAL_STATES, `editorial states are ${EDITORIAL_STATES.join(', ')}`)),
  tags: commaList(Tag),
  person: commaList(v.pipe(v.string(), v.uuid('person must be a person id'))),
  /** assets in every listed collection */
  collection: commaList(v.pipe(v.string(), v.uuid('collection must be a collection id'))),
  from: v.optional(Instant),
  to: v.optional(Instant),
  facets: v.pipe(v.optional(v.string(), FACETS.join(',')), v.transform((s) => s.split(',').filter(Boolean)), v.array(v.picklist(FACETS))),
  limit: v.pipe(v.optional(v.string(), '20'), v.transform(Number), v.integer('limit must be an integer'), v.minValue(1), v.maxValue(100)),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(1000))),
  mode: v.optional(v.picklist(['text', 'semantic', 'hybrid'])),
  moreLike: v.optional(v.pipe(v.string(), v.uuid('moreLike must be an asset id'))),
  wText: weight,
  wSemantic: weight,
  // Exact unless the caller asks: a bounded answer is faster on large catalogues and says what it estimated.
  approximate: v.optional(v.pipe(v.picklist(['true', 'false'], 'approximate is true or false'), v.transform((s) => s === 'true'))),
});

/** Embeds q with the CLIP text encoder; undefined when no CLIP model is configured. The model loads on first use. */
function queryEmbedder(config: Config): (q: string) => Promise<number[] | undefined> {
  let clip: Promise<ClipEmbedder | undefined> | undefined;
  return async (q) => {
    clip ??= import('../../shared/ai/clip.ts').then(({ loadClipEmbedder }) => loadClipEmbedder(config.models));
    clip.catch(() => (clip = undefined)); // a broken model.json fails this search and is read again next time
    const embedder = await clip;
    if (!embedder || embedder.dimension !== config.search.embeddingDimensions) return undefined;
    const [vector] = await embedder.embedTexts([q]);
    return Array.from(vector!);
  };
}

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'search');
  const embedQuery = queryEmbedder(platform.config);
  app.use('/search', requireAuth(platform));
  app.get('/search', async (c) => {
    const params = parseOrProblem(SearchParams, c.req.query(), 'search parameters');
    if (params.mode === 'semantic' && !params.q?.trim() && !params.moreLike) throw badRequest('mode=semantic needs q or moreLike');
    const projectIds = projectsWhere(c.get('principal'), 'asset:read');
    const query: SearchQuery = {
      q: params.q?.trim() || undefined,
      projectIds,
      // viewers find approved assets only, unless their project's settings say otherwise
      approvedOnlyProjectIds: await approvedOnlyProjects(platform.db, c.get('principal'), projectIds),
      filters: { mediaType: params.mediaType, projectId: params.projectId, state: params.state ?? [...DEFAULT_SEARCH_STATES], editorialState: params.editorialState, tags: params.tags, personIds: params.person, collectionIds: params.collection, from: params.from, to: params.to },
      facets: params.facets,
      limit: params.limit,
      cursor: params.cursor,
      mode: params.mode,
      moreLikeAssetId: params.moreLike,
      hybridWeights: params.wText === undefined && params.wSemantic === undefined ? undefined : { text: params.wText ?? 1, semantic: params.wSemantic ?? 1 },
      approximate: params.approximate,
    };
    const wantsVector = (query.mode === 'semantic' || query.mode === 'hybrid') && query.q && !query.moreLikeAssetId && platform.search.capabilities.vectors;
    if (wantsVector) query.vector = await embedQuery(query.q!);
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
    // With no model to embed q, say that rather than the adapter's generic "no query vector".
    const semantic = wantsVector && !query.vector ? { available: false, reason: NO_TEXT_EMBEDDING } : result.semantic;
    return c.json({
      backend: platform.search.backend,
      total: result.total,
      // set only when the caller asked for approximate=true and the match set was too large to count and rank
      // every match (see search-index.ts)
      approximate: result.approximate,
      totalIsEstimate: result.totalIsEstimate,
      facetsApproximate: result.facetsApproximate,
      rankedAmongNewest: result.rankedAmongNewest,
      hits,
      facets: result.facets,
      nextCursor: result.nextCursor,
      semantic,
    });
  });
  return app;
}
