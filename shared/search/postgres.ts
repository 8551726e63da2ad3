// The Postgres SearchIndex: the embedded default (PGlite) and server PostgreSQL 15 run the same SQL.
// One row per asset in search_documents: filter columns, the whole document as JSON (hits need no join)
// and a weighted tsvector built with both mediateca_es and mediateca_en (unaccent before each stemmer),
// so Spanish and English stemming both match and accents never matter.
// Semantic search uses the pgvector `embedding` column where migration 0003 could create it: on a server with
// pgvector through its HNSW index (cosine); on PGlite through the term index's native HNSW graph, whose candidates
// are scored here by pgvector's exact distance (SQL computes exact distances itself until the graph is built).
// On a server without pgvector (Debian's PostgreSQL 15) the column is absent, capabilities.vectors is false and
// semantic queries say so instead of answering.
// Text search and listings are exact by default: one statement collects every match through the GIN indexes,
// ranks all of them with ts_rank_cd for the top k, counts them and groups their facet values. A caller that
// asks for an approximate answer (query.approximate) gets the bounded path instead: the newest NEWEST_MATCHES
// matches only, a flat cost as the catalogue grows, and a result that says what is approximate (search-index.ts).
// On PGlite a term index (term-index.ts) answers word queries and filtered listings from memory with the very same
// exact answer, where it can; SQL answers the rest.
import { type Expression, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool, type Transaction, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { truncateUtf8 } from '../domain/text.ts';
import { labelsByConfidence, ocrIndexText } from './analysis.ts';
import { RANK_WEIGHTS, TAG_FACET_SIZE, type TermAnswer, type TermIndex } from './term-index.ts';
import { cursorInstant, decodeCursor, encodeCursor, isUuid } from './cursor.ts';
import { type Fused, after as entriesAfter, byScoreThenId, rrf } from './rrf.ts';
import {
  type Facet,
  FIELD_FACET_SIZE,
  type FieldFilter,
  InvalidCursor,
  type SearchDocument,
  type SearchIndex,
  type SearchMode,
  type SearchQuery,
  type SearchResult,
  SEMANTIC_UNAVAILABLE,
  documentFrom,
  emptyFacets,
  queryVectorSource,
  searchByMode,
  storedForms,
} from './search-index.ts';

const TEXT_CONFIGS = ['mediateca_es', 'mediateca_en'];
const FACET_COLUMNS = { mediaType: 'media_type', projectId: 'project_id', state: 'state', tags: 'tags', labels: 'labels' } as const;
/**
 * Approximate queries only: text ranking, totals and facets look at the newest NEWEST_MATCHES matches at most
 * (ranking and counting every one of ~30k matches at 1M assets took ~1 s). Fewer matches are exact; more are
 * flagged approximate.
 * Finding them walks the created_at index and tests each newer row (~5 µs a row in PGlite): a word in 4 % of
 * the documents costs ~6k rows for 250 matches, ~25k for 1,000 (docs/benchmarks.md).
 */
export const NEWEST_MATCHES = 250;

export interface PostgresSearchOptions {
  /** how many newest matches text search ranks and counts (NEWEST_MATCHES); tests make it small */
  newestMatches?: number;
  /** the table holding the documents: search_documents, or the table a replay builds (REBUILD_TABLE) */
  table?: string;
  /** PGlite only (one connection, so one commit order): the in-memory term index of search_documents */
  termIndex?: TermIndex;
}
/** Documents per statement in upsertMany: ~25 parameters a row stays far below the protocol's 65,535. */
const UPSERT_BATCH = 500;
/** Semantic and hybrid rank the top CANDIDATES of each ranking (or the page size, if larger). */
const CANDIDATES = 100;
/** HNSW candidate list per query: recall ~0.975 at 1M × 512-d measured here; the default 40 is lower. */
const EF_SEARCH = 100;
const NO_PGVECTOR = 'pgvector is not installed in this PostgreSQL: no embeddings are indexed';

export class PostgresSearchIndex implements SearchIndex {
  readonly backend = 'postgres';
  private detection?: Promise<number | undefined>;
  /** dimensions of the embedding column; undefined until detected, or where there is none */
  private dimensions?: number;

  private readonly newestMatchesLimit: number;
  /** typed as the live table: a rebuild table is created LIKE it, with the same columns */
  private readonly table: 'search_documents';
  private readonly termIndex?: TermIndex;
  /** set on the copy bound to a search's own transaction: the term index answers from that snapshot only */
  private searchSnapshot?: Transaction<DB>;

  constructor(private readonly db: Kysely<DB>, options: PostgresSearchOptions = {}) {
    this.newestMatchesLimit = options.newestMatches ?? NEWEST_MATCHES;
    this.table = (options.table ?? 'search_documents') as 'search_documents';
    this.termIndex = options.table === undefined || options.table === 'search_documents' ? options.termIndex : undefined;
  }

  /** vectors is known after the first upsert or search (the column is looked up once). */
  get capabilities(): { vectors: boolean } {
    return { vectors: this.dimensions !== undefined };
  }

  /** The embedding column's dimensions (its typmod), or undefined where migration 0003 found no pgvector. */
  private async vectorDimensions(): Promise<number | undefined> {
    this.detection ??= sql<{ dimensions: number }>`select atttypmod as dimensions from pg_attribute
      where attrelid = ${this.table}::regclass and attname = 'embedding' and not attisdropped`
      .execute(this.db)
      .then((result) => result.rows[0]?.dimensions)
      .catch((error) => { this.detection = undefined; throw error; });
    this.dimensions = await this.detection;
    return this.dimensions;
  }

  inTransaction(trx: Transaction<DB>): PostgresSearchIndex {
    const bound = new PostgresSearchIndex(trx, { newestMatches: this.newestMatchesLimit, table: this.table, termIndex: this.termIndex });
    bound.detection = this.detection;
    bound.dimensions = this.dimensions;
    return bound;
  }

  async upsert(doc: SearchDocument): Promise<void> {
    await this.upsertMany([doc]);
  }

  /** Multi-row inserts of UPSERT_BATCH rows: one statement per batch instead of one per document. */
  async upsertMany(documents: SearchDocument[]): Promise<void> {
    const dimensions = await this.vectorDimensions();
    // One statement cannot update the same row twice: the last version of a document wins, as with upsert.
    const latest = [...new Map(documents.map((doc) => [doc.assetId, doc])).values()];
    for (let start = 0; start < latest.length; start += UPSERT_BATCH) {
      const rows = latest.slice(start, start + UPSERT_BATCH).map((doc) => rowOf(doc, dimensions));
      await this.db
        .insertInto(this.table)
        .values(rows)
        .onConflict((oc) => oc.column('asset_id').doUpdateSet(Object.fromEntries(Object.keys(rows[0]!).filter((column) => column !== 'asset_id').map((column) => [column, sql.ref(`excluded.${column}`)]))))
        .execute();
    }
  }

  async remove(assetId: string): Promise<void> {
    if (!isUuid(assetId)) return;
    await this.db.deleteFrom(this.table).where('asset_id', '=', assetId).execute();
  }

  /**
   * The statements of one search (page, count, facets, documents) run in one read-only REPEATABLE READ
   * transaction, so they all see one snapshot: a write committed between them cannot make the total disagree with
   * the hits. On server PostgreSQL that is what the isolation level gives; PGlite has one connection, which the
   * transaction holds for the whole search, so no other statement can run between them either. Inside a caller's
   * transaction (inTransaction) the search sees that transaction's snapshot.
   */
  async search(query: SearchQuery): Promise<SearchResult> {
    // detected once, outside the transaction, so that this index (not a bound copy) remembers the dimensions
    await this.vectorDimensions();
    const searchIn = (index: PostgresSearchIndex) => searchByMode(query, {
      textSearch: (q) => index.textSearch(q),
      queryVector: (q) => index.queryVector(q),
      rankedSearch: (q, mode, vector) => index.rankedSearch(q, mode, vector),
    });
    if (this.db.isTransaction) return searchIn(this);
    return this.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute((trx) => {
      const bound = this.inTransaction(trx);
      bound.searchSnapshot = trx;
      return searchIn(bound);
    });
  }

  /**
   * The term index's exact answer in this search's snapshot (text: the tsquery's text form, analysed here), or
   * undefined where it cannot give one: no term index, a caller's own transaction (its uncommitted writes), not built.
   */
  private async termAnswer(query: SearchQuery, text: string | undefined, options: { limit: number; after?: SortKey; exclude?: string }): Promise<TermAnswer | undefined> {
    const trx = this.searchSnapshot;
    const terms = this.termIndex && trx && (await this.termIndex.inSnapshot(trx));
    if (!terms) return undefined;
    const tsquery = text === undefined ? undefined : (await sql<{ q: string }>`select ${tsqueryFor(text)!}::text as q`.execute(trx!)).rows[0]!.q;
    const after = options.after && { rank: options.after.value as number, assetId: options.after.assetId };
    return terms.answer(query, tsquery, { limit: options.limit, after, exclude: options.exclude });
  }

  /** The query vector in pgvector's text form: the caller's, or the stored embedding of the "more like this" asset. */
  private async queryVector(query: SearchQuery): Promise<{ vector: string } | { reason: string }> {
    const dimensions = await this.vectorDimensions();
    if (dimensions === undefined) return { reason: NO_PGVECTOR };
    const source = queryVectorSource(query, dimensions);
    if ('vector' in source) return { vector: vectorLiteral(source.vector) };
    if ('reason' in source) return source;
    const { like } = source;
    const row = !isUuid(like) || query.projectIds.length === 0 ? undefined : await this.db
      .selectFrom(this.table)
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
    let rankedAmongNewest: number | undefined;
    if (mode === 'hybrid') {
      const weights = query.hybridWeights ?? { text: 1, semantic: 1 };
      const text = await this.textTop(query, k);
      rankedAmongNewest = text.rankedAmongNewest;
      candidates = rrf([{ ids: text.ids, weight: weights.text }, { ids: nearest.map((n) => n.id), weight: weights.semantic }]);
    }
    const rest = entriesAfter(candidates, key);
    const page = rest.slice(0, query.limit);
    const documentOf = await this.documents(page.map((p) => p.id));
    // A candidate removed since it was ranked is simply left out of the page.
    const hits = page.filter((p) => documentOf.has(p.id)).map((p) => ({ assetId: p.id, score: p.score, document: documentOf.get(p.id)! }));
    const last = rest.length > query.limit ? page[page.length - 1] : undefined;
    const candidateIds = candidates.map((c) => c.id);
    return {
      hits,
      total: candidates.length,
      ...(query.fieldFacets?.length
        ? { fieldFacets: await this.fieldFacetCounts(query, this.db.selectFrom(this.table).where('asset_id', 'in', candidateIds.length ? candidateIds : ['00000000-0000-0000-0000-000000000000'])) }
        : {}),
      facets: facetsOf(query.facets, await this.facetRows(candidates.map((c) => c.id), query.facets), 1),
      nextCursor: last && encodeCursor([mode, last.score, last.id]),
      ...(rankedAmongNewest ? { approximate: true, rankedAmongNewest } : {}),
    };
  }

  /**
   * The k nearest documents in scope that pass the filters, by cosine similarity (1 - cosine distance): the term
   * index's candidates scored exactly where it has them (PGlite), else in SQL. There the planner either walks the
   * HNSW index (a server with pgvector) and drops rows the filters reject, or (when the filters leave few rows, e.g.
   * a small project, or on PGlite, which keeps no vector index) reads those rows through their indexes and computes
   * exact distances. Walking HNSW with selective filters can end with fewer than k rows (the recall
   * caveat of filtered HNSW); pgvector ≥ 0.8's iterative scan keeps walking until k rows pass, in exact order.
   */
  private async nearest(query: SearchQuery, vector: string, k: number): Promise<Fused[]> {
    const distance = sql<number>`embedding <=> ${vector}::vector`;
    const candidates = await this.nearestCandidates(query, vector, k);
    if (candidates) {
      const scored = candidates.length ? await this.db.selectFrom(this.table).select('asset_id').select(distance.as('distance')).where('asset_id', 'in', candidates).execute() : [];
      return scored.map((row) => ({ id: row.asset_id, score: 1 - Number(row.distance) })).sort(byScoreThenId).slice(0, k);
    }
    // local to the search's transaction (search)
    await sql`select set_config('hnsw.ef_search', ${String(EF_SEARCH)}, true), set_config('hnsw.iterative_scan', 'strict_order', true)`.execute(this.db);
    let nearest = this.matches(query, undefined).select('asset_id').select(distance.as('distance')).where(sql<SqlBool>`embedding is not null`);
    if (query.moreLikeAssetId) nearest = nearest.where(sql<SqlBool>`asset_id::text <> ${query.moreLikeAssetId}`);
    const rows = await nearest.orderBy(distance).limit(k).execute();
    return rows.map((row) => ({ id: row.asset_id, score: 1 - Number(row.distance) })).sort(byScoreThenId);
  }

  /**
   * The term index's candidates for the k nearest in this search's snapshot (its HNSW graph, more than k of them),
   * or undefined where it has none to give: SQL then finds them itself.
   */
  private async nearestCandidates(query: SearchQuery, vector: string, k: number): Promise<string[] | undefined> {
    const trx = this.searchSnapshot;
    const terms = this.termIndex && trx && (await this.termIndex.inSnapshot(trx));
    return terms ? terms.nearest(query, Float32Array.from(JSON.parse(vector) as number[]), k, query.moreLikeAssetId) : undefined;
  }

  /**
   * The text ranking's top k asset ids, best first (empty without q): ranked among every match, or, when the
   * query asks for an approximate answer, among the newest matches (rankedAmongNewest says so when there were more).
   */
  private async textTop(query: SearchQuery, k: number): Promise<{ ids: string[]; rankedAmongNewest?: number }> {
    const tsquery = tsqueryFor(query.q?.trim() || undefined);
    if (!tsquery) return { ids: [] };
    if (!query.approximate) {
      const answer = await this.termAnswer({ ...query, facets: [] }, query.q!.trim(), { limit: k, exclude: query.moreLikeAssetId });
      if (answer) return { ids: answer.page.map((row) => row.asset_id) };
      let ranked = this.matches(query, tsquery).select('asset_id').select(rankOf(tsquery).as('rank'));
      if (query.moreLikeAssetId) ranked = ranked.where(sql<SqlBool>`asset_id::text <> ${query.moreLikeAssetId}`);
      const rows = await ranked.orderBy('rank', 'desc').orderBy('asset_id', 'desc').limit(k).execute();
      return { ids: rows.map((row) => row.asset_id) };
    }
    const limit = Math.max(this.newestMatchesLimit, k);
    const newest = await this.newestMatches(query, tsquery, [], limit);
    const ids = newest.slice(0, limit).sort(byRank).filter((row) => row.asset_id !== query.moreLikeAssetId).slice(0, k).map((row) => row.asset_id);
    return newest.length > limit ? { ids, rankedAmongNewest: limit } : { ids };
  }

  /** Text and listings: exact, unless the query asks for an approximate answer. */
  private async textSearch(query: SearchQuery): Promise<Omit<SearchResult, 'semantic'>> {
    const text = query.q?.trim() || undefined;
    const after = query.cursor === undefined ? undefined : sortKeyFrom(query.cursor, text !== undefined);
    if (query.projectIds.length === 0) return { hits: [], total: 0, facets: emptyFacets(query), ...emptyFieldFacets(query) };
    const result = query.approximate ? await this.boundedTextSearch(query, text, after) : await this.exactTextSearch(query, text, after);
    if (!query.fieldFacets?.length) return result;
    return { ...result, fieldFacets: await this.fieldFacetCounts(query, this.matches(query, tsqueryFor(text))) };
  }

  /**
   * Every match counted, grouped and (with text) ranked, in one statement: the matching rows are collected once
   * through the GIN and b-tree indexes (with their rank and the facet columns asked for), then the page is their
   * top k by rank (a top-N sort, no full sort), the total their count and each facet a GROUP BY over them. A
   * listing reads its page straight off the (created_at, asset_id) index and counts in a second statement.
   */
  private async exactTextSearch(query: SearchQuery, text: string | undefined, after: SortKey | undefined): Promise<Omit<SearchResult, 'semantic'>> {
    const tsquery = tsqueryFor(text);
    const columns = [...new Set(query.facets.map((facet) => FACET_COLUMNS[facet]))];
    if (!tsquery) {
      const rows = await this.listingPage(query, after);
      const counted = await this.listingCounts(query, columns);
      const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
      return {
        hits: rows.slice(0, query.limit).map((row) => ({ assetId: row.asset_id, score: 0, document: documentFrom(row.document) })),
        total: counted.total,
        facets: counted.facets,
        nextCursor: last && encodeCursor([last.created_at.toISOString(), last.asset_id]),
      };
    }
    const matches = this.matches(query, tsquery).select(['asset_id', ...columns]).select(rankOf(tsquery).as('rank'));
    const counted = (await this.termAnswer(query, text, { limit: query.limit + 1, after })) ?? await this.exactCounts(matches, query.facets, { limit: query.limit + 1, after });
    const ranked = counted.page;
    const page = ranked.slice(0, query.limit);
    const documentOf = await this.documents(page.map((row) => row.asset_id));
    const last = ranked.length > query.limit ? page[page.length - 1] : undefined;
    return {
      hits: page.filter((row) => documentOf.has(row.asset_id)).map((row) => ({ assetId: row.asset_id, score: row.rank, document: documentOf.get(row.asset_id)! })),
      total: counted.total,
      facets: counted.facets,
      nextCursor: last && encodeCursor([last.rank, last.asset_id]),
    };
  }

  /**
   * A listing's total and facets. The coarse rollup (no date range) reads a few thousand rows; the term index loops
   * over every document in memory; the monthly rollup counts the documents of a date range's partial months in SQL;
   * other filters (tags, labels, people, collections, schema fields) leave SQL counting every match.
   */
  private async listingCounts(query: SearchQuery, columns: (typeof FACET_COLUMNS)[Facet][]): Promise<{ total: number; facets: SearchResult['facets'] }> {
    const rollup = rollupAnswers(query);
    if (rollup && !query.filters.from && !query.filters.to) return this.rollupCounts(query);
    const fromMemory = await this.termAnswer(query, undefined, { limit: 0 });
    if (fromMemory) return fromMemory;
    if (rollup) return this.rollupCounts(query);
    return this.exactCounts(this.matches(query, undefined).select(['asset_id', ...columns]), query.facets, undefined);
  }

  /**
   * One statement over the given matches (asset_id, the facet columns and, for a ranked page, rank): their
   * count, each facet's values by count (then byte order; the many-valued facets' top TAG_FACET_SIZE) and,
   * when `ranked` is given, the best `limit` after the cursor by rank then asset id descending.
   */
  private async exactCounts(
    matches: SelectQueryBuilder<DB, 'search_documents', object>,
    facets: Facet[],
    ranked: { limit: number; after: SortKey | undefined } | undefined,
  ): Promise<{ total: number; facets: SearchResult['facets']; page: { asset_id: string; rank: number }[] }> {
    const facetColumns = facets.map((facet) => {
      const column = sql.ref(FACET_COLUMNS[facet]);
      const many = facet === 'tags' || facet === 'labels';
      const grouped = many
        ? sql`select value, count(*)::int as n from matches, unnest(${column}) as value group by value order by n desc, value collate "C" limit ${sql.lit(TAG_FACET_SIZE)}`
        : sql`select ${column} as value, count(*)::int as n from matches group by value`;
      return sql`(select coalesce(json_agg(json_build_array(value, n)), '[]') from (${grouped}) grouped) as ${sql.ref(`facet_${facet}`)}`;
    });
    const afterCursor = ranked?.after ? sql`where (rank, asset_id) < (${ranked.after.value}::float8, ${ranked.after.assetId}::uuid)` : sql``;
    const pageColumn = ranked
      ? sql`(select coalesce(json_agg(json_build_array(asset_id, rank) order by rank desc, asset_id desc), '[]') from
          (select asset_id, rank from matches ${afterCursor} order by rank desc, asset_id desc limit ${sql.lit(ranked.limit)}) best) as page`
      : sql`'[]'::json as page`;
    const result = await sql<{ total: number; page: [string, number][] } & Record<string, [string, number][]>>`
      with matches as materialized (${matches})
      select (select count(*)::int from matches) as total, ${sql.join([pageColumn, ...facetColumns])}`.execute(this.db);
    const row = result.rows[0]!;
    return { total: row.total, page: row.page.map(([asset_id, rank]) => ({ asset_id, rank })), facets: facetsFromRows(facets, row) };
  }

  /**
   * A listing's exact total and facets from the rollup (migrations 0010, 0036) instead of every document. Without a
   * date range the coarse level answers (all time per project, state and editorial state: a few rows per project
   * and value, however many documents and months), unless a media type filter meets a tag or label facet (the
   * coarse level keeps values without their media type). Otherwise whole UTC months inside from..to come from the
   * monthly level and the partial months at the edges of the range are counted from their documents. Only for
   * filters the rollup keeps (rollupAnswers).
   */
  private async rollupCounts(query: SearchQuery): Promise<{ total: number; facets: SearchResult['facets'] }> {
    const { filters } = query;
    const projects = filters.projectId?.length ? query.projectIds.filter((id) => filters.projectId!.includes(id)) : query.projectIds;
    if (projects.length === 0) return { total: 0, facets: emptyFacets(query) };
    const valueFacets = query.facets.filter((facet) => facet === 'tags' || facet === 'labels');
    // the same conditions on either level; only the levels asked for: the whole ('') always, tag and label rows
    // (most of the table) when their facet is
    const scope: RawBuilder<SqlBool>[] = [sql`project_id in (${sql.join(projects)})`, sql`facet in (${sql.join(['', ...valueFacets])})`];
    if (filters.mediaType?.length) scope.push(sql`media_type in (${sql.join(filters.mediaType)})`);
    if (filters.state?.length) scope.push(sql`state in (${sql.join(filters.state)})`);
    if (filters.editorialState?.length) scope.push(sql`editorial_state in (${sql.join(filters.editorialState)})`);
    const approvedOnly = query.approvedOnlyProjectIds ?? [];
    if (approvedOnly.length) scope.push(sql`(project_id not in (${sql.join(approvedOnly)}) or editorial_state = 'approved')`);
    const inScope = sql.join(scope, sql` and `);
    const coarse = !filters.from && !filters.to && !(filters.mediaType?.length && valueFacets.length);
    if (coarse) {
      return this.sumRollupParts(query, sql`select facet, value, media_type, state, project_id, n from search_facet_rollup_coarse where ${inScope}`);
    }
    const wholeFrom = filters.from && nextMonthStart(filters.from, true);
    const wholeTo = filters.to && monthStart(filters.to);
    const whole = !wholeFrom || !wholeTo || wholeFrom < wholeTo;
    const months = [...(wholeFrom ? [sql`month >= ${wholeFrom}`] : []), ...(wholeTo ? [sql`month < ${wholeTo}`] : [])];
    const rollup = sql`select facet, value, media_type, state, project_id, n from search_facet_rollup where ${sql.join([inScope, ...months], sql` and `)}`;
    // The documents of the partial months: [from, first whole month) and [last month start, to]; all of from..to without whole months.
    const edges: [Date | undefined, Date | undefined][] = whole
      ? [...(filters.from && wholeFrom && filters.from < wholeFrom ? [[filters.from, wholeFrom] as [Date, Date]] : []), ...(wholeTo ? [[wholeTo, undefined] as [Date, undefined]] : [])]
      : [[filters.from, undefined]];
    const edgeParts = edges.map(([from, before]) => {
      let rows = this.matches(query, undefined).select(['media_type', 'state', 'project_id', 'tags', 'labels']);
      if (from) rows = rows.where('created_at', '>=', from);
      if (before) rows = rows.where('created_at', '<', before);
      const valued = query.facets.filter((facet) => facet === 'tags' || facet === 'labels').map((facet) => sql`union all select ${facet}, unnest(e.${sql.ref(facet)})`);
      return sql`select f.facet, f.value, e.media_type, e.state, e.project_id, 1::bigint as n from (${rows}) e,
        lateral (select '' as facet, '' as value ${sql.join(valued, sql` `)}) f`;
    });
    return this.sumRollupParts(query, sql.join([...(whole ? [rollup] : []), ...edgeParts], sql` union all `));
  }

  /** Total and facets summed over rollup rows and edge documents (facet, value, media_type, state, project_id, n). */
  private async sumRollupParts(query: SearchQuery, parts: RawBuilder<unknown>): Promise<{ total: number; facets: SearchResult['facets'] }> {
    const facetColumns = query.facets.map((facet) => {
      const many = facet === 'tags' || facet === 'labels';
      const grouped = many
        ? sql`select value, sum(n)::int as n from parts where facet = ${facet} group by value having sum(n) > 0 order by n desc, value collate "C" limit ${sql.lit(TAG_FACET_SIZE)}`
        : sql`select ${sql.ref(FACET_COLUMNS[facet])} as value, sum(n)::int as n from parts where facet = '' group by 1 having sum(n) > 0`;
      return sql`(select coalesce(json_agg(json_build_array(value, n)), '[]') from (${grouped}) grouped) as ${sql.ref(`facet_${facet}`)}`;
    });
    const result = await sql<{ total: number } & Record<string, [string, number][]>>`
      with parts as materialized (${parts})
      select (select coalesce(sum(n), 0)::int from parts where facet = '') as total ${sql.join(facetColumns.map((column) => sql`, ${column}`), sql``)}`.execute(this.db);
    const row = result.rows[0]!;
    return { total: row.total, facets: facetsFromRows(query.facets, row) };
  }

  /**
   * The bounded path, only when the query asks for an approximate answer. The newest newestMatchesLimit (or page
   * size, if larger) + 1 matches, read once, give the total, the facets and (with text) the ranking; when there
   * are more matches than that, the result says which figures are approximate. A listing pages over every match
   * along the (created_at, asset_id) index.
   */
  private async boundedTextSearch(query: SearchQuery, text: string | undefined, after: SortKey | undefined): Promise<Omit<SearchResult, 'semantic'>> {
    const tsquery = tsqueryFor(text);
    // A page never holds more than the matches ranked.
    const limit = Math.max(this.newestMatchesLimit, query.limit);
    const newest = await this.newestMatches(query, tsquery, query.facets, limit);
    const bounded = newest.length > limit;
    const counted = newest.slice(0, limit);
    const total = bounded ? await this.estimatedTotal(query, counted.length, counted[counted.length - 1]!.created_at) : counted.length;
    const facets = facetsOf(query.facets, counted, total / Math.max(1, counted.length));
    const approximate = bounded ? { approximate: true, totalIsEstimate: true, ...(query.facets.length ? { facetsApproximate: true } : {}) } : {};

    if (!tsquery) {
      const rows = await this.listingPage(query, after);
      const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
      return {
        hits: rows.slice(0, query.limit).map((row) => ({ assetId: row.asset_id, score: 0, document: documentFrom(row.document) })),
        total,
        facets,
        nextCursor: last && encodeCursor([last.created_at.toISOString(), last.asset_id]),
        ...approximate,
      };
    }
    const ranked = counted.sort(byRank).filter((row) => after === undefined || byRank(row, { rank: after.value as number, asset_id: after.assetId }) > 0);
    const page = ranked.slice(0, query.limit);
    const documentOf = await this.documents(page.map((row) => row.asset_id));
    const last = ranked.length > query.limit ? page[page.length - 1] : undefined;
    return {
      hits: page.filter((row) => documentOf.has(row.asset_id)).map((row) => ({ assetId: row.asset_id, score: row.rank, document: documentOf.get(row.asset_id)! })),
      total,
      facets,
      nextCursor: last && encodeCursor([last.rank, last.asset_id]),
      ...approximate,
      ...(bounded ? { rankedAmongNewest: limit } : {}),
    };
  }

  /**
   * The newest limit + 1 matches, newest first, with the columns of the given facets and (with text) the rank,
   * computed on these rows only.
   */
  private async newestMatches(query: SearchQuery, tsquery: RawBuilder<unknown> | undefined, facets: Facet[], limit: number): Promise<MatchRow[]> {
    const columns = [...new Set(facets.map((facet) => FACET_COLUMNS[facet]))];
    const newest = this.matches(query, tsquery)
      .select(['asset_id', 'created_at', ...(tsquery ? (['tsv'] as const) : []), ...columns])
      .orderBy('created_at', 'desc')
      .orderBy('asset_id', 'desc')
      .limit(limit + 1)
      .as('newest');
    const rank = tsquery ? rankOf(tsquery) : sql<number>`0::float4`;
    return (await this.db.selectFrom(newest).select(['asset_id', 'created_at', ...columns]).select(rank.as('rank')).execute()) as MatchRow[];
  }

  /**
   * The number of matches, estimated: the counted newest matches reach back to `since`, and the planner's
   * statistics say which share of the documents in scope (filters, no text) is that recent; text matches are
   * taken to spread over time like the documents. (The planner's own estimate of a text query was 2–3× off
   * here: the es and en lexemes of one word count twice, and a list of projects is underestimated; both cancel
   * in this ratio.)
   */
  private async estimatedTotal(query: SearchQuery, counted: number, since: Date): Promise<number> {
    const plannedRows = async (matches: ReturnType<PostgresSearchIndex['matches']>) => {
      const [row] = await matches.select('asset_id').explain('json');
      return (row as { 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] })['QUERY PLAN'][0]!.Plan['Plan Rows'];
    };
    const all = await plannedRows(this.matches(query, undefined));
    const recent = await plannedRows(this.matches(query, undefined).where('created_at', '>=', since));
    return Math.max(counted + 1, Math.round((counted * all) / Math.max(1, recent)));
  }

  /** Stored documents by asset id. */
  private async documents(ids: string[]): Promise<Map<string, SearchDocument>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom(this.table).select(['asset_id', 'document']).where('asset_id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.asset_id, documentFrom(row.document)]));
  }

  /** Every document the query matches (scope, text, filters): the base of the page, the total and the facets. */
  private matches(query: SearchQuery, tsquery: RawBuilder<unknown> | undefined) {
    const { filters } = query;
    let matches = this.db.selectFrom(this.table).where('project_id', 'in', query.projectIds);
    if (tsquery) matches = matches.where(sql<SqlBool>`tsv @@ ${tsquery}`);
    if (filters.mediaType?.length) matches = matches.where('media_type', 'in', filters.mediaType);
    if (filters.projectId?.length) matches = matches.where('project_id', 'in', filters.projectId);
    if (filters.state?.length) matches = matches.where('state', 'in', filters.state);
    if (filters.editorialState?.length) matches = matches.where('editorial_state', 'in', filters.editorialState);
    const approvedOnly = query.approvedOnlyProjectIds ?? [];
    if (approvedOnly.length) matches = matches.where((eb) => eb.or([eb('project_id', 'not in', approvedOnly), eb('editorial_state', '=', 'approved')]));
    // @> lets the GIN index on tags find documents that carry every listed tag.
    if (filters.tags?.length) matches = matches.where(sql<SqlBool>`tags @> ${sql.val(filters.tags)}::text[]`);
    if (filters.labels?.length) matches = matches.where(sql<SqlBool>`labels @> ${sql.val(filters.labels)}::text[]`);
    if (filters.personIds?.length) matches = matches.where(sql<SqlBool>`person_ids @> ${sql.val(filters.personIds)}::text[]`);
    if (filters.collectionIds?.length) matches = matches.where(sql<SqlBool>`collection_ids @> ${sql.val(filters.collectionIds)}::text[]`);
    if (filters.from) matches = matches.where('created_at', '>=', filters.from);
    if (filters.to) matches = matches.where('created_at', '<=', filters.to);
    for (const field of filters.fields ?? []) matches = matches.where(fieldCondition(field));
    return matches;
  }

  /** Each asked-for schema field's values by count over the given matches (every element of a list counts). */
  private async fieldFacetCounts(query: SearchQuery, matches: SelectQueryBuilder<DB, 'search_documents', object>): Promise<Record<string, { value: string; count: number }[]>> {
    const names = [...new Set(query.fieldFacets ?? [])];
    if (names.length === 0) return {};
    const columns = names.map((name, i) => {
      const field = sql`m.sf->${name}::text`;
      const grouped = sql`select value, count(*)::int as n from m,
        lateral jsonb_array_elements_text(case jsonb_typeof(${field}) when 'array' then ${field} else jsonb_build_array(${field}) end) as value
        where m.sf ? ${name}::text group by value order by n desc, value collate "C" limit ${sql.lit(FIELD_FACET_SIZE)}`;
      return sql`(select coalesce(json_agg(json_build_array(value, n)), '[]') from (${grouped}) grouped) as ${sql.ref(`field_${i}`)}`;
    });
    const result = await sql<Record<string, [string, number][]>>`
      with m as materialized (${matches.select(sql<unknown>`document->'schemaFields'`.as('sf'))})
      select ${sql.join(columns)}`.execute(this.db);
    const row = result.rows[0]!;
    return Object.fromEntries(names.map((name, i) => [name, row[`field_${i}`]!.map(([value, count]) => ({ value, count }))]));
  }

  /**
   * One listing page, newest first, search_after style: rows strictly after the cursor's (created_at, asset_id),
   * so documents written between pages never shift or repeat hits; read straight off that index.
   */
  private async listingPage(query: SearchQuery, after: SortKey | undefined) {
    let page = this.matches(query, undefined).select(['asset_id', 'created_at', 'document']);
    if (after) page = page.where(sql<SqlBool>`(created_at, asset_id) < (${after.value}::timestamptz, ${after.assetId}::uuid)`);
    return page.orderBy('created_at', 'desc').orderBy('asset_id', 'desc').limit(query.limit + 1).execute();
  }

  /** The given facets' columns of these documents. */
  private async facetRows(ids: string[], facets: Facet[]): Promise<FacetColumns[]> {
    if (ids.length === 0 || facets.length === 0) return [];
    const columns = [...new Set(facets.map((facet) => FACET_COLUMNS[facet]))];
    return (await this.db.selectFrom(this.table).select(columns).where('asset_id', 'in', ids).execute()) as FacetColumns[];
  }
}

