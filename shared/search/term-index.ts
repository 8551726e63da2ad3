// The term index: an in-memory inverted index of search_documents for the embedded default (PGlite), so that a word
// query or a filtered listing at a million documents is answered exactly without ranking and grouping every match in
// PGlite's one WebAssembly thread (1.5 s for a common word at 1M; docs/benchmarks.md).
//
// It holds, per document, the filter and facet columns, and per lexeme of the stored tsvector (the very lexemes
// PostgreSQL's analysis made) the documents holding it with how many positions it has at each weight and the
// positions. From those it gives the same answer as the exact SQL path for a query of lexemes joined by & and |
// (words analysed in Spanish and English): the same matches (`tsv @@ query`), the same score (ts_rank_cd with the
// adapter's weights, computed as PostgreSQL's calc_rank_cd does), the same total and facets. Queries it cannot
// answer so (phrases, negation, lexemes it does not keep, schema field filters) go to SQL, as before.
//
// It follows the table through a change log that statement triggers fill (search_document_changes): each search, in
// its own snapshot, applies the changes committed since the last one before it answers, so it answers from that
// snapshot exactly as the SQL would. PGlite has one connection, so transactions never overlap and the log's order is
// the commit order. A new table (a replay's swap) or a large backlog starts a rebuild; SQL answers until it is done.
//
// Where the table has embeddings (pgvector), it also holds them in a native HNSW graph by slot (nearest-vectors.ts),
// loaded only then: semantic search asks it for candidates that pass the same filters.
import { type Kysely, type RawBuilder, type Transaction, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { NearestVectors } from './nearest-vectors.ts';
import { type Facet, type SearchQuery, type SearchResult, emptyFacets } from './search-index.ts';

/** ts_rank_cd's weights for D, C, B, A positions, as postgres.ts ranks with them. */
export const RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0] as const;
/** What ts_rank_cd adds per cover of one position: 1 / (1 / weight) in double, the weight being a float4. */
const COVER_SCORE = RANK_WEIGHTS.map((weight) => 1 / (1 / Math.fround(weight)));
/** Values returned for the many-valued facets (tags, labels), as the SQL path returns. */
export const TAG_FACET_SIZE = 20;

/** Below this many documents every lexeme is kept; above, only those seen in at least 2 documents of a sample. */
const KEEP_ALL_BELOW = 50_000;
const SAMPLE_SIZE = 50_000;
/** Rows read per statement while building: each holds the single PGlite connection for a moment only. */
const BUILD_BATCH = 5_000;
/** Vectors added to the graph at a time: the insert runs on every core but holds the event loop, ~0.1 s for these. */
const VECTOR_BATCH = 500;
/** More changes than this since the last search are cheaper to rebuild from than to apply in a search. */
const MAX_CHANGES_APPLIED = 20_000;
/** Positions per weight class are packed in 8 bits; a count of 255 or more is kept beside the posting. */
const PACKED_MAX = 255;

export interface TermIndexOptions {
  /** documents below which every lexeme is kept (KEEP_ALL_BELOW); tests lower it to exercise the sampled mode */
  keepAllBelow?: number;
  sampleSize?: number;
  /** rows read per statement while building (BUILD_BATCH); tests make it small to write between batches */
  buildBatch?: number;
  /** told when a build (SQL answers meanwhile) or a trim of the change log fails */
  onError?: (error: unknown) => void;
}

/** After a failed build, searches start no other for this long. */
const RETRY_BUILD_AFTER_MS = 60_000;

/** A row of search_documents as the term index reads it. */
interface IndexedRow {
  asset_id: string;
  project_id: string;
  media_type: string;
  state: string;
  editorial_state: string;
  created_us: number;
  tags: string[];
  labels: string[];
  person_ids: string[];
  collection_ids: string[];
  tsv: string;
  /** pgvector's text form, where the table has embeddings and the row one */
  embedding?: string | null;
}

export interface TermAnswer {
  total: number;
  facets: SearchResult['facets'];
  /** best first (rank, then asset id descending), after the cursor; empty for a listing */
  page: { asset_id: string; rank: number }[];
}

const shared = new WeakMap<Kysely<DB>, TermIndex>();

export class TermIndex {
  private catalogue?: Catalogue;
  private building?: Promise<void>;
  /** the log position a build in progress started from: the log is kept from there on, for it to catch up */
  private buildingFrom?: number;
  private trimming = false;
  /** the error of the last failed build or trim; SQL answers meanwhile */
  lastError?: unknown;
  private failedAt = 0;
  /** answers given, nearest candidates included (the rest went to SQL) */
  answered = 0;

  constructor(private readonly db: Kysely<DB>, private readonly options: TermIndexOptions = {}) {}

  /** The one term index of a database (several platforms in one process share it). */
  static for(db: Kysely<DB>, options?: TermIndexOptions): TermIndex {
    let index = shared.get(db);
    if (!index) {
      index = new TermIndex(db, options);
      shared.set(db, index);
    }
    return index;
  }

  /** Builds a new catalogue from the table while the current one (if any) keeps answering; resolves when it serves. */
  rebuild(): Promise<void> {
    this.building ??= this.build()
      .catch((error) => this.failed(error))
      .finally(() => {
        this.building = undefined;
        this.buildingFrom = undefined;
      });
    return this.building;
  }

  private failed(error: unknown): void {
    this.lastError = error;
    this.failedAt = Date.now();
    this.options.onError?.(error);
  }

