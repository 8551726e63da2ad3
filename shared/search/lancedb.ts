// The LanceDB SearchIndex (SEARCH_ENGINE=lancedb): an embedded columnar engine running natively in the process,
// not capped by WebAssembly memory like PGlite. One Lance table of one row per asset: filter columns, the whole
// document as JSON (hits need no join), the searchable text by weight and the embedding.
//
// Text: BM25 over eight full-text indexes, the four weights (title; tags, strong labels and filename; description;
// fields, weak labels, OCR text and transcript) each analysed twice, Spanish and English (stemming, accent
// folding, lower case). A query needs every word (each word in any weighted column) in one language or the other;
// the score is the sum of the columns' BM25 scores times their weight (BM25 is not Postgres's ts_rank_cd: the
// order among matches differs, the weights' order holds). Totals, facets and field facets are counted over every
// match, so text answers are exact. Every write is folded into the indexes before it returns (foldIntoIndexes).
// BM25 depends on the corpus (document frequencies), so a score moves when other documents are written: a ranked
// cursor carries the table version its page was ranked at and the next page is ranked at that version, so pages
// never shift or repeat (search_after on a point in time); the total and facets are those of the latest version.
// Semantic: exact k-NN (a flat cosine scan with the filters applied first); no vector index is built.
import * as lancedb from '@lancedb/lancedb';
import { BooleanQuery, type FullTextQuery, Index, MatchQuery, Occur } from '@lancedb/lancedb';
import { DataType, Field, FixedSizeList, Float32, Float64, List, Schema, type Table as ArrowTable, Utf8 } from 'apache-arrow';
import { defaultNativeEnvironment } from '../config.ts';
import { labelsByConfidence, ocrIndexText } from './analysis.ts';
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
  facetValuesOf,
  queryVectorSource,
  searchByMode,
  storedForms,
} from './search-index.ts';

const TABLE = 'search_documents';
/**
 * Searchable text columns by weight, as Postgres's A–D; each is indexed once per language. Spread wider than
 * Postgres's 1/0.4/0.2/0.1: BM25's document frequencies differ per column (a word rare in the sparse OCR column
 * scores high there), and the weights' order must still hold (the conformance suite's ranking case).
 */
const WEIGHTS = { a: 1, b: 0.25, c: 0.05, d: 0.01 } as const;
const LANGUAGES = { es: 'Spanish', en: 'English' } as const;
const TEXT_COLUMNS = Object.keys(WEIGHTS).flatMap((weight) => Object.keys(LANGUAGES).map((language) => `${weight}_${language}`));
const FACET_COLUMNS = { mediaType: 'media_type', projectId: 'project_id', state: 'state', tags: 'tags', labels: 'labels' } as const;
/** Values returned for the many-valued facets (tags, labels); the others return every value. */
const TAG_FACET_SIZE = 20;
/** Semantic and hybrid rank the top CANDIDATES of each ranking (or the page size, if larger), as Postgres does. */
const CANDIDATES = 100;
/** Ranked cursors' table versions kept open; older ones are opened again when a cursor names them. */
const PINNED_VERSIONS = 8;

export interface LanceSearchOptions {
  /** the folder holding the Lance dataset (LANCEDB_PATH) */
  path: string;
  /** search.embeddingDimensions: the embedding column's length */
  dimensions: number;
}

type Row = Record<string, unknown>;

export class LanceSearchIndex implements SearchIndex {
  readonly backend = 'lancedb';
  readonly capabilities = { vectors: true };
  private writes: Promise<unknown> = Promise.resolve();
  private bulkLoading = false;
  private readonly pinned = new Map<number, lancedb.Table>();

  private constructor(
    private readonly db: lancedb.Connection,
    private readonly table: lancedb.Table,
    private readonly dimensions: number,
  ) {}

  /** Opens (or creates, with its indexes) the table at options.path. */
  static async open(options: LanceSearchOptions): Promise<LanceSearchIndex> {
    // The full-text index build hung on 2 cores with Lance's defaults (docs/benchmarks.md); an operator's setting wins.
    defaultNativeEnvironment({ LANCE_CPU_THREADS: '4', LANCE_FTS_NUM_SHARDS: '2' });
    // Every read looks for the latest version, so writes from other processes are seen at once.
    const db = await lancedb.connect(options.path, { readConsistencyInterval: 0 });
    const table = (await db.tableNames()).includes(TABLE)
      ? await db.openTable(TABLE)
      : await db.createEmptyTable(TABLE, schemaOf(options.dimensions), { existOk: true });
    const index = new LanceSearchIndex(db, table, options.dimensions);
    await index.ensureIndexes();
    return index;
  }