/** Facet columns of a document: only those of the facets asked for. */
type FacetColumns = Partial<Record<(typeof FACET_COLUMNS)[Facet], string | string[]>>;
/** A matching document as read for ranking and facets. */
type MatchRow = { asset_id: string; created_at: Date; rank: number } & FacetColumns;

/** The search_documents row of a document; the embedding column only where pgvector made one (dimensions). */
function rowOf(doc: SearchDocument, dimensions: number | undefined) {
  const { embedding, ...stored } = doc;
  if (embedding && dimensions !== undefined && embedding.length !== dimensions) {
    throw new Error(`embedding of asset ${doc.assetId} has ${embedding.length} dimensions, the index stores ${dimensions}`);
  }
  const text = indexedText(doc);
  const aiText = [[...text.labels, ...text.weakLabels].join(' '), text.ocrText, text.transcript].filter(Boolean);
  return {
    asset_id: doc.assetId,
    project_id: doc.projectId,
    media_type: doc.mediaType,
    state: doc.state,
    editorial_state: doc.editorialState ?? 'approved',
    title: doc.title,
    tags: doc.tags,
    labels: doc.labels ?? [],
    person_ids: doc.personIds ?? [],
    collection_ids: doc.collectionIds ?? [],
    filename: doc.filename,
    created_at: doc.createdAt,
    captured_at: doc.capturedAt ?? null,
    // An object, not a JSON string: postgres.js would store a string as a JSON string scalar.
    // Without pgvector the embedding is not kept anywhere: reindex after installing it.
    document: { ...stored },
    search_text: [text.title, text.description, text.tags.join(' '), text.filename, ...text.fields, ...aiText].join('\n'),
    // The schema marks tsv as computed (never written from plain values); this is where it is computed.
    tsv: weightedVector(text) as never,
    ...(dimensions === undefined ? {} : { embedding: embedding ? vectorLiteral(embedding) : null }),
    indexed_at: new Date(),
  };
}

