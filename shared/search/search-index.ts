// The SearchIndex port: the read model (CQRS) that `index` writes and `search` reads.
// Adapters: Postgres (tsvector + unaccent, pgvector where installed; the embedded default) and OpenSearch.
// One conformance suite for both (test/support/search-conformance.ts).
//
// Modes: 'text' ranks by weighted full text (or lists newest first without q); 'semantic' is k-NN over
// document embeddings; 'hybrid' fuses the text and k-NN rankings by reciprocal rank (rrf.ts). Semantic and
// hybrid rank a bounded candidate set (the top K of each ranking), so their totals count candidates, not
// every document.
//
// Text mode is exact: hits ranked among every match, `total` the count of every match and facets counted over
// all of them. Only a caller that asks (`approximate: true`) may get a bounded answer, and the result then says
// so: `approximate: true` and the flags of what is approximate. The Postgres adapter then looks at the newest
// matches only (250, or a page if larger) when a query matches more: text hits are ranked among those
// (`rankedAmongNewest`), `total` is the planner's estimate (`totalIsEstimate`) and facet counts are estimated
// from those matches, scaled to the estimated total (`facetsApproximate`). Smaller match sets stay exact, and
// the flags are absent. When vectors cannot be used the result says so in `semantic` and never labels text-only
// hits as semantic: semantic answers no hits, hybrid falls back to text.

import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';

export interface SearchDocument {
  assetId: string;
  projectId: string;
  mediaType: string;
  state: string;
  /**
   * The editorial state (domain/editorial.ts). Absent on documents indexed before editorial states existed: they
   * count as approved, as their assets do (migration 0009).
   */
  editorialState?: string;
  title: string;
  description: string;
  tags: string[];
  filename: string;
  createdAt: Date;
  /** when the media was captured (EXIF DateTimeOriginal), if known */
  capturedAt?: Date;
  /** extra searchable text by field name (EXIF camera, lens, place...), lowest weight */
  fields: Record<string, string>;
  /** shown with hits without another round trip */
  thumbnailKey?: string;
  /**
   * The asset's metadata schema field values by name (domain/metadata-schema.ts): strings (text, keyword, url,
   * enum, person, dates as YYYY-MM-DD), numbers, booleans, lists (multi-enum). Filterable (filters.fields) and
   * facetable (fieldFacets); text values are also searchable text, like `fields`.
   */
  schemaFields?: Record<string, string | number | boolean | string[]>;
  /** AI labels in English and Spanish forms ("dog", "perro"); weighted like tags; a facet */
  labels?: string[];
  /**
   * The model's confidence (0..1) per label value, either language form: a label below WEAK_LABEL_CONFIDENCE
   * (analysis.ts) ranks like OCR text; a label without one (an editor's) ranks like a tag.
   */
  labelConfidence?: Record<string, number>;
  /** people recognised in the media (face cluster ids, uuids); a filter, not searchable text */
  personIds?: string[];
  /** the collections holding the asset (uuids); a filter, not searchable text */
  collectionIds?: string[];
  /** text read in the image or video frames; lowest weight; single characters and symbol runs are not indexed */
  ocrText?: string;
  /** speech to text; lowest weight */
  transcript?: string;
  /**
   * The asset's embedding (CLIP image or text space), `search.embeddingDimensions` (configuration) long. Indexed for semantic
   * search; hits' documents never carry it back.
   */
  embedding?: number[];
}

/**
 * Assets in these states have a document; the others (uploading, uploaded, deleted) are listed by GET /assets. A
 * processing asset has one only once its poster is stored (see isIndexed).
 */
export const INDEXED_STATES = ['ready', 'archived', 'failed', 'processing'] as const;
/** What a search without a state filter finds: failed assets only when asked for. */
export const DEFAULT_SEARCH_STATES = ['ready', 'archived', 'processing'] as const;

/**
 * Whether an asset has a search document: a processing video or audio file is found as soon as its poster is
 * stored (progressive rendering, the renditions-partial event), while the rest of its renditions encode; other
 * processing assets (images, a first render before its poster) are not.
 */
export function isIndexed(state: string, renditionNames: readonly string[]): boolean {
  if (state === 'processing') return renditionNames.includes('poster');
  return (INDEXED_STATES as readonly string[]).includes(state);
}

export type SearchMode = 'text' | 'semantic' | 'hybrid';