  get ready(): boolean {
    return this.catalogue !== undefined;
  }

  /** What the serving catalogue holds: live documents, lexemes kept and the bytes of its typed arrays. */
  stats(): { documents: number; lexemes: number; arrayBytes: number } | undefined {
    return this.catalogue?.stats();
  }

  /**
   * Reads the whole table in batches (writes go on between them), from the log position `head`: the first search
   * after the build applies every change logged since, rows read in their newer version included.
   */
  private async build(): Promise<void> {
    await ensureChangeLog(this.db);
    const head = await headOf(this.db);
    this.buildingFrom = head.seq;
    const { count } = (await sql<{ count: number }>`select count(*)::int as count from search_documents`.execute(this.db)).rows[0]!;
    const keepAll = count < (this.options.keepAllBelow ?? KEEP_ALL_BELOW);
    const dimensions = await embeddingDimensions(this.db);
    const vectors = dimensions === undefined ? undefined : new (await import('./nearest-vectors.ts')).NearestVectors(dimensions);
    const catalogue = new Catalogue(head, keepAll ? undefined : await this.sampledLexemes(), vectors);
    const batch = this.options.buildBatch ?? BUILD_BATCH;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await selectRows(this.db, sql`select * from search_documents where asset_id > ${after}::uuid order by asset_id limit ${batch}`, catalogue.withVectors);
      for (let from = 0; from < rows.length; from += VECTOR_BATCH) {
        catalogue.addAll(rows.slice(from, from + VECTOR_BATCH));
        // the graph's inserts hold the event loop: let requests and other work through between them
        if (vectors) await new Promise((resolve) => setImmediate(resolve));
      }
      if (rows.length < batch) break;
      after = rows[rows.length - 1]!.asset_id;
    }
    catalogue.builtWith = catalogue.alive;
    catalogue.trim();
    this.catalogue = catalogue;
  }

  /** Lexemes in at least two documents of a sample: at 1M documents a word needs ~100 documents to be kept. */
  private async sampledLexemes(): Promise<Set<string>> {
    const size = this.options.sampleSize ?? SAMPLE_SIZE;
    // asset ids are random (v4 UUIDs), so the first ones by id are a sample across the whole catalogue's time
    const rows = await sql<{ tsv: string }>`select tsv::text as tsv from search_documents order by asset_id limit ${size}`.execute(this.db);
    const seen = new Set<string>();
    const kept = new Set<string>();
    for (const row of rows.rows) {
      forEachLexeme(row.tsv, (lexeme) => {
        if (seen.has(lexeme)) kept.add(lexeme);
        else seen.add(lexeme);
      });
    }
    return kept;
  }

  /**
   * The term index as of the snapshot of `trx` (a search's read-only transaction): the catalogue with the changes
   * logged since the last search applied, which answers for that search only; undefined when it cannot answer
   * from that snapshot (not built yet, or being rebuilt for a new table or a large backlog).
   */
  async inSnapshot(trx: Transaction<DB>): Promise<TermSnapshot | undefined> {
    // this search keeps the catalogue it started with, even if a build swaps in another meanwhile
    const catalogue = this.catalogue;
    if (!catalogue) {
      // built on the first search, not when a process that never searches (a script, a worker) opens the platform
      if (Date.now() - this.failedAt > RETRY_BUILD_AFTER_MS) void this.rebuild();
      return undefined;
    }
    const head = await headOf(trx);
    if (head.tableOid !== catalogue.tableOid) return this.startOver(catalogue);
    if (head.seq !== catalogue.applied) {
      const changed = (await sql<{ id: string }>`select distinct asset_id::text as id from search_document_changes where seq > ${catalogue.applied}`.execute(trx)).rows.map((row) => row.id);
      if (changed.length > MAX_CHANGES_APPLIED) return this.startOver(catalogue);
      const rows = changed.length ? await selectRows(trx, sql`select * from search_documents where asset_id = any(${changed}::uuid[])`, catalogue.withVectors) : [];
      for (const id of changed) catalogue.remove(id);
      catalogue.addAll(rows);
      catalogue.applied = head.seq;
      this.trimLog(head.seq);
      if (catalogue.wantsRebuild()) void this.rebuild();
    }
    return {
      answer: (query, tsquery, options) => this.answer(catalogue, query, tsquery, options),
      nearest: (query, vector, wanted, exclude) => this.nearest(catalogue, query, vector, wanted, exclude),
    };
  }

  /** The catalogue no longer matches the table: SQL answers until a new one is built. */
  private startOver(stale: Catalogue): undefined {
    if (this.catalogue === stale) this.catalogue = undefined;
    void this.rebuild();
    return undefined;
  }

  /**
   * Deletes the applied part of the change log (a build in progress still needs what it started from), after the
   * search's transaction: PGlite queues the statement for the connection.
   */
  private trimLog(applied: number): void {
    if (this.trimming) return;
    this.trimming = true;
    const upTo = Math.min(applied, this.buildingFrom ?? applied);
    void sql`delete from search_document_changes where seq <= ${upTo}`.execute(this.db)
      .catch((error) => { this.lastError = error; this.options.onError?.(error); })
      .finally(() => { this.trimming = false; });
  }

  private answer(catalogue: Catalogue, query: SearchQuery, tsquery: string | undefined, options: TermOptions): TermAnswer | undefined {
    if (query.filters.fields?.length) return undefined;
    const parsed = tsquery === undefined ? undefined : parseTsquery(tsquery);
    if (tsquery !== undefined && !parsed) return undefined;
    const answer = parsed ? catalogue.rank(query, parsed, options) : catalogue.count(query);
    if (answer) this.answered++;
    return answer;
  }

  private nearest(catalogue: Catalogue, query: SearchQuery, vector: Float32Array, wanted: number, exclude: string | undefined): string[] | undefined {
    if (query.filters.fields?.length) return undefined;
    const candidates = catalogue.nearest(query, vector, wanted, exclude);
    if (candidates) this.answered++;
    return candidates;
  }
}