/** Best rank first, ties by asset id descending: the order text cursors walk. */
function byRank(a: { rank: number; asset_id: string }, b: { rank: number; asset_id: string }): number {
  return b.rank - a.rank || (a.asset_id < b.asset_id ? 1 : a.asset_id > b.asset_id ? -1 : 0);
}

/**
 * Counts per value over the rows, multiplied by `scale` when the rows are a sample of the matches; values by
 * count, then value in byte order (code points, as UTF-8 bytes compare).
 */
function facetsOf(facets: Facet[], rows: FacetColumns[], scale: number): SearchResult['facets'] {
  return Object.fromEntries(facets.map((facet) => {
    const counts = new Map<string, number>();
    for (const row of rows) {
      for (const value of [row[FACET_COLUMNS[facet]] ?? []].flat()) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    const values = [...counts].map(([value, count]) => ({ value, count })).sort(byCountThenValue);
    const kept = facet === 'tags' || facet === 'labels' ? values.slice(0, TAG_FACET_SIZE) : values;
    return [facet, kept.map(({ value, count }) => ({ value, count: Math.round(count * scale) }))];
  }));
}

/** Facets from a counting statement's facet_<name> columns of [value, count] pairs. */
function facetsFromRows(facets: Facet[], row: Record<string, unknown>): SearchResult['facets'] {
  return Object.fromEntries(facets.map((facet) => [facet, (row[`facet_${facet}`] as [string, number][]).map(([value, count]) => ({ value, count })).sort(byCountThenValue)]));
}

/**
 * Whether the rollup table can count a listing: it keeps project, state, media type and month, not which
 * documents carry a tag, label or person (those filters count documents).
 */
function rollupAnswers(query: SearchQuery): boolean {
  return !query.filters.tags?.length && !query.filters.labels?.length && !query.filters.personIds?.length && !query.filters.fields?.length && !query.filters.collectionIds?.length && !query.moreLikeAssetId;
}

/**
 * A schema field filter as SQL on the document's schemaFields: any of the values by containment (the GIN index on
 * document->'schemaFields' answers it; a list contains each of its elements), bounds by number or by date text.
 */
function fieldCondition(filter: FieldFilter): RawBuilder<SqlBool> {
  const sf = sql`document->'schemaFields'`;
  const parts: RawBuilder<SqlBool>[] = [];
  if (filter.values?.length) {
    // a nested list contains a value only as a list ({"topics": ["budget"]}): strings are tried both ways
    const forms = filter.values.flatMap(storedForms).flatMap((form): unknown[] => (typeof form === 'string' ? [form, [form]] : [form]))
      // as text, then jsonb: postgres.js would send a string bound to jsonb as a JSON string scalar
      .map((form) => sql<SqlBool>`${sf} @> ${JSON.stringify({ [filter.name]: form })}::text::jsonb`);
    parts.push(sql<SqlBool>`(${sql.join(forms, sql` or `)})`);
  }
  for (const [bound, op] of [[filter.min, sql`>=`], [filter.max, sql`<=`]] as const) {
    if (bound === undefined) continue;
    parts.push(typeof bound === 'number'
      ? sql<SqlBool>`(case when jsonb_typeof(${sf}->${filter.name}::text) = 'number' then (${sf}->>${filter.name}::text)::numeric end) ${op} ${String(bound)}::numeric`
      : sql<SqlBool>`(case when jsonb_typeof(${sf}->${filter.name}::text) = 'string' then (${sf}->>${filter.name}::text) collate "C" end) ${op} ${bound}::text`);
  }
  return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` and `)})` : sql<SqlBool>`true`;
}

function emptyFieldFacets(query: SearchQuery): { fieldFacets?: Record<string, never[]> } {
  return query.fieldFacets?.length ? { fieldFacets: Object.fromEntries(query.fieldFacets.map((name) => [name, []])) } : {};
}

/** The start of the instant's UTC month. */
function monthStart(instant: Date): Date {
  return new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), 1));
}

/** The start of the next UTC month; the instant itself when it is a month start and `orSame`. */
function nextMonthStart(instant: Date, orSame: boolean): Date {
  const start = monthStart(instant);
  if (orSame && start.getTime() === instant.getTime()) return start;
  return new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth() + 1, 1));
}

/** Facet values by count, then value in byte order (code points, as UTF-8 bytes compare; SQL's collate "C"). */
function byCountThenValue(a: { value: string; count: number }, b: { value: string; count: number }): number {
  return b.count - a.count || Buffer.compare(Buffer.from(a.value), Buffer.from(b.value));
}

type SortKey = { value: number | Date; assetId: string };

/** With text the sort key is [rank, assetId]; without, [createdAt, assetId]. Anything else is not our cursor. */
function sortKeyFrom(cursor: string, ranked: boolean): SortKey {
  const key = decodeCursor(cursor);
  const [rawValue, assetId] = key;
  const value = ranked ? (typeof rawValue === 'number' ? rawValue : undefined) : cursorInstant(rawValue);
  if (key.length !== 2 || value === undefined || !isUuid(assetId)) throw new InvalidCursor('cursor does not belong to this search');
  return { value, assetId };
}

/** A ranked search's cursor: [mode, score, assetId], so a cursor of one mode never pages another. */
function rankedKeyFrom(cursor: string, mode: SearchMode): Fused {
  const key = decodeCursor(cursor);
  const [cursorMode, score, assetId] = key;
  if (key.length !== 3 || cursorMode !== mode || typeof score !== 'number' || !isUuid(assetId)) {
    throw new InvalidCursor('cursor does not belong to this search');
  }
  return { score, id: assetId };
}

function tsqueryFor(text: string | undefined): RawBuilder<unknown> | undefined {
  return text === undefined ? undefined : sql`(websearch_to_tsquery('mediateca_es', ${text}) || websearch_to_tsquery('mediateca_en', ${text}))`;
}

/** Weights for D, C, B, A: fields/OCR/transcript, description, tags/labels/filename, title. */
function rankOf(tsquery: RawBuilder<unknown>) {
  // float8, so a rank goes to JSON, a cursor and back to SQL without changing its value.
  return sql<number>`ts_rank_cd(${sql.lit(`{${RANK_WEIGHTS.join(', ')}}`)}, tsv, ${tsquery})::float8`;
}

function vectorLiteral(vector: number[]): string {
  if (!vector.every(Number.isFinite)) throw new Error('a vector holds only finite numbers');
  return `[${vector.join(',')}]`;
}

/**
 * PostgreSQL refuses a tsvector whose lexemes pass 1 MB ("string is too long for tsvector"), which failed the
 * indexing of an asset with 150k tags or a long transcript. The text indexed per document is capped: each
 * weight is indexed in two configurations, and lower-casing, unaccent and stemming rarely lengthen a word
 * (at most ~1.5×), so 2 × 1.5 × 256 KiB stays under the limit. The stored document keeps every field whole.
 */
export const MAX_INDEXED_TEXT_BYTES = 256 * 1024;

/** The document's searchable text within MAX_INDEXED_TEXT_BYTES, spent in order of weight: title first, transcript last. */
function indexedText(doc: SearchDocument) {
  const labels = labelsByConfidence(doc);
  let left = MAX_INDEXED_TEXT_BYTES;
  const take = (text: string) => {
    const kept = truncateUtf8(text, left);
    left -= Buffer.byteLength(kept) + 1;
    return kept;
  };
  const takeEach = (texts: string[]) => texts.map(take).filter(Boolean);
  return {
    title: take(doc.title),
    tags: takeEach(doc.tags),
    labels: takeEach(labels.strong),
    weakLabels: takeEach(labels.weak),
    filename: take(doc.filename),
    description: take(doc.description),
    fields: takeEach(Object.values(doc.fields)),
    ocrText: take(ocrIndexText(doc.ocrText ?? '')),
    transcript: take(doc.transcript ?? ''),
  };
}

/**
 * Title A; tags, AI labels and filename B; description C; extra fields (EXIF camera, lens...), labels the model
 * is unsure of, OCR text and transcript D; each in both languages. Postgres has four weights, so labels share B
 * with tags.
 */
function weightedVector(text: ReturnType<typeof indexedText>): Expression<unknown> {
  return weightedTsvector({
    A: sql`${text.title}::text`,
    B: sql`${[...text.tags, ...text.labels, filenameText(text.filename)].join(' ')}::text`,
    C: sql`${text.description}::text`,
    D: sql`${[...text.fields, ...text.weakLabels, text.ocrText, text.transcript].join(' ')}::text`,
  });
}

/** The tsv column's value from the text of each weight; exported so bulk loads in SQL build the very same vector. */
export function weightedTsvector(texts: Record<'A' | 'B' | 'C' | 'D', Expression<unknown>>): RawBuilder<unknown> {
  return sql.join(
    Object.entries(texts).flatMap(([weight, text]) => TEXT_CONFIGS.map((config) => sql`setweight(to_tsvector(${sql.lit(config)}, ${text}), ${sql.lit(weight)})`)),
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

// ---------------------------------------------------------------- replay: rebuild into a new table, then swap

/** The table a replay builds the index into, before it takes the live table's place. */
export const REBUILD_TABLE = 'search_documents_rebuild';

/**
 * Creates the rebuild table (LIKE the live one: columns, defaults, indexes) and a trigger that mirrors every write
 * to the live table into it, so documents the live `index` writes while the replay runs are in both.
 */
export async function beginSearchRebuild(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`drop trigger if exists search_documents_mirror on search_documents`.execute(trx);
    await sql`drop table if exists ${sql.id(REBUILD_TABLE)}`.execute(trx);
    await sql`create table ${sql.id(REBUILD_TABLE)} (like search_documents including all)`.execute(trx);
    await sql.raw(`create or replace function search_documents_mirror() returns trigger language plpgsql as $mirror$
      begin
        if tg_op in ('DELETE', 'UPDATE') then delete from ${REBUILD_TABLE} where asset_id = old.asset_id; end if;
        if tg_op in ('INSERT', 'UPDATE') then
          delete from ${REBUILD_TABLE} where asset_id = new.asset_id;
          insert into ${REBUILD_TABLE} select (new).*;
        end if;
        return null;
      end $mirror$`).execute(trx);
    await sql`create trigger search_documents_mirror after insert or update or delete on search_documents for each row execute function search_documents_mirror()`.execute(trx);
  });
}

/**
 * The rebuilt table becomes search_documents in one transaction (a search waiting on the lock then reads the new
 * table), and its indexes take the live ones' names back, so later migrations find them.
 */
export async function swapSearchRebuild(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`lock table search_documents in access exclusive mode`.execute(trx);
    const indexes = async (table: string) =>
      (await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = ${table}`.execute(trx)).rows
        .map((index) => ({ name: index.indexname, shape: index.indexdef.replace(/INDEX \S+ ON \S+ USING/, 'INDEX ON t USING') }));
    const live = await indexes('search_documents');
    const rebuilt = await indexes(REBUILD_TABLE);
    // The live table's own triggers (the facet rollup's) go with it; they are made again on the rebuilt table.
    const triggers = (await sql<{ definition: string }>`select pg_get_triggerdef(t.oid) as definition from pg_trigger t
      where t.tgrelid = 'search_documents'::regclass and not t.tgisinternal and t.tgname <> 'search_documents_mirror'`.execute(trx)).rows;
    await sql`drop table search_documents`.execute(trx);
    await sql`drop function if exists search_documents_mirror()`.execute(trx);
    await sql`alter table ${sql.id(REBUILD_TABLE)} rename to search_documents`.execute(trx);
    for (const index of rebuilt) {
      const original = live.find((candidate) => candidate.shape === index.shape);
      if (original && original.name !== index.name) await sql`alter index ${sql.id(index.name)} rename to ${sql.id(original.name)}`.execute(trx);
    }
    for (const trigger of triggers) await sql.raw(trigger.definition).execute(trx);
    // the rebuilt documents were written without the rollup's triggers: count them again
    await recountSearchRollups(trx);
  });
}