/**
 * A filter on one schema field. `values`: the field holds any of them (a list field: any element; compared as
 * text, so "4" finds 4 and "true" finds true). `min`/`max`: inclusive bounds, numbers for number fields, YYYY-MM-DD
 * for date fields; a document whose value is of the other kind (or absent) does not match.
 */
export interface FieldFilter {
  name: string;
  values?: string[];
  min?: number | string;
  max?: number | string;
}

/** Values returned per field facet. */
export const FIELD_FACET_SIZE = 20;

/** Field filter values as the JSON values they can be stored as: the string, and the number or boolean it spells. */
export function storedForms(value: string): (string | number | boolean)[] {
  const forms: (string | number | boolean)[] = [value];
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value.trim()) && Number.isFinite(Number(value))) forms.push(Number(value));
  if (value === 'true' || value === 'false') forms.push(value === 'true');
  return forms;
}

/** A field facet's values, as text. */
export function facetValuesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined || value === null ? [] : [String(value)];
}

export const FACETS = ['mediaType', 'projectId', 'state', 'tags', 'labels'] as const;
export type Facet = (typeof FACETS)[number];

export interface SearchQuery {
  q?: string;
  /** projects the caller may read; the adapter never returns documents outside them */
  projectIds: string[];
  /** projects (among projectIds) in which only approved documents are returned: the caller is a viewer there */
  approvedOnlyProjectIds?: string[];
  filters: {
    mediaType?: string[];
    projectId?: string[];
    state?: string[];
    editorialState?: string[];
    /** every listed tag must be present */
    tags?: string[];
    /** every listed AI label (either language form) must be present */
    labels?: string[];
    /** every listed person must be present ("all assets with this person") */
    personIds?: string[];
    /** every listed collection must hold the asset */
    collectionIds?: string[];
    /** on createdAt */
    from?: Date;
    to?: Date;
    /** on schema fields (schemaFields), every one must hold */
    fields?: FieldFilter[];
  };
  /**
   * Schema fields to count values of (each value of a list counts): the top FIELD_FACET_SIZE values by count,
   * over every match. Text mode; semantic and hybrid count their candidates.
   */
  fieldFacets?: string[];
  facets: Facet[];
  limit: number;
  /** opaque, from a previous result's nextCursor */
  cursor?: string;
  /** 'text' unless given; 'semantic' when only moreLikeAssetId is given */
  mode?: SearchMode;
  /** the query embedded by the caller, in the documents' embedding space */
  vector?: number[];
  /** "more like this": the query vector is this asset's stored embedding; the asset itself is left out */
  moreLikeAssetId?: string;
  /** hybrid only: how much each ranking counts in the fusion; both 1 unless given */
  hybridWeights?: { text: number; semantic: number };
  /**
   * The caller accepts a bounded, approximate answer for large match sets (faster where the adapter has such a
   * path); the result says what is approximate. Unset: exact.
   */
  approximate?: boolean;
}

export interface SearchHit {
  assetId: string;
  score: number;
  document: SearchDocument;
}

export interface SearchResult {
  hits: SearchHit[];
  /** text mode: number of matches (exact unless totalIsEstimate); semantic and hybrid: number of candidates ranked (see above) */
  total: number;
  /** counted over the same documents as total (estimated when facetsApproximate) */
  facets: Partial<Record<Facet, { value: string; count: number }[]>>;
  /** the schema fields asked for in fieldFacets: values (as text: "true", "4", "2026-05-01") by count, then value */
  fieldFacets?: Record<string, { value: string; count: number }[]>;
  /** true only when the query asked for an approximate answer and some figure below is one */
  approximate?: boolean;
  /** true when total is an estimate of a large match set, not a count */
  totalIsEstimate?: boolean;
  /** true when the facet counts are estimated from a sample of the matches (the newest ones) */
  facetsApproximate?: boolean;
  /** text hits (hybrid: its text ranking) were ranked among this many newest matches only, not among all of them */
  rankedAmongNewest?: number;
  nextCursor?: string;
  /** whether vector similarity ranked these hits; when it could not, why (no pgvector, no query vector...) */
  semantic: { available: boolean; reason?: string };
}