export interface TermOptions {
  /** hits wanted (0 for a listing's counts) */
  limit: number;
  /** the cursor: hits strictly after this rank and asset id */
  after?: { rank: number; assetId: string };
  /** an asset left out of the ranking (more like this) */
  exclude?: string;
}

/** The term index in one search's snapshot. */
export interface TermSnapshot {
  /**
   * The exact answer to a text query whose PostgreSQL form is `tsquery` (its text), or to a listing (no tsquery);
   * undefined when the term index cannot give it exactly.
   */
  answer(query: SearchQuery, tsquery: string | undefined, options: TermOptions): TermAnswer | undefined;
  /**
   * Candidates for the `wanted` documents with embeddings nearest to `vector` in the query's scope and filters
   * (`exclude` left out), from the HNSW graph: approximate, to be scored exactly by the caller. Undefined where the
   * graph cannot say: no embeddings kept, schema field filters, or filters that pass too few of its documents.
   */
  nearest(query: SearchQuery, vector: Float32Array, wanted: number, exclude?: string): string[] | undefined;
}

/** Creates the change log and its triggers where they are missing (idempotent; the term index's own bookkeeping). */
async function ensureChangeLog(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`create table if not exists search_document_changes (seq bigserial primary key, asset_id uuid not null)`.execute(trx);
    await sql.raw(`create or replace function search_document_changes_log() returns trigger language plpgsql as $log$
      begin
        if tg_op = 'DELETE' then insert into search_document_changes (asset_id) select asset_id from old_rows;
        else insert into search_document_changes (asset_id) select asset_id from new_rows; end if;
        return null;
      end $log$`).execute(trx);
    for (const [operation, transition] of [['insert', 'new table as new_rows'], ['update', 'new table as new_rows'], ['delete', 'old table as old_rows']]) {
      await sql.raw(`create or replace trigger search_document_changes_${operation} after ${operation} on search_documents
        referencing ${transition} for each statement execute function search_document_changes_log()`).execute(trx);
    }
  });
}

/** The dimensions of search_documents' embedding column (its typmod), or undefined where it has none (no pgvector). */
async function embeddingDimensions(db: Kysely<DB>): Promise<number | undefined> {
  const row = (await sql<{ dimensions: number }>`select atttypmod as dimensions from pg_attribute
    where attrelid = 'search_documents'::regclass and attname = 'embedding' and not attisdropped`.execute(db)).rows[0];
  return row?.dimensions;
}

async function headOf(db: Kysely<DB>): Promise<{ seq: number; tableOid: string }> {
  const row = (await sql<{ seq: string | null; table_oid: string }>`select (select max(seq) from search_document_changes)::text as seq,
    'search_documents'::regclass::oid::text as table_oid`.execute(db)).rows[0]!;
  return { seq: Number(row.seq ?? 0), tableOid: row.table_oid };
}

/**
 * The rows the subquery `rows` selects (whole rows of search_documents), as the term index reads them, with their
 * embeddings where `embeddings`: as text, which PGlite gives 5x faster than vector_send's binary (its bytea
 * travels as hex), and whose shortest float4 digits parse back to the very same float4s.
 */
async function selectRows(db: Kysely<DB>, rows: RawBuilder<unknown>, embeddings: boolean): Promise<IndexedRow[]> {
  // created_at in microseconds since the epoch: exact in a double, so a from/to bound compares as PostgreSQL does.
  // The rows are chosen in a subquery of their own: with these casts in the same select, PGlite's planner read a
  // batch 5-8x slower.
  return (await sql<IndexedRow>`select asset_id::text as asset_id, project_id, media_type, state, editorial_state,
      (extract(epoch from created_at) * 1000000)::float8 as created_us, tags, labels, person_ids, collection_ids, tsv::text as tsv
      ${embeddings ? sql`, embedding::text as embedding` : sql``}
    from (${rows}) d`.execute(db)).rows;
}

/** Codes for the values of one column, dense from 0. */
class Dictionary {
  private readonly codes = new Map<string, number>();
  readonly values: string[] = [];
  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.codes.set(value, code);
      this.values.push(value);
    }
    return code;
  }
  find(value: string): number | undefined {
    return this.codes.get(value);
  }
  /** A lookup table of the given values' codes (values never seen match nothing). */
  allowed(values: readonly string[]): Uint8Array {
    const table = new Uint8Array(this.values.length);
    for (const value of values) {
      const code = this.codes.get(value);
      if (code !== undefined) table[code] = 1;
    }
    return table;
  }
}