  /** The full-text indexes and the scalar indexes of the filter columns, where missing. */
  private async ensureIndexes(): Promise<void> {
    const existing = new Set((await this.table.listIndices()).flatMap((index) => index.columns));
    for (const column of TEXT_COLUMNS) {
      if (existing.has(column)) continue;
      const language = LANGUAGES[column.slice(2) as keyof typeof LANGUAGES];
      await this.table.createIndex(column, { config: Index.fts({ language, stem: true, asciiFolding: true, lowercase: true, removeStopWords: false, withPosition: false }) });
    }
    for (const column of ['asset_id', 'project_id']) {
      if (!existing.has(column)) await this.table.createIndex(column, { config: Index.btree() });
    }
  }

  async close(): Promise<void> {
    await this.writes;
    for (const table of this.pinned.values()) table.close();
    this.table.close();
    this.db.close();
  }

  upsert(document: SearchDocument): Promise<void> {
    return this.upsertMany([document]);
  }

  /** One merge on asset_id: new documents are inserted, existing ones replaced; the last of one id wins. */
  upsertMany(documents: SearchDocument[]): Promise<void> {
    const latest = [...new Map(documents.map((doc) => [doc.assetId, doc])).values()];
    if (latest.length === 0) return Promise.resolve();
    for (const doc of latest) {
      if (doc.embedding && doc.embedding.length !== this.dimensions) {
        throw new Error(`embedding of asset ${doc.assetId} has ${doc.embedding.length} dimensions, the index stores ${this.dimensions}`);
      }
    }
    return this.write(async () => {
      await this.table.mergeInsert('asset_id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(latest.map(rowOf));
      await this.foldIntoIndexes();
    });
  }

  remove(assetId: string): Promise<void> {
    if (!isUuid(assetId)) return Promise.resolve();
    return this.write(async () => {
      await this.table.delete(`asset_id = ${literal(assetId)}`);
      await this.foldIntoIndexes();
    });
  }

  /**
   * Folds written rows into the full-text indexes (and compacts fragments), after every write: Lance 0.31.0 scores
   * rows outside the index without the columns' boosts and on another scale, so an unindexed row would rank
   * without field weights among indexed ones. A bulk load (bulkLoading) folds once at the end instead.
   */
  private async foldIntoIndexes(): Promise<void> {
    if (this.bulkLoading) return;
    await this.table.optimize();
  }

  /**
   * Many upsertMany calls folded into the indexes once, when `load` is done (bulk indexing, reindexing): between
   * them rows are searchable but rank without field weights.
   */
  async bulkLoad(load: () => Promise<void>): Promise<void> {
    this.bulkLoading = true;
    try {
      await load();
    } finally {
      this.bulkLoading = false;
      await this.write(() => this.table.optimize().then(() => {}));
    }
  }

  /** Writes one at a time: concurrent merges on one table would conflict and retry. */
  private write(work: () => Promise<void>): Promise<void> {
    const next = this.writes.then(work);
    this.writes = next.catch(() => {});
    return next;
  }

  search(query: SearchQuery): Promise<SearchResult> {
    return searchByMode(query, {
      textSearch: (q) => this.textSearch(q),
      queryVector: (q) => this.queryVector(q),
      rankedSearch: (q, mode, vector) => this.rankedSearch(q, mode, vector),
    });
  }

  private async queryVector(query: SearchQuery): Promise<{ vector: number[] } | { reason: string }> {
    const source = queryVectorSource(query, this.dimensions);
    if (!('like' in source)) return source;
    const { like } = source;
    const [row] = !isUuid(like) || query.projectIds.length === 0 ? [] : await this.table.query()
      .where(`asset_id = ${literal(like)} AND ${inList('project_id', query.projectIds)} AND embedding IS NOT NULL`)
      .select(['embedding']).limit(1).toArray();
    return row ? { vector: Array.from(row.embedding as Iterable<number>) } : { reason: SEMANTIC_UNAVAILABLE.notSimilar(like) };
  }

  /** Text and listings: every match counted, grouped and (with text) ranked. */
  private async textSearch(query: SearchQuery): Promise<Omit<SearchResult, 'semantic'>> {
    const text = query.q?.trim() || undefined;
    const key = query.cursor === undefined ? undefined : textKeyFrom(query.cursor, text !== undefined);
    const filter = query.projectIds.length === 0 ? undefined : await this.filterOf(query);
    if (filter === undefined) return { hits: [], total: 0, facets: emptyFacets(query), ...emptyFieldFacets(query) };
    const facetColumns = [...new Set(query.facets.map((facet) => FACET_COLUMNS[facet]))];
    const countColumns = [...facetColumns, ...(query.fieldFacets?.length ? ['schema_fields'] : [])];
    if (text === undefined) {
      const page = await this.listingPage(filter, key as ListingKey | undefined, query.limit);
      const counted = countColumns.length ? await this.table.query().where(filter).select(countColumns).toArrow() : undefined;
      const last = page.length > query.limit ? page[query.limit - 1] : undefined;
      return {
        hits: page.slice(0, query.limit).map((row) => ({ assetId: row.asset_id as string, score: 0, document: documentFrom(JSON.parse(row.document as string)) })),
        total: counted ? counted.numRows : await this.table.countRows(filter),
        facets: facetsOf(query.facets, counted),
        ...fieldFacetsOf(query, counted),
        nextCursor: last && encodeCursor([new Date(last.created_ms as number).toISOString(), last.asset_id as string]),
      };
    }
    const fts = fullTextQuery(text);
    if (!fts) return { hits: [], total: 0, facets: emptyFacets(query), ...emptyFieldFacets(query) };
    const version = await this.table.version();
    // A full-text search returns 10 rows unless told: every row is the limit, so every match comes back.
    const everyRow = Math.max(1, await this.table.countRows());
    const matches = await this.table.query().fullTextSearch(fts).where(filter).select(['asset_id', '_score', ...countColumns]).limit(everyRow).toArrow();
    const rankedKey = key as RankedKey | undefined;
    // A later page is ranked as the first was, at its version (BM25 scores move as documents are written).
    const ranked = rankedKey && rankedKey.version !== version ? await this.rankedAt(rankedKey.version, fts, filter, everyRow) : fusedOf(matches);
    const rest = entriesAfter(ranked.sort(byScoreThenId), rankedKey);
    const page = rest.slice(0, query.limit);
    const documentOf = await this.documents(page.map((entry) => entry.id));
    const last = rest.length > query.limit ? page[page.length - 1] : undefined;
    return {
      hits: page.filter((entry) => documentOf.has(entry.id)).map((entry) => ({ assetId: entry.id, score: entry.score, document: documentOf.get(entry.id)! })),
      total: matches.numRows,
      facets: facetsOf(query.facets, matches),
      ...fieldFacetsOf(query, matches),
      nextCursor: last && encodeCursor([last.score, last.id, rankedKey?.version ?? version]),
    };
  }

  /** Every match's (score, id) at a table version; the latest when that version is gone (cleaned up). */
  private async rankedAt(version: number, fts: FullTextQuery, filter: string, limit: number): Promise<Fused[]> {
    const table = await this.pinnedTable(version);
    return fusedOf(await table.query().fullTextSearch(fts).where(filter).select(['asset_id', '_score']).limit(limit).toArrow());
  }

  private async pinnedTable(version: number): Promise<lancedb.Table> {
    const open = this.pinned.get(version);
    if (open) return open;
    const table = await this.db.openTable(TABLE);
    try {
      await table.checkout(version);
    } catch {
      table.close();
      return this.table;
    }
    this.pinned.set(version, table);
    for (const [old, handle] of this.pinned) {
      if (this.pinned.size <= PINNED_VERSIONS) break;
      this.pinned.delete(old);
      handle.close();
    }
    return table;
  }

  /** One listing page, newest first, search_after style on (created_at, asset_id). */
  private async listingPage(filter: string, key: ListingKey | undefined, limit: number): Promise<Row[]> {
    const afterKey = key && `(created_ms < ${key.createdMs} OR (created_ms = ${key.createdMs} AND asset_id < ${literal(key.assetId)}))`;
    return this.table.query()
      .where(afterKey ? `${filter} AND ${afterKey}` : filter)
      .select(['asset_id', 'created_ms', 'document'])
      .orderBy([{ columnName: 'created_ms', ascending: false }, { columnName: 'asset_id', ascending: false }])
      .limit(limit + 1)
      .toArray();
  }

  /**
   * Semantic: the k nearest by cosine (exact); hybrid: RRF of the text top K and the vector top K. Either way a
   * bounded candidate list, paged search_after style on (score, assetId); total and facets count the candidates.
   */
  private async rankedSearch(query: SearchQuery, mode: Exclude<SearchMode, 'text'>, vector: number[]): Promise<Omit<SearchResult, 'semantic'>> {
    const key = query.cursor === undefined ? undefined : rankedKeyFrom(query.cursor, mode);
    const filter = query.projectIds.length === 0 ? undefined : await this.filterOf(query);
    if (filter === undefined) return { hits: [], total: 0, facets: emptyFacets(query), ...emptyFieldFacets(query) };
    const k = Math.max(CANDIDATES, query.limit);
    const version = key?.version ?? (await this.table.version());
    const table = await this.pinnedTable(version);
    const scoped = query.moreLikeAssetId ? `${filter} AND asset_id <> ${literal(query.moreLikeAssetId)}` : filter;
    const nearest = (await table.vectorSearch(vector).column('embedding').distanceType('cosine')
      .where(`${scoped} AND embedding IS NOT NULL`).select(['asset_id', '_distance']).limit(k).toArray())
      .map((row) => ({ id: row.asset_id as string, score: 1 - Number(row._distance) })).sort(byScoreThenId);
    let candidates = nearest;
    if (mode === 'hybrid') {
      const weights = query.hybridWeights ?? { text: 1, semantic: 1 };
      const fts = query.q?.trim() ? fullTextQuery(query.q.trim()) : undefined;
      const text = fts ? (await this.rankedAt(version, fts, scoped, k)).sort(byScoreThenId) : [];
      candidates = rrf([{ ids: text.map((entry) => entry.id), weight: weights.text }, { ids: nearest.map((entry) => entry.id), weight: weights.semantic }]);
    }
    const rest = entriesAfter(candidates, key);
    const page = rest.slice(0, query.limit);
    const documentOf = await this.documents(page.map((entry) => entry.id));
    const last = rest.length > query.limit ? page[page.length - 1] : undefined;
    const countColumns = [...new Set(query.facets.map((facet) => FACET_COLUMNS[facet])), ...(query.fieldFacets?.length ? ['schema_fields'] : [])];
    const rows = countColumns.length && candidates.length
      ? await this.table.query().where(inList('asset_id', candidates.map((entry) => entry.id))).select(countColumns).toArrow()
      : undefined;
    return {
      hits: page.filter((entry) => documentOf.has(entry.id)).map((entry) => ({ assetId: entry.id, score: entry.score, document: documentOf.get(entry.id)! })),
      total: candidates.length,
      facets: facetsOf(query.facets, rows),
      ...fieldFacetsOf(query, rows),
      nextCursor: last && encodeCursor([mode, last.score, last.id, version]),
    };
  }

  /** Stored documents by asset id. */
  private async documents(ids: string[]): Promise<Map<string, SearchDocument>> {
    if (ids.length === 0) return new Map();
    const rows = await this.table.query().where(inList('asset_id', ids)).select(['asset_id', 'document']).toArray();
    return new Map(rows.map((row) => [row.asset_id as string, documentFrom(JSON.parse(row.document as string))]));
  }

  /**
   * The query's scope and filters as a Lance SQL predicate, or undefined when nothing can match. Schema field
   * filters are tested here on the JSON of the documents the other filters leave, and become a list of ids.
   */
  private async filterOf(query: SearchQuery): Promise<string | undefined> {
    const { filters } = query;
    const parts = [inList('project_id', query.projectIds)];
    if (filters.projectId?.length) parts.push(inList('project_id', filters.projectId));
    if (filters.mediaType?.length) parts.push(inList('media_type', filters.mediaType));
    if (filters.state?.length) parts.push(inList('state', filters.state));
    if (filters.editorialState?.length) parts.push(inList('editorial_state', filters.editorialState));
    const approvedOnly = query.approvedOnlyProjectIds ?? [];
    if (approvedOnly.length) parts.push(`(NOT ${inList('project_id', approvedOnly)} OR editorial_state = 'approved')`);
    for (const [column, values] of [['tags', filters.tags], ['labels', filters.labels], ['person_ids', filters.personIds], ['collection_ids', filters.collectionIds]] as const) {
      if (values?.length) parts.push(`array_has_all(${column}, [${values.map(literal).join(', ')}])`);
    }
    if (filters.from) parts.push(`created_ms >= ${filters.from.getTime()}`);
    if (filters.to) parts.push(`created_ms <= ${filters.to.getTime()}`);
    const filter = parts.join(' AND ');
    if (!filters.fields?.length) return filter;
    const rows = await this.table.query().where(`${filter} AND schema_fields <> '{}'`).select(['asset_id', 'schema_fields']).toArray();
    const ids = rows.filter((row) => filters.fields!.every((field) => fieldMatches(JSON.parse(row.schema_fields as string), field))).map((row) => row.asset_id as string);
    return ids.length ? `${filter} AND ${inList('asset_id', ids)}` : undefined;
  }
}

/**
 * The query's words, each required in some weighted column, in Spanish or in English analysis; undefined when
 * it has no words. Words are split as the index's tokenizer splits them (letters and digits).
 */
function fullTextQuery(text: string): FullTextQuery | undefined {
  const words = text.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (words.length === 0) return undefined;
  const inLanguage = (language: string) => new BooleanQuery(words.map((word) => [
    Occur.Must,
    new BooleanQuery(Object.entries(WEIGHTS).map(([weight, boost]) => [Occur.Should, new MatchQuery(word, `${weight}_${language}`, { boost })])),
  ]));
  return new BooleanQuery(Object.keys(LANGUAGES).map((language) => [Occur.Should, inLanguage(language)]));
}

function schemaOf(dimensions: number): Schema {
  const text = (name: string) => new Field(name, new Utf8(), false);
  const list = (name: string) => new Field(name, new List(new Field('item', new Utf8(), true)), false);
  return new Schema([
    text('asset_id'), text('project_id'), text('media_type'), text('state'), text('editorial_state'),
    list('tags'), list('labels'), list('person_ids'), list('collection_ids'),
    new Field('created_ms', new Float64(), false),
    text('document'), text('schema_fields'),
    ...TEXT_COLUMNS.map(text),
    new Field('embedding', new FixedSizeList(dimensions, new Field('item', new Float32(), true)), true),
  ]);
}

/** The table row of a document: the stored document never carries the embedding (hits do not return it). */
function rowOf(doc: SearchDocument): Row {
  const { embedding, ...stored } = doc;
  const labels = labelsByConfidence(doc);
  const texts = {
    a: doc.title,
    b: [...doc.tags, ...labels.strong, filenameText(doc.filename)].join('\n'),
    c: doc.description,
    d: [...Object.values(doc.fields), ...labels.weak, ocrIndexText(doc.ocrText ?? ''), doc.transcript ?? ''].filter(Boolean).join('\n'),
  };
  return {
    asset_id: doc.assetId,
    project_id: doc.projectId,
    media_type: doc.mediaType,
    state: doc.state,
    editorial_state: doc.editorialState ?? 'approved',
    tags: doc.tags,
    labels: doc.labels ?? [],
    person_ids: doc.personIds ?? [],
    collection_ids: doc.collectionIds ?? [],
    created_ms: doc.createdAt.getTime(),
    document: JSON.stringify(stored),
    schema_fields: JSON.stringify(doc.schemaFields ?? {}),
    ...Object.fromEntries(TEXT_COLUMNS.map((column) => [column, texts[column[0] as keyof typeof texts]])),
    embedding: embedding ?? null,
  };
}

/** "IMG_2041.jpg" and its parts, as the Postgres adapter indexes a filename. */
function filenameText(filename: string): string {
  return `${filename} ${filename.split(/[_.-]+/).join(' ')}`;
}

/** A string as a SQL literal. */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function inList(column: string, values: string[]): string {
  return `${column} IN (${values.map(literal).join(', ')})`;
}

/** Whether a document's schema fields pass one filter (search-index.ts FieldFilter; the Postgres adapter's rules). */
function fieldMatches(fields: Record<string, unknown>, filter: FieldFilter): boolean {
  const value = fields[filter.name];
  if (value === undefined) return false;
  if (filter.values?.length) {
    const forms = filter.values.flatMap(storedForms);
    const held = Array.isArray(value) ? value : [value];
    if (!held.some((item) => forms.some((form) => form === item))) return false;
  }
  for (const [bound, sign] of [[filter.min, 1], [filter.max, -1]] as const) {
    if (bound === undefined) continue;
    if (typeof bound === 'number' ? typeof value !== 'number' || sign * (value - bound) < 0 : typeof value !== 'string' || sign * compareBytes(value, bound) < 0) return false;
  }
  return true;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Matches' (score, id) from their asset_id and _score columns. */
function fusedOf(matches: ArrowTable): Fused[] {
  // no matches: a table without columns
  const ids = (matches.getChild('asset_id')?.toArray() ?? []) as string[];
  const scores = matches.getChild('_score')?.toArray() as Float32Array;
  return ids.map((id, i) => ({ id, score: scores[i]! }));
}

/**
 * Counts per value of a text or list-of-text column, read straight from the Arrow buffers: materialising a row
 * object per match cost more than the search itself at tens of thousands of matches. Values are counted by their
 * bytes (as latin1, no UTF-8 decoding per value) and decoded once each at the end.
 */
function countValues(rows: ArrowTable, column: string): Map<string, number> {
  const byBytes = new Map<string, number>();
  for (const data of rows.getChild(column)?.data ?? []) {
    const list = DataType.isList(data.type);
    const strings = list ? data.children[0]! : data;
    const from = list ? data.valueOffsets[data.offset]! : data.offset;
    const to = list ? data.valueOffsets[data.offset + data.length]! : data.offset + data.length;
    const offsets = strings.valueOffsets as Int32Array;
    const bytes = Buffer.from(strings.values.buffer, strings.values.byteOffset, strings.values.byteLength);
    for (let i = from; i < to; i++) {
      const key = bytes.toString('latin1', offsets[strings.offset + i]!, offsets[strings.offset + i + 1]!);
      byBytes.set(key, (byBytes.get(key) ?? 0) + 1);
    }
  }
  return new Map([...byBytes].map(([key, count]) => [Buffer.from(key, 'latin1').toString('utf8'), count]));
}

/** Counts per value over the rows; values by count, then value in byte order. */
function facetsOf(facets: Facet[], rows: ArrowTable | undefined): SearchResult['facets'] {
  return Object.fromEntries(facets.map((facet) => {
    const values = rows ? byCount(countValues(rows, FACET_COLUMNS[facet])) : [];
    return [facet, facet === 'tags' || facet === 'labels' ? values.slice(0, TAG_FACET_SIZE) : values];
  }));
}

function fieldFacetsOf(query: SearchQuery, rows: ArrowTable | undefined): { fieldFacets?: Record<string, { value: string; count: number }[]> } {
  const names = [...new Set(query.fieldFacets ?? [])];
  if (names.length === 0) return {};
  const counts = new Map(names.map((name) => [name, new Map<string, number>()]));
  for (const json of (rows?.getChild('schema_fields')?.toArray() ?? []) as string[]) {
    const fields = JSON.parse(json) as Record<string, unknown>;
    for (const name of names) {
      const count = counts.get(name)!;
      for (const value of facetValuesOf(fields[name])) count.set(value, (count.get(value) ?? 0) + 1);
    }
  }
  return { fieldFacets: Object.fromEntries(names.map((name) => [name, byCount(counts.get(name)!).slice(0, FIELD_FACET_SIZE)])) };
}

function emptyFieldFacets(query: SearchQuery): { fieldFacets?: Record<string, never[]> } {
  return query.fieldFacets?.length ? { fieldFacets: Object.fromEntries(query.fieldFacets.map((name) => [name, []])) } : {};
}

function byCount(counts: Map<string, number>): { value: string; count: number }[] {
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || compareBytes(a.value, b.value));
}

type ListingKey = { createdMs: number; assetId: string };
type RankedKey = Fused & { version: number };

/** Text: [score, assetId, version]; listing: [createdAt, assetId]. Anything else is not our cursor. */
function textKeyFrom(cursor: string, ranked: boolean): ListingKey | RankedKey {
  const key = decodeCursor(cursor);
  if (ranked) {
    const [score, assetId, version] = key;
    if (key.length !== 3 || typeof score !== 'number' || !isUuid(assetId) || !Number.isSafeInteger(version)) throw new InvalidCursor('cursor does not belong to this search');
    return { score, id: assetId, version: version as number };
  }
  const [createdAt, assetId] = key;
  const instant = cursorInstant(createdAt);
  if (key.length !== 2 || instant === undefined || !isUuid(assetId)) throw new InvalidCursor('cursor does not belong to this search');
  return { createdMs: instant.getTime(), assetId };
}

/** A ranked search's cursor: [mode, score, assetId, version], so a cursor of one mode never pages another. */
function rankedKeyFrom(cursor: string, mode: SearchMode): RankedKey {
  const key = decodeCursor(cursor);
  const [cursorMode, score, assetId, version] = key;
  if (key.length !== 4 || cursorMode !== mode || typeof score !== 'number' || !isUuid(assetId) || !Number.isSafeInteger(version)) {
    throw new InvalidCursor('cursor does not belong to this search');
  }
  return { score, id: assetId, version: version as number };
}

