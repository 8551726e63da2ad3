// The Postgres SearchIndex: the embedded default (PGlite) and server PostgreSQL 15 run the same SQL.
// One row per asset in search_documents: filter columns, the whole document as JSON (hits need no join)
// and a weighted tsvector built with both mediateca_es and mediateca_en (unaccent before each stemmer),
// so Spanish and English stemming both match and accents never matter.
import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { type Facet, InvalidCursor, type SearchDocument, type SearchIndex, type SearchQuery, type SearchResult } from './search-index.ts';

const TEXT_CONFIGS = ['mediateca_es', 'mediateca_en'];
const TAG_FACET_SIZE = 20;
const FACET_COLUMNS = { mediaType: 'media_type', projectId: 'project_id', state: 'state' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type FacetValues = { value: string; count: number }[];

export class PostgresSearchIndex implements SearchIndex {
  readonly backend = 'postgres';

  constructor(private readonly db: Kysely<DB>) {}

  async upsert(doc: SearchDocument): Promise<void> {
    const row = {
      project_id: doc.projectId,
      media_type: doc.mediaType,
      state: doc.state,
      title: doc.title,
      tags: doc.tags,
      filename: doc.filename,
      created_at: doc.createdAt,
      captured_at: doc.capturedAt ?? null,
      // An object, not a JSON string: postgres.js would store a string as a JSON string scalar.
      document: { ...doc },
      search_text: [doc.title, doc.description, doc.tags.join(' '), doc.filename, ...Object.values(doc.fields)].join('\n'),
      // The schema marks tsv as computed (never written from plain values); this is where it is computed.
      tsv: weightedVector(doc) as never,
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
    const text = query.q?.trim() || undefined;
    const after = query.cursor === undefined ? undefined : sortKeyFrom(query.cursor, text !== undefined);
    if (query.projectIds.length === 0) return { hits: [], total: 0, facets: Object.fromEntries(query.facets.map((facet) => [facet, []])) };

    const tsquery = text === undefined ? undefined : sql`(websearch_to_tsquery('mediateca_es', ${text}) || websearch_to_tsquery('mediateca_en', ${text}))`;
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
  private matches(query: SearchQuery, tsquery: RawBuilder<unknown> | undefined) {
    const { filters } = query;
    let matches = this.db.selectFrom('search_documents').where('project_id', 'in', query.projectIds);
    if (tsquery) matches = matches.where(sql<SqlBool>`tsv @@ ${tsquery}`);
    if (filters.mediaType?.length) matches = matches.where('media_type', 'in', filters.mediaType);
    if (filters.projectId?.length) matches = matches.where('project_id', 'in', filters.projectId);
    if (filters.state?.length) matches = matches.where('state', 'in', filters.state);
    // @> lets the GIN index on tags find documents that carry every listed tag.
    if (filters.tags?.length) matches = matches.where(sql<SqlBool>`tags @> ${sql.val(filters.tags)}::text[]`);
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
        // Weights for D, C, B, A: fields, description, tags + filename, title.
        .select(sql<number>`ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', tsv, ${tsquery})`.as('rank'))
        .as('ranked');
      let page = this.db.selectFrom(ranked).selectAll();
      if (after) page = page.where(sql<SqlBool>`(rank, asset_id) < (${after.value}::float4, ${after.assetId}::uuid)`);
      return page.orderBy('rank', 'desc').orderBy('asset_id', 'desc').limit(query.limit + 1).execute();
    }
    let page = this.matches(query, undefined).select(columns).select(sql<number | null>`null`.as('rank'));
    if (after) page = page.where(sql<SqlBool>`(created_at, asset_id) < (${after.value}::timestamptz, ${after.assetId}::uuid)`);
    return page.orderBy('created_at', 'desc').orderBy('asset_id', 'desc').limit(query.limit + 1).execute();
  }

  /** Counts per value over all matches, not just the page; values by count, then value in byte order. */
  private async facet(query: SearchQuery, tsquery: RawBuilder<unknown> | undefined, facet: Facet): Promise<FacetValues> {
    const count = sql<number>`count(*)::int`.as('count');
    const byteOrder = (column: string) => sql`${sql.ref(column)} collate "C"`;
    if (facet === 'tags') {
      const tags = this.matches(query, tsquery).select(sql<string>`unnest(tags)`.as('value')).as('tags');
      return this.db.selectFrom(tags).select(['value', count]).groupBy('value').orderBy('count', 'desc').orderBy(byteOrder('value')).limit(TAG_FACET_SIZE).execute();
    }
    const column = FACET_COLUMNS[facet];
    return this.matches(query, tsquery)
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

/** Title A; tags and filename B; description C; extra fields (EXIF camera, lens...) D; each in both languages. */
function weightedVector(doc: SearchDocument): Expression<unknown> {
  const parts = [
    { weight: 'A', text: doc.title },
    { weight: 'B', text: [...doc.tags, filenameText(doc.filename)].join(' ') },
    { weight: 'C', text: doc.description },
    { weight: 'D', text: Object.values(doc.fields).join(' ') },
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

function documentFrom(json: Record<string, unknown>): SearchDocument {
  const { createdAt, capturedAt, ...rest } = json as unknown as Omit<SearchDocument, 'createdAt' | 'capturedAt'> & { createdAt: string; capturedAt?: string };
  return { ...rest, createdAt: new Date(createdAt), ...(capturedAt ? { capturedAt: new Date(capturedAt) } : {}) };
}
