// search: text, semantic and hybrid search, "more like this", filters, facets and cursor pagination over the
// read model, scoped to the caller's projects.
import { countSearch } from '../../shared/analytics/metrics.ts';
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
import { DEFAULT_SEARCH_STATES, FACETS, type FieldFilter, INDEXED_STATES, InvalidCursor, type SearchQuery, type SearchResult } from '../../shared/search/search-index.ts';

const SearchableState = v.picklist(INDEXED_STATES, `search holds ${INDEXED_STATES.join(', ')} assets; list the others with GET /assets?state=…`);
const weight = v.optional(v.pipe(v.string(), v.transform(Number), v.number('weights are numbers'), v.minValue(0), v.maxValue(100)));

/** Semantic and hybrid search embed q with the CLIP text encoder, into the space of the assets' image embeddings. */
const NO_TEXT_EMBEDDING = 'no CLIP model configured to embed the query (see docs/models.md)';

const FIELD_NAME = /^[a-z][a-zA-Z0-9_]{0,62}$/;

export const SearchParams = v.object({
  q: v.optional(userText(500)),
  mediaType: commaList(v.picklist(MEDIA_TYPES, `media types are ${MEDIA_TYPES.join(', ')}`)),
  projectId: commaList(ProjectId),
  state: commaList(SearchableState),
  editorialState: commaList(v.picklist(EDITORIAL_STATES, `editorial states are ${EDITORIAL_STATES.join(', ')}`)),
  tags: commaList(Tag),
  /** assets with every listed AI label (either language form, as the labels facet counts them) */
  labels: commaList(Tag),
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
  /** schema fields to count values of (GET /projects/:id/schema), comma-separated */
  fieldFacets: commaList(v.pipe(v.string(), v.regex(FIELD_NAME, 'fieldFacets are schema field names')), 20),
});

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Schema field filters from the query string: `field.<name>=a,b` (any of the values), `field.<name>.min=` and
 * `field.<name>.max=` (inclusive; numbers, or dates as YYYY-MM-DD). Every filter must hold.
 */
export function fieldFiltersOf(query: Record<string, string>): FieldFilter[] {
  const filters = new Map<string, FieldFilter>();
  for (const [key, raw] of Object.entries(query)) {
    const match = /^field\.([^.]+)(?:\.(min|max))?$/.exec(key);
    if (!match) continue;
    const [, name, bound] = match as unknown as [string, string, 'min' | 'max' | undefined];
    if (!FIELD_NAME.test(name)) throw badRequest(`${key}: ${name} is not a schema field name`);
    if (raw.length > 2000 || /[\u0000-\u001f]/.test(raw)) throw badRequest(`${key}: at most 2000 characters, no control characters`);
    const filter = filters.get(name) ?? { name };
    if (bound) {
      const value = raw.trim();
      if (DAY.test(value)) filter[bound] = value;
      else if (value !== '' && Number.isFinite(Number(value))) filter[bound] = Number(value);
      else throw badRequest(`${key} must be a number or a date (YYYY-MM-DD)`);
    } else {
      const values = raw.split(',').map((value) => value.trim()).filter(Boolean);
      if (values.length === 0 || values.length > 100) throw badRequest(`${key} takes 1 to 100 comma-separated values`);
      filter.values = values;
    }
    filters.set(name, filter);
  }
  if (filters.size > 20) throw badRequest('at most 20 field filters');
  for (const filter of filters.values()) {
    if (filter.min !== undefined && filter.max !== undefined && typeof filter.min !== typeof filter.max) throw badRequest(`field.${filter.name}.min and .max must both be numbers or both dates`);
  }
  return [...filters.values()];
}

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
    const fieldFilters = fieldFiltersOf(c.req.query());
    if (params.mode === 'semantic' && !params.q?.trim() && !params.moreLike) throw badRequest('mode=semantic needs q or moreLike');
    const projectIds = projectsWhere(c.get('principal'), 'asset:read');
    const query: SearchQuery = {
      q: params.q?.trim() || undefined,
      projectIds,
      // viewers find approved assets only, unless their project's settings say otherwise
      approvedOnlyProjectIds: await approvedOnlyProjects(platform.db, c.get('principal'), projectIds),
      filters: { mediaType: params.mediaType, projectId: params.projectId, state: params.state ?? [...DEFAULT_SEARCH_STATES], editorialState: params.editorialState, tags: params.tags, labels: params.labels, personIds: params.person, collectionIds: params.collection, from: params.from, to: params.to, ...(fieldFilters.length ? { fields: fieldFilters } : {}) },
      ...(params.fieldFacets?.length ? { fieldFacets: params.fieldFacets } : {}),
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
      countSearch(query.mode, result.total);
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
      fieldFacets: result.fieldFacets,
      nextCursor: result.nextCursor,
      semantic,
    });
  });
  return app;
}
