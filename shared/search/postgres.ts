// The Postgres SearchIndex: the embedded default (PGlite) and server PostgreSQL 15 run the same SQL.
// One row per asset in search_documents: filter columns, the whole document as JSON (hits need no join)
// and a weighted tsvector built with both mediateca_es and mediateca_en (unaccent before each stemmer),
// so Spanish and English stemming both match and accents never matter.
// Semantic search uses the pgvector `embedding` column and its HNSW index (cosine) where migration 0003 could
// create them (PGlite); on a server without pgvector (Debian's PostgreSQL 15) the column is absent,
// capabilities.vectors is false and semantic queries say so instead of answering.
import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { type Fused, after as entriesAfter, byScoreThenId, rrf } from './rrf.ts';
import {
  type Facet,
  InvalidCursor,
  SEMANTIC_UNAVAILABLE,
  type SearchDocument,
  type SearchIndex,
  type SearchMode,
  type SearchQuery,
  type SearchResult,
  documentFrom,
  modeOf,
} from './search-index.ts';

const TEXT_CONFIGS = ['mediateca_es', 'mediateca_en'];
const TAG_FACET_SIZE = 20;
const FACET_COLUMNS = { mediaType: 'media_type', projectId: 'project_id', state: 'state' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Semantic and hybrid rank the top CANDIDATES of each ranking (or the page size, if larger). */
const CANDIDATES = 100;
/** HNSW candidate list per query: recall ~0.975 at 1M × 512-d measured here; the default 40 is lower. */
const EF_SEARCH = 100;
const NO_PGVECTOR = 'pgvector is not installed in this PostgreSQL: no embeddings are indexed';
const TEXT_MODE = { available: false, reason: 'text mode' };

type FacetValues = { value: string; count: number }[];

export class PostgresSearchIndex implements SearchIndex {
  readonly backend = 'postgres';
  private detection?: Promise<number | undefined>;
  /** dimensions of the embedding column; undefined until detected, or where there is none */
  private dimensions?: number;

  constructor(private readonly db: Kysely<DB>) {}

  /** vectors is known after the first upsert or search (the column is looked up once). */
  get capabilities(): { vectors: boolean } {
    return { vectors: this.dimensions !== undefined };
  }

  /** The embedding column's dimensions (its typmod), or undefined where migration 0003 found no pgvector. */
  private async vectorDimensions(): Promise<number | undefined> {
    this.detection ??= sql<{ dimensions: number }>`select atttypmod as dimensions from pg_attribute
      where attrelid = 'search_documents'::regclass and attname = 'embedding' and not attisdropped`
      .execute(this.db)
      .then((result) => result.rows[0]?.dimensions)
      .catch((error) => { this.detection = undefined; throw error; });
    this.dimensions = await this.detection;
    return this.dimensions;
  }

  async upsert(doc: SearchDocument): Promise<void> {
    const dimensions = await this.vectorDimensions();
    const { embedding, ...stored } = doc;
    if (embedding && dimensions !== undefined && embedding.length !== dimensions) {
      throw new Error(`embedding of asset ${doc.assetId} has ${embedding.length} dimensions, the index stores ${dimensions}`);
    }
    const aiText = [doc.labels?.join(' '), doc.ocrText, doc.transcript].filter((text): text is string => Boolean(text));
    const row = {
      project_id: doc.projectId,
      media_type: doc.mediaType,
      state: doc.state,
      title: doc.title,
      tags: doc.tags,
      labels: doc.labels ?? [],
      person_ids: doc.personIds ?? [],
      filename: doc.filename,
      created_at: doc.createdAt,
      captured_at: doc.capturedAt ?? null,
      // An object, not a JSON string: postgres.js would store a string as a JSON string scalar.
      // Without pgvector the embedding is not kept anywhere: reindex after installing it.
      document: { ...stored },
      search_text: [doc.title, doc.description, doc.tags.join(' '), doc.filename, ...Object.values(doc.fields), ...aiText].join('\n'),
      // The schema marks tsv as computed (never written from plain values); this is where it is computed.
      tsv: weightedVector(doc) as never,
      ...(dimensions === undefined ? {} : { embedding: embedding ? vectorLiteral(embedding) : null }),
      indexed_at: new Date(),
    };
    await this.db
      .insertInto('search_documents')
      .values({ asset_id: doc.assetId, ...row })
      .onConflict((oc) => oc.column('asset_id').doUpdateSet(row))
      .execute();
  }

  async remove(assetId: string): Promise<void> {
    if (!UUID.test(assetId)) return;
    await this.db.deleteFrom('search_documents').where('asset_id', '=', assetId).execute();
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const mode = modeOf(query);
    if (mode === 'text') return { ...(await this.textSearch(query)), semantic: TEXT_MODE };
    const vector = await this.queryVector(query);
    if ('reason' in vector) {
      const semantic = { available: false, reason: vector.reason };
      // Hybrid falls back to text and says so; semantic answers nothing rather than text dressed as semantic.
      if (mode === 'hybrid') return { ...(await this.textSearch(query)), semantic };
      return { hits: [], total: 0, facets: emptyFacets(query), semantic };
    }
    return { ...(await this.rankedSearch(query, mode, vector.vector)), semantic: { available: true } };
  }

  /** The query vector in pgvector's text form: the caller's, or the stored embedding of the "more like this" asset. */
  private async queryVector(query: SearchQuery): Promise<{ vector: string } | { reason: string }> {
    const dimensions = await this.vectorDimensions();
    if (dimensions === undefined) return { reason: NO_PGVECTOR };
    if (query.vector) {
      if (query.vector.length !== dimensions) return { reason: SEMANTIC_UNAVAILABLE.wrongDimensions(query.vector.length, dimensions) };
      return { vector: vectorLiteral(query.vector) };
    }
    const like = query.moreLikeAssetId;
    if (like === undefined) return { reason: SEMANTIC_UNAVAILABLE.noQueryVector };
    // Only an asset the caller may read can be the example: its neighbours would tell about it otherwise.
    const row = !UUID.test(like) || query.projectIds.length === 0 ? undefined : await this.db
      .selectFrom('search_documents')
      .select(sql<string>`embedding::text`.as('embedding'))
      .where('asset_id', '=', like)
      .where('project_id', 'in', query.projectIds)
      .where(sql<SqlBool>`embedding is not null`)
      .executeTakeFirst();
    return row ? { vector: row.embedding } : { reason: SEMANTIC_UNAVAILABLE.notSimilar(like) };
  }

  /**
   * Semantic: the k nearest by cosine; hybrid: RRF of the text top K and the vector top K. Either way a
   * bounded candidate list, paged search_after style on (score, assetId); total and facets count the candidates.
   */
  private async rankedSearch(query: SearchQuery, mode: Exclude<SearchMode, 'text'>, vector: string): Promise<Omit<SearchResult, 'semantic'>> {
    const key = query.cursor === undefined ? undefined : rankedKeyFrom(query.cursor, mode);
    if (query.projectIds.length === 0) return { hits: [], total: 0, facets: emptyFacets(query) };
    const k = Math.max(CANDIDATES, query.limit);
    const nearest = await this.nearest(query, vector, k);
    let candidates = nearest;
    if (mode === 'hybrid') {
      const weights = query.hybridWeights ?? { text: 1, semantic: 1 };
      const text = await this.textTop(query, k);
      candidates = rrf([{ ids: text, weight: weights.text }, { ids: nearest.map((n) => n.id), weight: weights.semantic }]);
    }
    const rest = entriesAfter(candidates, key);
    const page = rest.slice(0, query.limit);
    const ids = candidates.map((c) => c.id);
    const [documents, facetValues] = await Promise.all([
      page.length === 0 ? [] : this.db.selectFrom('search_documents').select(['asset_id', 'document']).where('asset_id', 'in', page.map((p) => p.id)).execute(),
      Promise.all(query.facets.map((facet) => (ids.length === 0 ? [] : this.facet(query, undefined, facet, ids)))),
    ]);
    const documentOf = new Map(documents.map((row) => [row.asset_id, row.document]));
    // A candidate removed since it was ranked is simply left out of the page.
    const hits = page.filter((p) => documentOf.has(p.id)).map((p) => ({ assetId: p.id, score: p.score, document: documentFrom(documentOf.get(p.id)!) }));
    const last = rest.length > query.limit ? page[page.length - 1] : undefined;
    return {
      hits,
      total: candidates.length,
      facets: Object.fromEntries(query.facets.map((facet, i) => [facet, facetValues[i]])),
      nextCursor: last && encodeCursor([mode, last.score, last.id]),
    };
  }

  /**
   * The k nearest documents in scope that pass the filters, by cosine similarity (1 - cosine distance).
   * The planner either walks the HNSW index and drops rows the filters reject, or (when the filters leave few
   * rows, e.g. a small project) reads those rows through their indexes and computes exact distances: both are
   * pre-filter-cheap cases. Walking HNSW with selective filters can end with fewer than k rows (the recall
   * caveat of filtered HNSW); pgvector ≥ 0.8's iterative scan keeps walking until k rows pass, in exact order.
   */
  private async nearest(query: SearchQuery, vector: string, k: number): Promise<Fused[]> {
    const distance = sql<number>`embedding <=> ${vector}::vector`;
    const rows = await this.db.transaction().execute(async (trx) => {
      await sql`select set_config('hnsw.ef_search', ${String(EF_SEARCH)}, true), set_config('hnsw.iterative_scan', 'strict_order', true)`.execute(trx);
      let nearest = this.matches(query, undefined, trx).select('asset_id').select(distance.as('distance')).where(sql<SqlBool>`embedding is not null`);
      if (query.moreLikeAssetId) nearest = nearest.where(sql<SqlBool>`asset_id::text <> ${query.moreLikeAssetId}`);
      return nearest.orderBy(distance).limit(k).execute();
    });
    return rows.map((row) => ({ id: row.asset_id, score: 1 - Number(row.distance) })).sort(byScoreThenId);
  }

  /** The text ranking's top k asset ids, best first (empty without q). */
  private async textTop(query: SearchQuery, k: number): Promise<string[]> {
    const tsquery = tsqueryFor(query.q?.trim() || undefined);
    if (!tsquery) return [];
    let top = this.matches(query, tsquery).select('asset_id').select(rankOf(tsquery).as('rank'));
    if (query.moreLikeAssetId) top = top.where(sql<SqlBool>`asset_id::text <> ${query.moreLikeAssetId}`);
    const rows = await top.orderBy('rank', 'desc').orderBy('asset_id', 'desc').limit(k).execute();
    return rows.map((row) => row.asset_id);
  }

  private async textSearch(query: SearchQuery): Promise<Omit<SearchResult, 'semantic'>> {
    const text = query.q?.trim() || undefined;
    const after = query.cursor === undefined ? undefined : sortKeyFrom(query.cursor, text !== undefined);
    if (query.projectIds.length === 0) return { hits: [], total: 0, facets: emptyFacets(query) };

    const tsquery = tsqueryFor(text);
    const [rows, total, facetValues] = await Promise.all([
      this.page(query, tsquery, after),
      this.matches(query, tsquery).select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
      Promise.all(query.facets.map((facet) => this.facet(query, tsquery, facet))),
    ]);

    const hits = rows.slice(0, query.limit).map((row) => ({ assetId: row.asset_id, score: row.rank ?? 0, document: documentFrom(row.document) }));
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    return {
      hits,
      total: total.total,
      facets: Object.fromEntries(query.facets.map((facet, i) => [facet, facetValues[i]])),
      nextCursor: last && encodeCursor([last.rank ?? last.created_at.toISOString(), last.asset_id]),
    };
  }

  /** Every document the query matches (scope, text, filters): the base of the page, the total and the facets. */
  private matches(query: SearchQuery, tsquery: RawBuilder<unknown> | undefined, db: Kysely<DB> = this.db) {
    const { filters } = query;
    let matches = db.selectFrom('search_documents').where('project_id', 'in', query.projectIds);
    if (tsquery) matches = matches.where(sql<SqlBool>`tsv @@ ${tsquery}`);
    if (filters.mediaType?.length) matches = matches.where('media_type', 'in', filters.mediaType);
    if (filters.projectId?.length) matches = matches.where('project_id', 'in', filters.projectId);
    if (filters.state?.length) matches = matches.where('state', 'in', filters.state);
    // @> lets the GIN index on tags find documents that carry every listed tag.
    if (filters.tags?.length) matches = matches.where(sql<SqlBool>`tags @> ${sql.val(filters.tags)}::text[]`);
    if (filters.personIds?.length) matches = matches.where(sql<SqlBool>`person_ids @> ${sql.val(filters.personIds)}::text[]`);
    if (filters.from) matches = matches.where('created_at', '>=', filters.from);
    if (filters.to) matches = matches.where('created_at', '<=', filters.to);
    return matches;
  }

  /**
   * One page, search_after style: rows strictly after the cursor's sort key, so documents written between
   * pages never shift or repeat hits. Both sort keys end with asset_id, descending like the first key, so a
   * row comparison expresses "after" and (created_at, asset_id) can be read straight off its index.
   * ts_rank_cd returns float4: the cursor carries that exact value and compares it as float4 again.
   */
  private async page(query: SearchQuery, tsquery: RawBuilder<unknown> | undefined, after: SortKey | undefined) {
    const columns = ['asset_id', 'created_at', 'document'] as const;
    if (tsquery) {
      const ranked = this.matches(query, tsquery)
        .select(columns)
        .select(rankOf(tsquery).as('rank'))
        .as('ranked');
      let page = this.db.selectFrom(ranked).selectAll();
      if (after) page = page.where(sql<SqlBool>`(rank, asset_id) < (${after.value}::float4, ${after.assetId}::uuid)`);
      return page.orderBy('rank', 'desc').orderBy('asset_id', 'desc').limit(query.limit + 1).execute();
    }
    let page = this.matches(query, undefined).select(columns).select(sql<number | null>`null`.as('rank'));
    if (after) page = page.where(sql<SqlBool>`(created_at, asset_id) < (${after.value}::timestamptz, ${after.assetId}::uuid)`);
    return page.orderBy('created_at', 'desc').orderBy('asset_id', 'desc').limit(query.limit + 1).execute();
  }

  /**
   * Counts per value over all matches (or over the given candidates), not just the page; values by count,
   * then value in byte order.
   */
  private async facet(query: SearchQuery, tsquery: RawBuilder<unknown> | undefined, facet: Facet, candidates?: string[]): Promise<FacetValues> {
    const count = sql<number>`count(*)::int`.as('count');
    const byteOrder = (column: string) => sql`${sql.ref(column)} collate "C"`;
    const matches = () => (candidates ? this.matches(query, tsquery).where('asset_id', 'in', candidates) : this.matches(query, tsquery));
    if (facet === 'tags' || facet === 'labels') {
      const values = matches().select(sql<string>`unnest(${sql.ref(facet)})`.as('value')).as('values');
      return this.db.selectFrom(values).select(['value', count]).groupBy('value').orderBy('count', 'desc').orderBy(byteOrder('value')).limit(TAG_FACET_SIZE).execute();
    }
    const column = FACET_COLUMNS[facet];
    return matches()
      .select([sql.ref<string>(column).as('value'), count])
      .groupBy(column)
      .orderBy('count', 'desc')
      .orderBy(byteOrder(column))
      .execute();
  }
}

type SortKey = { value: number | string; assetId: string };

/** With text the sort key is [rank, assetId]; without, [createdAt, assetId]. Anything else is not our cursor. */
function sortKeyFrom(cursor: string, ranked: boolean): SortKey {
  const key = decodeCursor(cursor);
  const [value, assetId] = key;
  const valueFits = ranked ? typeof value === 'number' : typeof value === 'string' && !Number.isNaN(Date.parse(value));
  if (key.length !== 2 || !valueFits || typeof assetId !== 'string' || !UUID.test(assetId)) throw new InvalidCursor('cursor does not belong to this search');
  return { value, assetId };
}

/** A ranked search's cursor: [mode, score, assetId], so a cursor of one mode never pages another. */
function rankedKeyFrom(cursor: string, mode: SearchMode): Fused {
  const key = decodeCursor(cursor);
  const [cursorMode, score, assetId] = key;
  if (key.length !== 3 || cursorMode !== mode || typeof score !== 'number' || typeof assetId !== 'string' || !UUID.test(assetId)) {
    throw new InvalidCursor('cursor does not belong to this search');
  }
  return { score, id: assetId };
}

function tsqueryFor(text: string | undefined): RawBuilder<unknown> | undefined {
  return text === undefined ? undefined : sql`(websearch_to_tsquery('mediateca_es', ${text}) || websearch_to_tsquery('mediateca_en', ${text}))`;
}

/** Weights for D, C, B, A: fields/OCR/transcript, description, tags/labels/filename, title. */
function rankOf(tsquery: RawBuilder<unknown>) {
  return sql<number>`ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', tsv, ${tsquery})`;
}

function emptyFacets(query: SearchQuery): SearchResult['facets'] {
  return Object.fromEntries(query.facets.map((facet) => [facet, []]));
}

function vectorLiteral(vector: number[]): string {
  if (!vector.every(Number.isFinite)) throw new Error('a vector holds only finite numbers');
  return `[${vector.join(',')}]`;
}

/**
 * Title A; tags, AI labels and filename B; description C; extra fields (EXIF camera, lens...), OCR text and
 * transcript D; each in both languages. Postgres has four weights, so labels share B with tags.
 */
function weightedVector(doc: SearchDocument): Expression<unknown> {
  const parts = [
    { weight: 'A', text: doc.title },
    { weight: 'B', text: [...doc.tags, ...(doc.labels ?? []), filenameText(doc.filename)].join(' ') },
    { weight: 'C', text: doc.description },
    { weight: 'D', text: [...Object.values(doc.fields), doc.ocrText ?? '', doc.transcript ?? ''].join(' ') },
  ];
  return sql.join(
    parts.flatMap(({ weight, text }) => TEXT_CONFIGS.map((config) => sql`setweight(to_tsvector(${sql.lit(config)}, ${text}::text), ${sql.lit(weight)})`)),
    sql` || `,
  );
}

/**
 * The parser reads "IMG_2041.jpg" as one host-like token; the name's parts are added beside it so
 * "IMG_2041" (img <-> 2041), "2041" and "img" all find it.
 */
function filenameText(filename: string): string {
  return `${filename} ${filename.split(/[_.-]+/).join(' ')}`;
}