export interface SearchIndex {
  readonly backend: string;
  /** vectors: semantic, hybrid and more-like-this can work (Postgres: known after the first call) */
  readonly capabilities: { vectors: boolean };
  upsert(document: SearchDocument): Promise<void>;
  /** upsert of many documents in few round trips (bulk indexing, reindexing); the last of one assetId wins */
  upsertMany(documents: SearchDocument[]): Promise<void>;
  remove(assetId: string): Promise<void>;
  search(query: SearchQuery): Promise<SearchResult>;
  /**
   * Only adapters that keep their documents in the platform's database: this index writing through the caller's
   * transaction, so a projection commits with the caller's other writes (its idempotency record).
   */
  inTransaction?(trx: Transaction<DB>): SearchIndex;
  /** Adapters with a connection of their own (OpenSearch) close it; the platform calls this when it closes. */
  close?(): Promise<void>;
}

export class InvalidCursor extends Error {}

/** Why a semantic or hybrid query cannot use vectors, or undefined when it can. Shared wording for all adapters. */
export const SEMANTIC_UNAVAILABLE = {
  noQueryVector: 'no query vector given',
  notSimilar: (assetId: string) => `asset ${assetId} has no embedding in this index (or is outside the caller's projects)`,
  wrongDimensions: (got: number, expected: number) => `query vector has ${got} dimensions, the index stores ${expected}`,
} as const;

/**
 * What a semantic query compares with: the caller's own vector (or why it cannot be used), or the asset whose
 * embedding the adapter must look up (`like`: only one the caller may read, or its neighbours would tell about it).
 */
export function queryVectorSource(query: SearchQuery, dimensions: number): { vector: number[] } | { reason: string } | { like: string } {
  if (query.vector) return query.vector.length === dimensions ? { vector: query.vector } : { reason: SEMANTIC_UNAVAILABLE.wrongDimensions(query.vector.length, dimensions) };
  return query.moreLikeAssetId === undefined ? { reason: SEMANTIC_UNAVAILABLE.noQueryVector } : { like: query.moreLikeAssetId };
}

/** The mode a query runs in: 'semantic' when only moreLikeAssetId asks for it. */
export function modeOf(query: SearchQuery): SearchMode {
  return query.mode ?? (query.moreLikeAssetId ? 'semantic' : 'text');
}

/** A stored document (JSON, dates as ISO strings) back as a SearchDocument. */
export function documentFrom(json: Record<string, unknown>): SearchDocument {
  const { createdAt, capturedAt, ...rest } = json as unknown as Omit<SearchDocument, 'createdAt' | 'capturedAt'> & { createdAt: string; capturedAt?: string };
  return { ...rest, createdAt: new Date(createdAt), ...(capturedAt ? { capturedAt: new Date(capturedAt) } : {}) };
}

/** What a text-mode result says about vectors. */
export const TEXT_MODE = { available: false, reason: 'text mode' } as const;

/** Every requested facet, with no values: the answer when nothing can match. */
export function emptyFacets(query: SearchQuery): SearchResult['facets'] {
  return Object.fromEntries(query.facets.map((facet) => [facet, []]));
}

/** The three searches an adapter provides; `V` is its own form of a query vector. */
export interface ModeSearches<V> {
  textSearch(query: SearchQuery): Promise<Omit<SearchResult, 'semantic'>>;
  /** the query's vector, or why there is none (no vector support, wrong length, no embedding to compare with) */
  queryVector(query: SearchQuery): Promise<{ vector: V } | { reason: string }>;
  rankedSearch(query: SearchQuery, mode: Exclude<SearchMode, 'text'>, vector: V): Promise<Omit<SearchResult, 'semantic'>>;
}

/**
 * Runs a query in its mode, with the rule every adapter keeps when vectors cannot be used: hybrid falls back
 * to text and says so; semantic answers nothing rather than text dressed as semantic.
 */
export async function searchByMode<V>(query: SearchQuery, searches: ModeSearches<V>): Promise<SearchResult> {
  const mode = modeOf(query);
  if (mode === 'text') return { ...(await searches.textSearch(query)), semantic: TEXT_MODE };
  const vector = await searches.queryVector(query);
  if ('reason' in vector) {
    const semantic = { available: false, reason: vector.reason };
    if (mode === 'hybrid') return { ...(await searches.textSearch(query)), semantic };
    return { hits: [], total: 0, facets: emptyFacets(query), semantic };
  }
  return { ...(await searches.rankedSearch(query, mode, vector.vector)), semantic: { available: true } };
}