/**
 * Counts both rollup levels (migrations 0010 and 0036) again from search_documents, one GROUP BY each: after a
 * rebuild, and after a bulk load that ran with the triggers off (cheaper than a grouped upsert per statement).
 */
export async function recountSearchRollups(db: Kysely<DB>): Promise<void> {
  await sql`delete from search_facet_rollup`.execute(db);
  await sql`insert into search_facet_rollup (project_id, state, editorial_state, media_type, month, facet, value, n)
    select d.project_id, d.state, d.editorial_state, d.media_type, date_trunc('month', d.created_at, 'UTC'), f.facet, f.value, count(*)
    from search_documents d, lateral (select '' as facet, '' as value union all select 'tags', unnest(d.tags) union all select 'labels', unnest(d.labels)) f
    group by 1, 2, 3, 4, 5, 6, 7`.execute(db);
  await sql`delete from search_facet_rollup_coarse`.execute(db);
  await sql`insert into search_facet_rollup_coarse (project_id, state, editorial_state, media_type, facet, value, n)
    select d.project_id, d.state, d.editorial_state, f.media_type, f.facet, f.value, count(*)
    from search_documents d, lateral (select d.media_type, '' as facet, '' as value
      union all select '', 'tags', unnest(d.tags) union all select '', 'labels', unnest(d.labels)) f
    group by 1, 2, 3, 4, 5, 6`.execute(db);
}

/** Gives up a rebuild: the mirror and the rebuild table go, the live table is untouched. */
export async function abortSearchRebuild(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`drop trigger if exists search_documents_mirror on search_documents`.execute(trx);
    await sql`drop function if exists search_documents_mirror()`.execute(trx);
    await sql`drop table if exists ${sql.id(REBUILD_TABLE)}`.execute(trx);
  });
}
