// The OpenSearch SearchIndex, for catalogues beyond what the Postgres adapter serves well. One index, one
// document per asset: keyword fields for scope, filters and facets (terms aggregations), text fields analysed
// in Spanish and English (stop words, asciifolding, stemmer) and a knn_vector (Lucene HNSW, cosine) for
// semantic search. Searches page with search_after through shared cursors (cursor.ts).
//
// Text ranking: every word must appear in some field (all in Spanish or all in English analysis, like the
// Postgres adapter's es || en tsquery). The score is the sum of the weights of the fields that match
// (title 10 > tags, labels, filename 4 > description 2 > extra fields, OCR text, transcript 1), plus BM25 at a
// thousandth to order documents within the same fields: plain BM25 with boosts does not keep the field order,
// because a field that few documents have gets a small IDF.
import { Client } from '@opensearch-project/opensearch';
import type * as Aggregations from '@opensearch-project/opensearch/api/_types/_common.aggregations.js';
import type * as QueryDsl from '@opensearch-project/opensearch/api/_types/_common.query_dsl.js';
import type { IndexTemplateMapping } from '@opensearch-project/opensearch/api/_types/indices.put_index_template.js';
import { DEFAULT_EMBEDDING_DIMENSIONS } from '../config.ts';
import { labelsByConfidence, ocrIndexText } from './analysis.ts';
import { cursorMillis, decodeCursor, encodeCursor, isUuid } from './cursor.ts';
import { type Fused, after as entriesAfter, byScoreThenId, rrf } from './rrf.ts';
import {
  type Facet,
  FIELD_FACET_SIZE,
  type FieldFilter,
  InvalidCursor,
  type SearchDocument,
  type SearchHit,
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

/** Semantic and hybrid rank the top CANDIDATES of each ranking (or the page size, if larger). */
const CANDIDATES = 100;
const TAG_FACET_SIZE = 20;
const FACET_SIZE = 100;
const FACET_FIELDS = { mediaType: 'media_type', projectId: 'project_id', state: 'state', tags: 'tags', labels: 'label_values' } as const;
/** Top values returned for the many-valued facets. */
const LIST_FACETS: Facet[] = ['tags', 'labels'];
/** Keyword fields added after the first release: put into existing indexes' mappings by ensureIndex. */
const ADDED_KEYWORDS = {
  label_values: { type: 'keyword' },
  person_ids: { type: 'keyword' },
  editorial_state: { type: 'keyword' },
  collection_ids: { type: 'keyword' },
  // schema fields (SearchDocument.schemaFields): "name=value" per value (filters and facets), and numbers and dates
  // by name for ranges (nested, so a bound meets the value of its own field)
  field_values: { type: 'keyword', ignore_above: 2048 },
  field_ranges: { type: 'nested', properties: { name: { type: 'keyword' }, number: { type: 'double' }, date: { type: 'keyword' } } },
} as const;
const TEXT_WEIGHTS = { title: 10, tags_text: 4, labels: 4, description: 2, extra: 1, ocr_text: 1, transcript: 1 } as const;
const TEXT_FIELDS = Object.keys(TEXT_WEIGHTS) as (keyof typeof TEXT_WEIGHTS)[];
const BM25_TIEBREAK = 0.001;

export interface OpenSearchOptions {
  /** the alias searches and writes use ('mediateca-assets' unless given); index versions are `<index>-<timestamp>` */
  index?: string;
  /** embedding length; SEARCH_EMBEDDING_DIMENSIONS (512) unless given */
  dimensions?: number;
  /** 'wait_for' (default): upsert and remove return once the change is searchable; true forces a refresh (tests) */
  refresh?: boolean | 'wait_for';
}

type Source = { document: Record<string, unknown>; embedding?: number[] };
type Hit = { _id?: string; _score?: number | null; _source?: Source; sort?: unknown[] };

export class OpenSearchSearchIndex implements SearchIndex {
  readonly backend = 'opensearch';
  readonly capabilities = { vectors: true };
  readonly index: string;
  private readonly dimensions: number;
  private readonly refresh: boolean | 'wait_for';
  /** The version a running reindex() is filling: writes go there too, so it misses none. */
  private alsoWriteTo?: string;

  constructor(private readonly client: Client, options: OpenSearchOptions = {}) {
    this.index = options.index ?? 'mediateca-assets';
    this.dimensions = options.dimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
    this.refresh = options.refresh ?? 'wait_for';
  }

  /** A client for the URL (credentials may be in it) and the index, created if missing. */
  static async open(url: string, options: OpenSearchOptions = {}): Promise<OpenSearchSearchIndex> {
    const index = new OpenSearchSearchIndex(new Client({ node: url }), options);
    await index.ensureIndex();
    return index;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Deletes the index: every version behind the alias, the alias and the template (tests' throwaway indexes). */
  async dropIndex(): Promise<void> {
    for (const version of await this.versions()) await this.client.indices.delete({ index: version }, { ignore: [404] });
    await this.client.indices.delete({ index: this.index }, { ignore: [404] });
    await this.client.indices.deleteIndexTemplate({ name: this.templateName }, { ignore: [404] });
  }

  private get templateName(): string {
    return `${this.index}-template`;
  }

  /**
   * The index template (settings and mappings of every index version, `<index>-<timestamp>`), then the alias
   * `<index>` over a first version when neither exists. Searches and writes go through the alias, so a reindex
   * (reindex()) swaps versions with no downtime. An index named `<index>` from before aliases keeps working, and
   * its first reindex turns the name into the alias.
   */
  async ensureIndex(): Promise<void> {
    await this.client.indices.putIndexTemplate({ name: this.templateName, body: { index_patterns: [`${this.index}-*`], template: this.indexDefinition() } });
    const exists = await this.client.indices.exists({ index: this.index });
    if (exists.body) {
      // Adding fields to a mapping is allowed in place; the strict mapping would reject documents carrying them otherwise.
      await this.client.indices.putMapping({ index: this.index, body: { properties: ADDED_KEYWORDS } });
      return;
    }
    await this.client.indices.create({ index: this.newVersionName(), body: { aliases: { [this.index]: {} } } });
  }

  /**
   * Rebuilds the index from the documents with no downtime: a new version is created from the template and
   * bulk-filled while searches still read the old one; then one _aliases request moves the alias atomically and
   * the old versions are deleted. Writes through this instance meanwhile go to both versions. Returns the new
   * version's name.
   */
  async reindex(batches: AsyncIterable<SearchDocument[]> | Iterable<SearchDocument[]>): Promise<string> {
    const next = this.newVersionName();
    await this.client.indices.create({ index: next });
    const previous = await this.versions();
    const aliasIsIndex = previous.length === 0 && (await this.client.indices.exists({ index: this.index })).body;
    this.alsoWriteTo = next;
    try {
      for await (const batch of batches) await this.bulk(batch, next);
      await this.client.indices.refresh({ index: next });
      const actions = [
        ...previous.map((index) => ({ remove: { index, alias: this.index } })),
        // A concrete index of the alias's name (before aliases) is deleted in the same atomic step.
        ...(aliasIsIndex ? [{ remove_index: { index: this.index } }] : []),
        { add: { index: next, alias: this.index } },
      ];
      await this.client.indices.updateAliases({ body: { actions } });
    } catch (error) {
      await this.client.indices.delete({ index: next }, { ignore: [404] });
      throw error;
    } finally {
      this.alsoWriteTo = undefined;
    }
    for (const index of previous) await this.client.indices.delete({ index }, { ignore: [404] });
    return next;
  }

  /** The index versions the alias points at (none when there is no alias). */
  private async versions(): Promise<string[]> {
    const response = await this.client.indices.getAlias({ name: this.index }, { ignore: [404] });
    return response.statusCode === 404 ? [] : Object.keys(response.body as Record<string, unknown>);
  }

  /** `<index>-<UTC timestamp, milliseconds>`: index names are lower case. */
  private newVersionName(): string {
    return `${this.index}-${new Date().toISOString().replace(/[-:.]/g, '').toLowerCase()}`;
  }

  /** Settings (Spanish and English analysers with ASCII folding, k-NN on) and the strict mapping of an index version. */
  private indexDefinition(): IndexTemplateMapping {
    const text = { type: 'text', analyzer: 'mediateca_es', fields: { en: { type: 'text', analyzer: 'mediateca_en' } } } as const;
    const keyword = { type: 'keyword' } as const;
    return {
      settings: {
        index: { knn: true },
        analysis: {
          filter: {
            mediateca_es_stop: { type: 'stop', stopwords: '_spanish_' },
            mediateca_es_stemmer: { type: 'stemmer', language: 'light_spanish' },
            mediateca_en_stop: { type: 'stop', stopwords: '_english_' },
            mediateca_en_possessive: { type: 'stemmer', language: 'possessive_english' },
            mediateca_en_stemmer: { type: 'stemmer', language: 'english' },
          },
          analyzer: {
            // Stop words are listed with accents: remove them before asciifolding.
            mediateca_es: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'mediateca_es_stop', 'asciifolding', 'mediateca_es_stemmer'] },
            mediateca_en: { type: 'custom', tokenizer: 'standard', filter: ['mediateca_en_possessive', 'lowercase', 'mediateca_en_stop', 'asciifolding', 'mediateca_en_stemmer'] },
          },
        },
      },
      mappings: {
        dynamic: 'strict',
        properties: {
          asset_id: keyword,
          project_id: keyword,
          media_type: keyword,
          state: keyword,
          tags: keyword,
          ...ADDED_KEYWORDS,
          created_at: { type: 'date' },
          ...Object.fromEntries(TEXT_FIELDS.map((field) => [field, text])),
          embedding: {
            type: 'knn_vector',
            dimension: this.dimensions,
            // Lucene's HNSW filters during the graph walk, so filtered k-NN still finds k neighbours.
            method: { name: 'hnsw', engine: 'lucene', space_type: 'cosinesimil', parameters: { m: 16, ef_construction: 128 } },
          },
          // Returned with hits, never searched.
          document: { type: 'object', enabled: false },
        },
      },
    };
  }

  async upsert(doc: SearchDocument): Promise<void> {
    await this.client.index({ index: this.index, id: doc.assetId, refresh: this.refresh, body: this.sourceOf(doc) });
    if (this.alsoWriteTo) await this.client.index({ index: this.alsoWriteTo, id: doc.assetId, body: this.sourceOf(doc) });
  }

  /** One bulk request; fails with the first document OpenSearch refused. */
  async upsertMany(documents: SearchDocument[]): Promise<void> {
    await this.bulk(documents, this.index, this.refresh);
    if (this.alsoWriteTo) await this.bulk(documents, this.alsoWriteTo);
  }

  private async bulk(documents: SearchDocument[], index: string, refresh: boolean | 'wait_for' = false): Promise<void> {
    if (documents.length === 0) return;
    const response = await this.client.bulk({
      refresh,
      body: documents.flatMap((doc) => [{ index: { _index: index, _id: doc.assetId } }, this.sourceOf(doc)]),
    });
    if (response.body.errors) {
      const failed = response.body.items.map((item) => item.index).find((result) => result?.error);
      throw new Error(`bulk indexing failed for asset ${failed?._id}: ${JSON.stringify(failed?.error)}`);
    }
  }

  /** The indexed form of a document: keyword and text fields, the vector, and the document itself for hits. */
  private sourceOf(doc: SearchDocument) {
    const { embedding, ...stored } = doc;
    if (embedding && embedding.length !== this.dimensions) {
      throw new Error(`embedding of asset ${doc.assetId} has ${embedding.length} dimensions, the index stores ${this.dimensions}`);
    }
    const labels = labelsByConfidence(doc);
    return {
      asset_id: doc.assetId,
      project_id: doc.projectId,
      media_type: doc.mediaType,
      state: doc.state,
      editorial_state: doc.editorialState ?? 'approved',
      tags: doc.tags,
      label_values: doc.labels ?? [],
      person_ids: doc.personIds ?? [],
      field_values: Object.entries(doc.schemaFields ?? {}).flatMap(([name, value]) => facetValuesOf(value).map((text) => `${name}=${text}`)),
      field_ranges: Object.entries(doc.schemaFields ?? {}).flatMap(([name, value]): { name: string; number?: number; date?: string }[] =>
        typeof value === 'number' ? [{ name, number: value }] : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? [{ name, date: value }] : []),
      collection_ids: doc.collectionIds ?? [],
      created_at: doc.createdAt.toISOString(),
      title: doc.title,
      // "IMG_2041.jpg" is one token to the tokenizer: its parts are added so "IMG", "2041" find it too.
      tags_text: [...doc.tags, doc.filename, ...doc.filename.split(/[_.-]+/)].join(' '),
      labels: labels.strong.join(' '),
      description: doc.description,
      // Labels the model is unsure of rank with the lowest weight, like the Postgres adapter's D.
      extra: [...Object.values(doc.fields), ...labels.weak].join(' '),
      ocr_text: ocrIndexText(doc.ocrText ?? ''),
      transcript: doc.transcript ?? '',
      ...(embedding ? { embedding } : {}),
      document: JSON.parse(JSON.stringify(stored)),
    };
  }

  async remove(assetId: string): Promise<void> {
    await this.client.delete({ index: this.index, id: assetId, refresh: this.refresh }, { ignore: [404] });
    if (this.alsoWriteTo) await this.client.delete({ index: this.alsoWriteTo, id: assetId }, { ignore: [404] });
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
    const response = await this.client.search({
      index: this.index,
      body: {
        size: 1,
        _source: ['embedding'],
        query: { bool: { filter: [{ term: { asset_id: like } }, { terms: { project_id: query.projectIds } }, { exists: { field: 'embedding' } }] } },
      },
    });
    const embedding = (response.body.hits.hits[0] as Hit | undefined)?._source?.embedding;
    return embedding ? { vector: embedding } : { reason: SEMANTIC_UNAVAILABLE.notSimilar(like) };
  }

  private async textSearch(query: SearchQuery): Promise<Omit<SearchResult, 'semantic'>> {
    const text = query.q?.trim() || undefined;
    const sortName = text === undefined ? 'list' : 'text';
    const key = query.cursor === undefined ? undefined : textKeyFrom(query.cursor, sortName);
    if (query.projectIds.length === 0) return { hits: [], total: 0, facets: emptyFacets(query) };
    const sort: { [field: string]: { order: 'desc' } }[] = [text === undefined ? { created_at: { order: 'desc' } } : { _score: { order: 'desc' } }, { asset_id: { order: 'desc' } }];
    const response = await this.client.search({
      index: this.index,
      body: {
        size: query.limit + 1,
        track_total_hits: true,
        _source: ['document'],
        query: text === undefined ? { bool: { filter: filtersOf(query) } } : textQuery(query, text),
        sort,
        ...(key ? { search_after: key } : {}),
        aggs: { ...aggregationsOf(query.facets), ...fieldAggregationsOf(query) },
      },
    });
    const body = response.body;
    const fieldFacets = query.fieldFacets?.length ? { fieldFacets: fieldFacetsFrom(query, body.aggregations) } : {};
    const hits = body.hits.hits as Hit[];
    const page = hits.slice(0, query.limit);
    const last = hits.length > query.limit ? page[page.length - 1] : undefined;
    const total = typeof body.hits.total === 'number' ? body.hits.total : body.hits.total?.value ?? 0;
    return {
      hits: page.map((hit) => ({ assetId: hit._id!, score: hit._score ?? 0, document: documentFrom(hit._source!.document) })),
      total,
      facets: facetsFrom(query.facets, body.aggregations),
      ...fieldFacets,
      nextCursor: last && encodeCursor([sortName, Number(last.sort![0]), String(last.sort![1])]),
    };
  }

  /** Semantic: the k nearest; hybrid: RRF of the text top K and the k-NN top K; paged on (score, assetId). */
  private async rankedSearch(query: SearchQuery, mode: Exclude<SearchMode, 'text'>, vector: number[]): Promise<Omit<SearchResult, 'semantic'>> {
    const key = query.cursor === undefined ? undefined : rankedKeyFrom(query.cursor, mode);
    if (query.projectIds.length === 0) return { hits: [], total: 0, facets: emptyFacets(query) };
    const k = Math.max(CANDIDATES, query.limit);
    const documents = new Map<string, Record<string, unknown>>();
    const nearest = await this.nearest(query, vector, k, documents);
    let candidates = nearest;
    if (mode === 'hybrid') {
      const weights = query.hybridWeights ?? { text: 1, semantic: 1 };
      const text = await this.textTop(query, k, documents);
      candidates = rrf([{ ids: text, weight: weights.text }, { ids: nearest.map((n) => n.id), weight: weights.semantic }]);
    }
    const rest = entriesAfter(candidates, key);
    const page = rest.slice(0, query.limit);
    const last = rest.length > query.limit ? page[page.length - 1] : undefined;
    const hits: SearchHit[] = page.map((p) => ({ assetId: p.id, score: p.score, document: documentFrom(documents.get(p.id)!) }));
    return {
      hits,
      total: candidates.length,
      facets: await this.candidateFacets(query, candidates.map((c) => c.id)),
      ...(query.fieldFacets?.length ? { fieldFacets: await this.candidateFieldFacets(query, candidates.map((c) => c.id)) } : {}),
      nextCursor: last && encodeCursor([mode, last.score, last.id]),
    };
  }

  /** The k nearest by cosine similarity (Lucene scores (1 + cos) / 2; hits carry cos), filters applied during the walk. */
  private async nearest(query: SearchQuery, vector: number[], k: number, documents: Map<string, Record<string, unknown>>): Promise<Fused[]> {
    const filter: QueryDsl.QueryContainer = { bool: { filter: filtersOf(query), must_not: excluded(query) } };
    const response = await this.client.search({
      index: this.index,
      body: { size: k, _source: ['document'], query: { knn: { embedding: { vector, k, filter } } } },
    });
    const hits = response.body.hits.hits as Hit[];
    for (const hit of hits) documents.set(hit._id!, hit._source!.document);
    return hits.map((hit) => ({ id: hit._id!, score: 2 * (hit._score ?? 0) - 1 })).sort(byScoreThenId);
  }

  /** The text ranking's top k asset ids, best first (empty without q). */
  private async textTop(query: SearchQuery, k: number, documents: Map<string, Record<string, unknown>>): Promise<string[]> {
    const text = query.q?.trim() || undefined;
    if (text === undefined) return [];
    const ranked = textQuery(query, text);
    const response = await this.client.search({
      index: this.index,
      body: { size: k, _source: ['document'], query: { bool: { must: [ranked], must_not: excluded(query) } }, sort: [{ _score: { order: 'desc' } }, { asset_id: { order: 'desc' } }] },
    });
    const hits = response.body.hits.hits as Hit[];
    for (const hit of hits) documents.set(hit._id!, hit._source!.document);
    return hits.map((hit) => hit._id!);
  }

  private async candidateFieldFacets(query: SearchQuery, ids: string[]): Promise<NonNullable<SearchResult['fieldFacets']>> {
    if (ids.length === 0) return fieldFacetsFrom(query, undefined);
    const response = await this.client.search({
      index: this.index,
      body: { size: 0, query: { bool: { filter: [{ terms: { asset_id: ids } }] } }, aggs: fieldAggregationsOf(query) },
    });
    return fieldFacetsFrom(query, response.body.aggregations);
  }

  private async candidateFacets(query: SearchQuery, ids: string[]): Promise<SearchResult['facets']> {
    if (query.facets.length === 0) return {};
    if (ids.length === 0) return emptyFacets(query);
    const response = await this.client.search({
      index: this.index,
      body: { size: 0, query: { bool: { filter: [{ terms: { asset_id: ids } }] } }, aggs: aggregationsOf(query.facets) },
    });
    return facetsFrom(query.facets, response.body.aggregations);
  }
}

/** Scope and filters, as non-scoring clauses. The projectId filter narrows the scope, never widens it. */
function filtersOf(query: SearchQuery): QueryDsl.QueryContainer[] {
  const { filters } = query;
  const clauses: QueryDsl.QueryContainer[] = [{ terms: { project_id: query.projectIds } }];
  if (filters.mediaType?.length) clauses.push({ terms: { media_type: filters.mediaType } });
  if (filters.projectId?.length) clauses.push({ terms: { project_id: filters.projectId } });
  if (filters.state?.length) clauses.push({ terms: { state: filters.state } });
  // Documents indexed before editorial states have no editorial_state: they count as approved (search-index.ts).
  const approved: QueryDsl.QueryContainer = { bool: { should: [{ term: { editorial_state: 'approved' } }, { bool: { must_not: [{ exists: { field: 'editorial_state' } }] } }] } };
  if (filters.editorialState?.length) {
    const wanted: QueryDsl.QueryContainer[] = [{ terms: { editorial_state: filters.editorialState } }];
    if (filters.editorialState.includes('approved')) wanted.push(approved);
    clauses.push({ bool: { should: wanted } });
  }
  const approvedOnly = query.approvedOnlyProjectIds ?? [];
  if (approvedOnly.length) clauses.push({ bool: { should: [{ bool: { must_not: [{ terms: { project_id: approvedOnly } }] } }, approved] } });
  for (const tag of filters.tags ?? []) clauses.push({ term: { tags: tag } });
  for (const label of filters.labels ?? []) clauses.push({ term: { label_values: label } });
  for (const person of filters.personIds ?? []) clauses.push({ term: { person_ids: person } });
  for (const field of filters.fields ?? []) clauses.push(...fieldClauses(field));
  for (const collection of filters.collectionIds ?? []) clauses.push({ term: { collection_ids: collection } });
  if (filters.from || filters.to) clauses.push({ range: { created_at: { ...(filters.from ? { gte: filters.from.toISOString() } : {}), ...(filters.to ? { lte: filters.to.toISOString() } : {}) } } });
  return clauses;
}

function excluded(query: SearchQuery): QueryDsl.QueryContainer[] {
  return query.moreLikeAssetId ? [{ term: { asset_id: query.moreLikeAssetId } }] : [];
}

/** Every word in some field, in one language's analysis; scored by the weights of the fields that match. */
function textQuery(query: SearchQuery, text: string): QueryDsl.QueryContainer {
  const everyWord = (suffix: string): QueryDsl.QueryContainer => ({
    multi_match: { query: text, type: 'cross_fields', operator: 'and', fields: TEXT_FIELDS.map((field) => `${field}${suffix}`) },
  });
  const fieldWeight = (field: keyof typeof TEXT_WEIGHTS): QueryDsl.QueryContainer => ({
    constant_score: {
      boost: TEXT_WEIGHTS[field],
      filter: { bool: { should: [{ match: { [field]: text } }, { match: { [`${field}.en`]: text } }], minimum_should_match: 1 } },
    },
  });
  return {
    bool: {
      filter: [...filtersOf(query), { bool: { should: [everyWord(''), everyWord('.en')], minimum_should_match: 1 } }],
      should: [
        ...TEXT_FIELDS.map(fieldWeight),
        { multi_match: { query: text, type: 'most_fields', fields: TEXT_FIELDS.flatMap((field) => [field, `${field}.en`]), boost: BM25_TIEBREAK } },
      ],
    },
  };
}

/** Terms per facet by count, then value in byte order (keywords compare as bytes), like the Postgres adapter. */
function aggregationsOf(facets: Facet[]): Record<string, Aggregations.AggregationContainer> {
  const byCountThenValue: Record<string, 'asc' | 'desc'>[] = [{ _count: 'desc' }, { _key: 'asc' }];
  return Object.fromEntries(facets.map((facet) => [facet, { terms: { field: FACET_FIELDS[facet], size: LIST_FACETS.includes(facet) ? TAG_FACET_SIZE : FACET_SIZE, order: byCountThenValue } }]));
}

/** A schema field filter: any of the values (as "name=value" terms, in each form it may be stored as); bounds on the nested numbers or dates. */
function fieldClauses(filter: FieldFilter): QueryDsl.QueryContainer[] {
  const clauses: QueryDsl.QueryContainer[] = [];
  if (filter.values?.length) clauses.push({ terms: { field_values: [...new Set(filter.values.flatMap(storedForms).map((form) => `${filter.name}=${String(form)}`))] } });
  if (filter.min !== undefined || filter.max !== undefined) {
    const bounds = typeof (filter.min ?? filter.max) === 'number' ? 'field_ranges.number' : 'field_ranges.date';
    clauses.push({
      nested: {
        path: 'field_ranges',
        query: { bool: { filter: [{ term: { 'field_ranges.name': filter.name } }, { range: { [bounds]: { ...(filter.min !== undefined ? { gte: filter.min } : {}), ...(filter.max !== undefined ? { lte: filter.max } : {}) } as never } }] } },
      },
    });
  }
  return clauses;
}

/** A terms aggregation per asked-for schema field, over the "name=value" keywords of that field. */
function fieldAggregationsOf(query: SearchQuery): Record<string, Aggregations.AggregationContainer> {
  const byCountThenValue: Record<string, 'asc' | 'desc'>[] = [{ _count: 'desc' }, { _key: 'asc' }];
  return Object.fromEntries((query.fieldFacets ?? []).map((name, i) => [`field_${i}`, {
    terms: { field: 'field_values', include: `${name.replace(/[.?+*|{}[\]()"\\#@&<>~]/g, '\\$&')}=.*`, size: FIELD_FACET_SIZE, order: byCountThenValue },
  }]));
}

function fieldFacetsFrom(query: SearchQuery, aggregations: unknown): NonNullable<SearchResult['fieldFacets']> {
  const buckets = (key: string) => ((aggregations as Record<string, { buckets: { key: string; doc_count: number }[] }> | undefined)?.[key]?.buckets ?? []);
  return Object.fromEntries((query.fieldFacets ?? []).map((name, i) => [name, buckets(`field_${i}`).map((bucket) => ({ value: String(bucket.key).slice(name.length + 1), count: bucket.doc_count }))]));
}

function facetsFrom(facets: Facet[], aggregations: unknown): SearchResult['facets'] {
  const buckets = (facet: Facet) => ((aggregations as Record<string, { buckets: { key: string; doc_count: number }[] }> | undefined)?.[facet]?.buckets ?? []);
  return Object.fromEntries(facets.map((facet) => [facet, buckets(facet).map((bucket) => ({ value: String(bucket.key), count: bucket.doc_count }))]));
}

/** A text search's cursor: ['text', score, assetId] or ['list', createdAt millis, assetId]; gives OpenSearch's search_after. */
function textKeyFrom(cursor: string, sortName: 'text' | 'list'): [number, string] {
  const key = decodeCursor(cursor);
  const [name, value, assetId] = key;
  const valueFits = sortName === 'list' ? cursorMillis(value) !== undefined : typeof value === 'number';
  if (key.length !== 3 || name !== sortName || !valueFits || !isUuid(assetId)) throw new InvalidCursor('cursor does not belong to this search');
  return [value as number, assetId];
}

/** A ranked search's cursor: [mode, score, assetId]. */
function rankedKeyFrom(cursor: string, mode: SearchMode): Fused {
  const key = decodeCursor(cursor);
  const [cursorMode, score, assetId] = key;
  if (key.length !== 3 || cursorMode !== mode || typeof score !== 'number' || !isUuid(assetId)) throw new InvalidCursor('cursor does not belong to this search');
  return { score, id: assetId };
}