/** A growable array of numbers in a typed array. */
class Column<T extends Int32Array | Float64Array | Uint32Array | Uint16Array> {
  length = 0;
  constructor(public data: T) {}
  /** Gives back the room grown ahead (up to half a doubled array) once a build has written everything. */
  trim(): void {
    if (this.data.length > this.length) this.data = this.data.slice(0, this.length) as T;
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new (this.data.constructor as new (size: number) => T)(Math.max(16, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

/** One list column (tags, labels, people, collections): each slot's codes in a shared pool, duplicates kept. */
class ListColumn {
  readonly dictionary = new Dictionary();
  private readonly pool = new Column(new Int32Array(1024));
  readonly start = new Column(new Int32Array(1024));
  readonly size = new Column(new Int32Array(1024));
  push(values: string[]): void {
    this.start.push(this.pool.length);
    this.size.push(values.length);
    for (const value of values) this.pool.push(this.dictionary.code(value));
  }
  get codes(): Int32Array {
    return this.pool.data;
  }
  /** Its typed arrays: the codes of every document's values, where each document's start and how many. */
  columns(): Column<Int32Array>[] {
    return [this.pool, this.start, this.size];
  }
  /** Whether the slot holds every one of the codes (none unknown: an unknown value matches nothing). */
  holdsAll(slot: number, required: Int32Array): boolean {
    const start = this.start.data[slot]!;
    const end = start + this.size.data[slot]!;
    const codes = this.pool.data;
    outer: for (let r = 0; r < required.length; r++) {
      for (let i = start; i < end; i++) if (codes[i] === required[r]) continue outer;
      return false;
    }
    return true;
  }
  /** The codes of the values, or undefined when one was never seen (so nothing holds them all). */
  required(values: readonly string[] | undefined): Int32Array | undefined | null {
    if (!values?.length) return undefined;
    const codes = values.map((value) => this.dictionary.find(value));
    return codes.some((code) => code === undefined) ? null : Int32Array.from(codes as number[]);
  }
}

/**
 * The documents holding one lexeme, in slot order, with their positions per weight packed D | C<<8 | B<<16 | A<<24
 * and the positions themselves as the tsvector stores them (position | weight << 14), document after document: a
 * reader walking the postings in order finds each document's positions after the previous one's.
 */
class Postings {
  readonly slots = new Column(new Int32Array(4));
  readonly packed = new Column(new Uint32Array(4));
  readonly positions = new Column(new Uint16Array(8));
  /** counts of PACKED_MAX or more, by slot */
  overflow?: Map<number, number[]>;
}

/** Facet columns by facet name. */
type FacetColumn = { kind: 'one'; codes: Column<Int32Array>; dictionary: Dictionary } | { kind: 'many'; list: ListColumn };

/** One built state of the term index: slots in insertion order, a removed slot stays dead until the next rebuild. */
class Catalogue {
  private readonly ids: string[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly dead = new Column(new Int32Array(1024));
  private readonly project = { codes: new Column(new Int32Array(1024)), dictionary: new Dictionary() };
  private readonly mediaType = { codes: new Column(new Int32Array(1024)), dictionary: new Dictionary() };
  private readonly state = { codes: new Column(new Int32Array(1024)), dictionary: new Dictionary() };
  private readonly editorial = { codes: new Column(new Int32Array(1024)), dictionary: new Dictionary() };
  private readonly created = new Column(new Float64Array(1024));
  private readonly tags = new ListColumn();
  private readonly labels = new ListColumn();
  private readonly people = new ListColumn();
  private readonly collections = new ListColumn();
  private readonly postings = new Map<string, Postings>();
  /** Sampled mode: lexemes seen but not kept, by hash (a set bit: maybe seen, so its postings are not complete here). */
  private readonly unkept?: Uint8Array;
  alive = 0;
  private removed = 0;
  /** documents when built, to know when a rebuild pays */
  builtWith = 0;
  /** the change log position applied so far */
  applied: number;
  /** the table read: a replay's swap makes a new one */
  readonly tableOid: string;

  /**
   * `head`: where the build started; `kept`: the lexemes to keep, or undefined to keep every one; `vectors`: the
   * graph the rows' embeddings go to, where the table has them.
   */
  constructor(head: { seq: number; tableOid: string }, private readonly kept: Set<string> | undefined, private readonly vectors?: NearestVectors) {
    this.applied = head.seq;
    this.tableOid = head.tableOid;
    if (kept) this.unkept = new Uint8Array(1 << 21);
  }

  private facet(facet: Facet): FacetColumn {
    switch (facet) {
      case 'mediaType': return { kind: 'one', ...this.mediaType };
      case 'projectId': return { kind: 'one', ...this.project };
      case 'state': return { kind: 'one', ...this.state };
      case 'tags': return { kind: 'many', list: this.tags };
      case 'labels': return { kind: 'many', list: this.labels };
    }
  }

  /** Whether rows must be read with their embeddings. */
  get withVectors(): boolean {
    return this.vectors !== undefined;
  }

  /** Adds (or replaces) these rows, their embeddings to the graph in one insert. */
  addAll(rows: IndexedRow[]): void {
    const slots: number[] = [];
    const embeddings: Float32Array[] = [];
    for (const row of rows) {
      const slot = this.add(row);
      if (!this.vectors || !row.embedding) continue;
      slots.push(slot);
      embeddings.push(Float32Array.from(JSON.parse(row.embedding) as number[]));
    }
    if (slots.length === 0) return;
    const packed = new Float32Array(slots.length * this.vectors!.dimensions);
    embeddings.forEach((vector, i) => packed.set(vector, i * vector.length));
    this.vectors!.add(slots, packed);
  }

  /** Adds (or replaces) a row's document; its slot. */
  private add(row: IndexedRow): number {
    this.remove(row.asset_id);
    const slot = this.ids.length;
    this.ids.push(row.asset_id);
    this.slotOf.set(row.asset_id, slot);
    this.dead.push(0);
    for (const [column, value] of [[this.project, row.project_id], [this.mediaType, row.media_type], [this.state, row.state], [this.editorial, row.editorial_state]] as const) {
      column.codes.push(column.dictionary.code(value));
    }
    this.created.push(row.created_us);
    this.tags.push(row.tags);
    this.labels.push(row.labels);
    this.people.push(row.person_ids);
    this.collections.push(row.collection_ids);
    forEachLexeme(row.tsv, (lexeme, counts, positions) => {
      if (this.kept && !this.kept.has(lexeme)) {
        this.unkept![hashOf(lexeme) >>> 3] |= 1 << (hashOf(lexeme) & 7);
        return;
      }
      let postings = this.postings.get(lexeme);
      if (!postings) this.postings.set(lexeme, (postings = new Postings()));
      postings.slots.push(slot);
      if (counts.some((count) => count >= PACKED_MAX)) {
        postings.packed.push(0xffffffff);
        (postings.overflow ??= new Map()).set(slot, counts);
      } else {
        postings.packed.push(counts[0]! | (counts[1]! << 8) | (counts[2]! << 16) | ((counts[3]! << 24) >>> 0));
      }
      for (const position of positions) postings.positions.push(position);
    });
    this.alive++;
    return slot;
  }

  stats(): { documents: number; lexemes: number; arrayBytes: number } {
    let arrayBytes = this.unkept?.byteLength ?? 0;
    for (const column of this.columns()) arrayBytes += column.data.byteLength;
    return { documents: this.alive, lexemes: this.postings.size, arrayBytes };
  }

  /** Gives back every column's room grown ahead once a build has written everything. */
  trim(): void {
    for (const column of this.columns()) column.trim();
  }

  /** Every typed array it holds: the per-document columns, the list columns and each lexeme's postings. */
  private *columns(): Iterable<Column<Int32Array | Float64Array | Uint32Array | Uint16Array>> {
    yield* [this.dead, this.project.codes, this.mediaType.codes, this.state.codes, this.editorial.codes, this.created];
    for (const list of [this.tags, this.labels, this.people, this.collections]) yield* list.columns();
    for (const postings of this.postings.values()) yield* [postings.slots, postings.packed, postings.positions];
  }

  remove(assetId: string): void {
    const slot = this.slotOf.get(assetId);
    if (slot === undefined) return;
    this.slotOf.delete(assetId);
    this.dead.data[slot] = 1;
    this.vectors?.remove(slot);
    this.alive--;
    this.removed++;
  }

  /** Dead slots outnumber live ones, or (sampled) the catalogue grew by half: new words are worth keeping. */
  wantsRebuild(): boolean {
    if (this.removed > Math.max(this.alive, 10_000)) return true;
    if (!this.kept) return this.alive >= KEEP_ALL_BELOW && this.builtWith < KEEP_ALL_BELOW;
    return this.alive > this.builtWith * 1.5;
  }

  /**
   * The postings of each lexeme, in the query's order (undefined for a lexeme no document holds); undefined when one
   * may be in documents whose postings are not kept.
   */
  private postingsOf(lexemes: string[]): (Postings | undefined)[] | undefined {
    const found: (Postings | undefined)[] = [];
    for (const lexeme of lexemes) {
      const postings = this.postings.get(lexeme);
      if (!postings && this.unkept && this.unkept[hashOf(lexeme) >>> 3]! & (1 << (hashOf(lexeme) & 7))) return undefined;
      found.push(postings);
    }
    return found;
  }

  /** A listing's total and facets over every live document in scope. */
  count(query: SearchQuery): TermAnswer {
    const filter = this.filter(query);
    if (!filter) return { total: 0, facets: emptyFacets(query), page: [] };
    const tally = new Tally(query.facets.map((facet) => this.facet(facet)));
    const dead = this.dead.data;
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (dead[slot] || !filter(slot)) continue;
      tally.add(slot);
    }
    return { total: tally.total, facets: tally.facets(query.facets), page: [] };
  }

  /**
   * The matches of a query: counted, faceted and ranked by ts_rank_cd, the best `limit` after the cursor. The
   * postings of its lexemes are walked together in slot order; a disjunction is ranked from the counts per weight,
   * anything else from the positions (coverDensity).
   */
  rank(query: SearchQuery, parsed: TermQuery, options: TermOptions): TermAnswer | undefined {
    const lists = this.postingsOf(parsed.lexemes);
    if (!lists) return undefined;
    const filter = this.filter(query);
    if (!filter) return { total: 0, facets: emptyFacets(query), page: [] };
    const tally = new Tally(query.facets.map((facet) => this.facet(facet)));
    const best = new TopRanked(options.limit, options.after);
    const dead = this.dead.data;
    const excluded = options.exclude === undefined ? -1 : this.slotOf.get(options.exclude) ?? -1;
    const heads = new Int32Array(lists.length);
    const positionHeads = new Int32Array(lists.length);
    // the slot's positions in each list it is in: from, count
    const positionsFrom = new Int32Array(lists.length);
    const positionsCount = new Int32Array(lists.length);
    const classes: [number, number, number, number] = [0, 0, 0, 0];
    const entries: number[] = [];
    for (;;) {
      // the smallest slot at the lists' heads
      let slot = 0x7fffffff;
      for (let l = 0; l < lists.length; l++) {
        const list = lists[l]?.slots;
        if (list && heads[l]! < list.length && list.data[heads[l]!]! < slot) slot = list.data[heads[l]!]!;
      }
      if (slot === 0x7fffffff) break;
      // which lexemes it holds, with their positions per weight; every list's head moves past it
      let held = 0;
      classes[0] = classes[1] = classes[2] = classes[3] = 0;
      for (let l = 0; l < lists.length; l++) {
        const postings = lists[l];
        const at = heads[l]!;
        if (!postings || at >= postings.slots.length || postings.slots.data[at] !== slot) continue;
        heads[l] = at + 1;
        held |= 1 << l;
        const packed = postings.packed.data[at]!;
        const overflow = packed === 0xffffffff ? postings.overflow!.get(slot)! : undefined;
        const d = overflow ? overflow[0]! : packed & 0xff;
        const c = overflow ? overflow[1]! : (packed >>> 8) & 0xff;
        const b = overflow ? overflow[2]! : (packed >>> 16) & 0xff;
        const a = overflow ? overflow[3]! : packed >>> 24;
        classes[0] += d;
        classes[1] += c;
        classes[2] += b;
        classes[3] += a;
        positionsFrom[l] = positionHeads[l]!;
        positionsCount[l] = d + c + b + a;
        positionHeads[l] += d + c + b + a;
      }
      if (dead[slot] || slot === excluded || !parsed.matches(held) || !filter(slot)) continue;
      tally.add(slot);
      if (parsed.disjunction) {
        best.offer(coverDensityRank(classes), this.ids[slot]!);
        continue;
      }
      // the positions only of a match
      entries.length = 0;
      for (let l = 0; l < lists.length; l++) {
        if (!(held & (1 << l))) continue;
        const positions = lists[l]!.positions.data;
        for (let i = positionsFrom[l]!; i < positionsFrom[l]! + positionsCount[l]!; i++) entries.push(entryOf(positions[i]!, l));
      }
      best.offer(coverDensity(parsed.matches, entries.sort((x, y) => x - y)), this.ids[slot]!);
    }
    return { total: tally.total, facets: tally.facets(query.facets), page: best.ranked() };
  }

  /**
   * Candidates for the `wanted` live documents nearest to `vector` that pass the query's scope and filters, from the
   * graph; undefined without a graph or when the filters pass too few of its documents (see NearestVectors.nearest).
   */
  nearest(query: SearchQuery, vector: Float32Array, wanted: number, exclude: string | undefined): string[] | undefined {
    if (!this.vectors) return undefined;
    const filter = this.filter(query);
    if (!filter) return [];
    const dead = this.dead.data;
    const excluded = exclude === undefined ? -1 : this.slotOf.get(exclude) ?? -1;
    return this.vectors.nearest(vector, wanted, (slot) => !dead[slot] && slot !== excluded && filter(slot))?.map((slot) => this.ids[slot]!);
  }

  /** The query's scope and filters as a test of a slot, or undefined when nothing can match. */
  private filter(query: SearchQuery): ((slot: number) => boolean) | undefined {
    const { filters } = query;
    const projects = filters.projectId?.length ? query.projectIds.filter((id) => filters.projectId!.includes(id)) : query.projectIds;
    if (projects.length === 0) return undefined;
    const inProjects = this.project.dictionary.allowed(projects);
    const approvedOnly = this.project.dictionary.allowed(query.approvedOnlyProjectIds ?? []);
    const approved = this.editorial.dictionary.find('approved') ?? -1;
    const oneOf = (column: { dictionary: Dictionary }, values: string[] | undefined) => (values?.length ? column.dictionary.allowed(values) : undefined);
    const mediaTypes = oneOf(this.mediaType, filters.mediaType);
    const states = oneOf(this.state, filters.state);
    const editorialStates = oneOf(this.editorial, filters.editorialState);
    const lists = [
      [this.tags, this.tags.required(filters.tags)],
      [this.labels, this.labels.required(filters.labels)],
      [this.people, this.people.required(filters.personIds)],
      [this.collections, this.collections.required(filters.collectionIds)],
    ] as const;
    if (lists.some(([, required]) => required === null)) return undefined;
    const required = lists.filter(([, codes]) => codes) as unknown as [ListColumn, Int32Array][];
    const from = filters.from ? filters.from.getTime() * 1000 : -Infinity;
    const to = filters.to ? filters.to.getTime() * 1000 : Infinity;
    const project = this.project.codes.data;
    const mediaType = this.mediaType.codes.data;
    const state = this.state.codes.data;
    const editorial = this.editorial.codes.data;
    const created = this.created.data;
    return (slot) => {
      const inProject = project[slot]!;
      if (!inProjects[inProject]) return false;
      if (approvedOnly[inProject] && editorial[slot] !== approved) return false;
      if (mediaTypes && !mediaTypes[mediaType[slot]!]) return false;
      if (states && !states[state[slot]!]) return false;
      if (editorialStates && !editorialStates[editorial[slot]!]) return false;
      if (created[slot]! < from || created[slot]! > to) return false;
      for (const [list, codes] of required) if (!list.holdsAll(slot, codes)) return false;
      return true;
    };
  }
}

/** ts_rank_cd of a document for a disjunction of lexemes, from its query-lexeme positions per weight (D, C, B, A). */
export function coverDensityRank(classes: number[]): number {
  // one cover per position, added in position order: the A block comes first in the stored tsvector, D last
  let rank = 0;
  for (let c = 3; c >= 0; c--) for (let n = 0; n < classes[c]!; n++) rank += COVER_SCORE[c]!;
  return Math.fround(rank);
}

/** A position of a query lexeme as one sortable number: position, then weight, then the lexeme's index. */
function entryOf(stored: number, lexeme: number): number {
  return (stored & 0x3fff) * 128 + (stored >> 14) * 32 + lexeme;
}

/** What ts_rank_cd divides by per position of a cover: 1 / weight, the weight being a float4. */
const INVERSE_WEIGHT = RANK_WEIGHTS.map((weight) => 1 / Math.fround(weight));

/**
 * ts_rank_cd (normalization 0) of a document from its query-lexeme positions (entryOf, in order), as PostgreSQL's
 * calc_rank_cd computes it: each cover is the shortest run of positions, found left to right, in which the query
 * matches; it adds (its positions / the sum of their inverse weights) / (1 + the words between them not in it).
 */
export function coverDensity(matches: (held: number) => boolean, entries: number[]): number {
  let rank = 0;
  let start = 0;
  const positionOf = (i: number) => Math.floor(entries[i]! / 128);
  const bitOf = (i: number) => 1 << (entries[i]! % 32);
  for (;;) {
    // the cover's end: the first position from `start` at which the query matches
    let held = 0;
    let end = -1;
    for (let i = start; i < entries.length; i++) {
      held |= bitOf(i);
      if (matches(held)) { end = i; break; }
    }
    if (end < 0) break;
    // its beginning: back from the end, the first position at which the query matches again
    held = 0;
    let begin = end;
    while (begin >= start) {
      held |= bitOf(begin);
      if (matches(held)) break;
      begin--;
    }
    if (begin < start) { start++; continue; }
    let inverseSum = 0;
    for (let i = begin; i <= end; i++) inverseSum += INVERSE_WEIGHT[Math.floor(entries[i]! / 32) % 4]!;
    const coverScore = (end - begin + 1) / inverseSum;
    let noise = positionOf(end) - positionOf(begin) - (end - begin);
    if (noise < 0) noise = Math.trunc((end - begin) / 2);
    rank += coverScore / (1 + noise);
    start = begin + 1;
  }
  return Math.fround(rank);
}

/** Counts of the total and each facet's values over the slots added. */
class Tally {
  total = 0;
  private readonly counts: Int32Array[];
  constructor(private readonly columns: FacetColumn[]) {
    this.counts = columns.map((column) => new Int32Array(column.kind === 'one' ? column.dictionary.values.length : column.list.dictionary.values.length));
  }
  add(slot: number): void {
    this.total++;
    for (let f = 0; f < this.columns.length; f++) {
      const column = this.columns[f]!;
      const counts = this.counts[f]!;
      if (column.kind === 'one') {
        counts[column.codes.data[slot]!]!++;
      } else {
        const start = column.list.start.data[slot]!;
        const end = start + column.list.size.data[slot]!;
        const codes = column.list.codes;
        for (let i = start; i < end; i++) counts[codes[i]!]!++;
      }
    }
  }
  facets(facets: Facet[]): SearchResult['facets'] {
    return Object.fromEntries(facets.map((facet, f) => {
      const column = this.columns[f]!;
      const values = column.kind === 'one' ? column.dictionary.values : column.list.dictionary.values;
      const counts = this.counts[f]!;
      const found: { value: string; count: number }[] = [];
      for (let code = 0; code < counts.length; code++) if (counts[code]! > 0) found.push({ value: values[code]!, count: counts[code]! });
      found.sort((a, b) => b.count - a.count || Buffer.compare(Buffer.from(a.value), Buffer.from(b.value)));
      return [facet, column.kind === 'many' ? found.slice(0, TAG_FACET_SIZE) : found];
    }));
  }
}

/** The best `limit` of the offered (rank, asset id), rank then asset id descending, strictly after the cursor. */
class TopRanked {
  private readonly best: { asset_id: string; rank: number }[] = [];
  constructor(private readonly limit: number, private readonly after: { rank: number; assetId: string } | undefined) {}
  offer(rank: number, assetId: string): void {
    if (this.after && !before(this.after.rank, this.after.assetId, rank, assetId)) return;
    const best = this.best;
    if (best.length === this.limit) {
      const last = best[best.length - 1]!;
      if (before(last.rank, last.asset_id, rank, assetId)) return;
      best.pop();
    }
    let at = best.length;
    while (at > 0 && before(rank, assetId, best[at - 1]!.rank, best[at - 1]!.asset_id)) at--;
    best.splice(at, 0, { asset_id: assetId, rank });
  }
  ranked(): { asset_id: string; rank: number }[] {
    return this.best;
  }
}

/** Whether (rank, id) comes after (aheadRank, aheadId) in the order best rank first, then asset id descending. */
function before(aheadRank: number, aheadId: string, rank: number, id: string): boolean {
  return rank < aheadRank || (rank === aheadRank && id < aheadId);
}

/**
 * Each lexeme of a tsvector's text form ('word':1A,5B 'other':3) with its positions per weight (D, C, B, A; a
 * position with no letter is D) and its positions as PostgreSQL stores them (position | weight << 14, D = 0 to
 * A = 3), in order. Lexemes are quoted, a quote doubled and a backslash escaped. `positions` is reused for the next
 * lexeme: a visitor keeps a copy.
 */
export function forEachLexeme(text: string, visit: (lexeme: string, counts: number[], positions: number[]) => void): void {
  let i = 0;
  const n = text.length;
  const positions: number[] = [];
  while (i < n) {
    if (text[i] !== "'") { i++; continue; }
    const quoted = quotedLexeme(text, i);
    if (!quoted) return;
    const { lexeme } = quoted;
    i = quoted.end;
    const counts = [0, 0, 0, 0];
    positions.length = 0;
    if (text[i] === ':') {
      i++;
      for (;;) {
        let position = 0;
        while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) position = position * 10 + text.charCodeAt(i++) - 48;
        const letter = text[i];
        const weight = letter === 'A' ? 3 : letter === 'B' ? 2 : letter === 'C' ? 1 : 0;
        if (weight > 0) i++;
        counts[weight]!++;
        positions.push(position | (weight << 14));
        if (text[i] !== ',') break;
        i++;
      }
    }
    visit(lexeme, counts, positions);
  }
}

/** A tsquery the term index answers: its distinct lexemes and whether a document holding these of them matches. */
export interface TermQuery {
  lexemes: string[];
  /** `held`: bit i set when the document holds lexemes[i] */
  matches(held: number): boolean;
  /** only | between lexemes: every position is a cover of its own (coverDensityRank) */
  disjunction: boolean;
}

/** Lexemes a query may name: one bit each in a 32-bit mask. */
const MAX_QUERY_LEXEMES = 31;
/** Up to this many lexemes, a query's matches are a table of every combination (64 KiB at most). */
const TRUTH_TABLE_LEXEMES = 16;

/**
 * A tsquery's text form ('perr' | 'dog', 'a' & ( 'b' | 'c' )) as a TermQuery; undefined for what the term index
 * does not answer: negation, phrases (<->), prefixes and weights, an empty query, more than 31 lexemes. Query items
 * naming one lexeme share its bit (ts_rank_cd counts a position once however many items name its lexeme).
 */
export function parseTsquery(tsquery: string): TermQuery | undefined {
  const tokens = tsqueryTokens(tsquery);
  if (!tokens || tokens.length === 0) return undefined;
  const lexemes: string[] = [];
  let at = 0;
  let disjunction = true;
  type Test = (held: number) => boolean;
  // expression := term ('|' term)*; term := factor ('&' factor)*; factor := lexeme | '(' expression ')'
  const joined = (operator: '|' | '&', operand: () => Test | undefined, combine: (tests: Test[]) => Test) => (): Test | undefined => {
    const tests: Test[] = [];
    for (;;) {
      const next = operand();
      if (!next) return undefined;
      tests.push(next);
      if (tokens[at] !== operator) break;
      if (operator === '&') disjunction = false;
      at++;
    }
    return tests.length === 1 ? tests[0] : combine(tests);
  };
  const factor = (): Test | undefined => {
    const token = tokens[at++];
    if (token === '(') {
      const inner = expression();
      return tokens[at++] === ')' ? inner : undefined;
    }
    if (typeof token !== 'object') return undefined;
    let index = lexemes.indexOf(token.lexeme);
    if (index < 0) index = lexemes.push(token.lexeme) - 1;
    const bit = 1 << index;
    return (held) => (held & bit) !== 0;
  };
  const term = joined('&', factor, (tests) => (held) => tests.every((test) => test(held)));
  const expression: () => Test | undefined = joined('|', term, (tests) => (held) => tests.some((test) => test(held)));
  const test = expression();
  if (!test || at !== tokens.length || lexemes.length > MAX_QUERY_LEXEMES) return undefined;
  if (lexemes.length > TRUTH_TABLE_LEXEMES) return { lexemes, matches: test, disjunction };
  // every combination of held lexemes evaluated once: a match is then one lookup per document
  const table = new Uint8Array(1 << lexemes.length);
  for (let held = 0; held < table.length; held++) table[held] = test(held) ? 1 : 0;
  return { lexemes, matches: (held) => table[held] === 1, disjunction };
}

/** The tokens of a tsquery's text form: lexemes, &, |, ( and ); undefined at anything else. */
function tsqueryTokens(tsquery: string): (string | { lexeme: string })[] | undefined {
  const tokens: (string | { lexeme: string })[] = [];
  let i = 0;
  const n = tsquery.length;
  while (i < n) {
    const char = tsquery[i]!;
    if (char === ' ') { i++; continue; }
    if (char === '&' || char === '|' || char === '(' || char === ')') { tokens.push(char); i++; continue; }
    const quoted = char === "'" ? quotedLexeme(tsquery, i) : undefined;
    if (!quoted) return undefined;
    i = quoted.end;
    // a weight or prefix (:A, :*) follows without a space
    if (i < n && tsquery[i] !== ' ') return undefined;
    tokens.push({ lexeme: quoted.lexeme });
  }
  return tokens;
}

/**
 * The lexeme quoted at text[start] (its opening quote) in a tsvector's or tsquery's text form, unescaped (a quote
 * doubled, a backslash before a character), and the index after its closing quote; undefined when it is not closed.
 */
function quotedLexeme(text: string, start: number): { lexeme: string; end: number } | undefined {
  let lexeme = '';
  let i = start + 1;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '\\') { lexeme += text[i + 1]; i += 2; continue; }
    if (char === "'") {
      if (text[i + 1] !== "'") return { lexeme, end: i + 1 };
      lexeme += "'";
      i += 2;
      continue;
    }
    lexeme += char;
    i++;
  }
  return undefined;
}

/** FNV-1a over the UTF-16 code units, 24 bits: the bit of a lexeme in the sampled mode's unkept set (2^24 bits). */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) & ((1 << 24) - 1);
}
