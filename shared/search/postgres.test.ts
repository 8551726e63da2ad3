import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../db/connect.ts';
import { searchConformanceSuite } from '../../test/support/search-conformance.ts';
import { encodeCursor } from './cursor.ts';
import { PostgresSearchIndex, recountSearchRollups } from './postgres.ts';
import { InvalidCursor, type SearchDocument } from './search-index.ts';
import { interleaved } from '../../test/support/interleave.ts';

searchConformanceSuite('Postgres on PGlite', async () => {
  const database = await openDatabase('memory://');
  return { index: new PostgresSearchIndex(database.db), close: database.close };
});

describe('PostgresSearchIndex', () => {
  let database: Database;
  let index: PostgresSearchIndex;
  before(async () => {
    database = await openDatabase('memory://');
    index = new PostgresSearchIndex(database.db);
  });
  after(() => database.close());

  test('keeps the plain text and the document as JSON with ISO dates', async () => {
    const assetId = randomUUID();
    const createdAt = new Date('2024-03-01T10:00:00.000Z');
    await index.upsert({ assetId, projectId: 'p', mediaType: 'image', state: 'ready', title: 'Faro', description: 'Costa', tags: ['mar'], filename: 'faro.jpg', createdAt, fields: { camera: 'Leica' } });
    const row = await database.db.selectFrom('search_documents').select(['search_text', 'document', 'created_at']).where('asset_id', '=', assetId).executeTakeFirstOrThrow();
    assert.equal(row.search_text, 'Faro\nCosta\nmar\nfaro.jpg\nLeica');
    assert.equal(row.document.createdAt, '2024-03-01T10:00:00.000Z');
    assert.deepEqual(row.created_at, createdAt);
  });

  test('a cursor naming something other than an asset id is an InvalidCursor, not a database error', async () => {
    const query = { projectIds: ['p'], filters: {}, facets: [], limit: 10 };
    await assert.rejects(index.search({ ...query, q: 'faro', cursor: encodeCursor([0.5, 'not-a-uuid']) }), InvalidCursor);
    await assert.rejects(index.search({ ...query, cursor: encodeCursor(['2024-01-01T00:00:00Z', 'not-a-uuid']) }), InvalidCursor);
    await assert.rejects(index.search({ ...query, cursor: encodeCursor(['yesterday', randomUUID()]) }), InvalidCursor);
  });

  test('a listing cursor with a date JavaScript reads but PostgreSQL cannot is an InvalidCursor', async () => {
    const query = { projectIds: ['p'], filters: {}, facets: [], limit: 10 };
    for (const value of ['1', 'a 1', '+275760-09-13T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '2024-02-31T00:00:00.000Z']) {
      await assert.rejects(index.search({ ...query, cursor: encodeCursor([value, randomUUID()]) }), InvalidCursor, value);
    }
    const assetId = randomUUID();
    await index.upsert({ assetId, projectId: 'p', mediaType: 'image', state: 'ready', title: 'Antes', description: '', tags: [], filename: 'a.jpg', createdAt: new Date('2024-01-01T00:00:00Z'), fields: {} });
    const page = await index.search({ ...query, cursor: encodeCursor(['2024-01-01T00:00:00.001Z', randomUUID()]) });
    assert.ok(page.hits.some((hit) => hit.assetId === assetId), 'a well-formed cursor pages');
  });

  test('huge text (150k tags, a 3 MB transcript and OCR text) is indexed within the tsvector limit; the start stays findable', async () => {
    const assetId = randomUUID();
    const words = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i.toString(36)}`);
    const transcript = ['amanecer', ...words('habla', 400_000)].join(' ');
    await index.upsert({
      assetId, projectId: 'p', mediaType: 'video', state: 'ready', title: 'Entrevista larguísima', description: 'Pleno municipal',
      tags: words('etiqueta', 150_000), filename: 'pleno.mp4', createdAt: new Date(), fields: {},
      ocrText: ['rotulo', ...words('texto', 200_000)].join(' '), transcript,
    });
    const found = async (q: string) => (await index.search({ projectIds: ['p'], q, filters: {}, facets: [], limit: 10 })).hits.map((hit) => hit.assetId);
    assert.deepEqual(await found('larguisima'), [assetId]);
    assert.deepEqual(await found('etiqueta0'), [assetId]);
    const row = await database.db.selectFrom('search_documents').select('document').where('asset_id', '=', assetId).executeTakeFirstOrThrow();
    assert.equal((row.document as { transcript: string }).transcript, transcript, 'the document keeps the full text');
  });
});

test('PGlite: a write queued while a search runs waits for all of its statements', async () => {
  const database = await openDatabase('memory://');
  try {
    const writer = new PostgresSearchIndex(database.db);
    const doc = (title: string): SearchDocument => ({ assetId: randomUUID(), projectId: 'p', mediaType: 'image', state: 'ready', title, description: '', tags: [], filename: `${title}.jpg`, createdAt: new Date(), fields: {} });
    await writer.upsertMany([doc('uno'), doc('dos')]);
    const hook = interleaved(database.db, () => writer.upsert(doc('tres')), { await: false });
    const index = new PostgresSearchIndex(hook.db);
    await index.search({ projectIds: ['nadie'], filters: {}, facets: [], limit: 1 });
    // after the page's statement, before the count's
    hook.arm(1);
    const result = await index.search({ projectIds: ['p'], filters: {}, facets: [], limit: 10 });
    await hook.written();
    assert.equal(result.hits.length, 2);
    assert.equal(result.total, 2, 'the count ran before the write');
  } finally {
    await database.close();
  }
});

describe('PostgresSearchIndex beyond newestMatches (approximate: true only)', () => {
  let database: Database;
  let index: PostgresSearchIndex;
  const project = 'big';
  const doc = (day: number, title: string, tags: string[]): SearchDocument => ({
    assetId: randomUUID(), projectId: project, mediaType: day % 2 ? 'image' : 'video', state: 'ready', title, description: '', tags,
    filename: `f${day}.jpg`, createdAt: new Date(Date.UTC(2024, 0, day)), fields: {},
  });
  const query = { projectIds: [project], filters: {}, facets: [] as never[], limit: 10, approximate: true };
  before(async () => {
    database = await openDatabase('memory://');
    // Asked for an approximate answer, it ranks only the 3 newest matches: the oldest document, the best match by title, is never ranked.
    index = new PostgresSearchIndex(database.db, { newestMatches: 3 });
    await index.upsert(doc(1, 'Faro faro faro', ['faro']));
    for (let day = 2; day <= 6; day++) await index.upsert(doc(day, `Costa ${day}`, ['faro']));
    await index.upsert(doc(7, 'Otra cosa', []));
  });
  after(() => database.close());

  test('ranks the newest matches only and says so; total and facets are estimates', async () => {
    const result = await index.search({ ...query, q: 'faro', facets: ['tags'], limit: 3 });
    assert.deepEqual(result.hits.map((hit) => hit.document.title).sort(), ['Costa 4', 'Costa 5', 'Costa 6']);
    assert.equal(result.rankedAmongNewest, 3);
    assert.equal(result.approximate, true);
    assert.equal(result.totalIsEstimate, true);
    assert.equal(result.facetsApproximate, true);
    assert.ok(result.total > 3);
    assert.equal(result.facets.tags?.[0]?.value, 'faro');
  });

  test('a page larger than newestMatches ranks a page of matches', async () => {
    const result = await index.search({ ...query, q: 'faro', limit: 4 });
    assert.equal(result.hits.length, 4);
    assert.equal(result.rankedAmongNewest, 4);
  });

  test('a listing still pages over every document; only its total and facets are estimates', async () => {
    const titles: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await index.search({ ...query, limit: 2, cursor });
      assert.equal(page.totalIsEstimate, true);
      assert.equal(page.rankedAmongNewest, undefined);
      titles.push(...page.hits.map((hit) => hit.document.title));
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(titles.length, 7);
  });

  test('without approximate: every match ranked, counted and faceted, whatever newestMatches is', async () => {
    const exact = { ...query, approximate: undefined };
    const result = await index.search({ ...exact, q: 'faro', facets: ['tags', 'mediaType'], limit: 3 });
    assert.equal(result.hits[0]?.document.title, 'Faro faro faro', 'the oldest match, best by title, is ranked');
    assert.equal(result.total, 6);
    assert.deepEqual(result.facets, { tags: [{ value: 'faro', count: 6 }], mediaType: [{ value: 'image', count: 3 }, { value: 'video', count: 3 }] });
    for (const flag of ['approximate', 'totalIsEstimate', 'facetsApproximate', 'rankedAmongNewest'] as const) assert.equal(result[flag], undefined, flag);
    const listing = await index.search({ ...exact, facets: ['mediaType'] });
    assert.equal(listing.total, 7);
    assert.equal(listing.totalIsEstimate, undefined);
    assert.deepEqual(listing.facets.mediaType, [{ value: 'image', count: 4 }, { value: 'video', count: 3 }]);
  });

  test('without approximate, text pages cover every match once, best first', async () => {
    const titles: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await index.search({ ...query, approximate: undefined, q: 'faro', limit: 2, cursor });
      titles.push(...page.hits.map((hit) => hit.document.title));
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(titles.length, 6);
    assert.equal(new Set(titles).size, 6);
    assert.equal(titles[0], 'Faro faro faro');
  });

  test('few enough matches are exact and carry no flags', async () => {
    const result = await index.search({ ...query, q: 'otra', facets: ['mediaType'] });
    assert.equal(result.total, 1);
    assert.deepEqual(result.facets, { mediaType: [{ value: 'image', count: 1 }] });
    assert.equal(result.approximate, undefined);
    assert.equal(result.totalIsEstimate, undefined);
    assert.equal(result.facetsApproximate, undefined);
    assert.equal(result.rankedAmongNewest, undefined);
  });
});

describe('PostgresSearchIndex listing counts from the rollup', () => {
  let database: Database;
  let index: PostgresSearchIndex;
  const project = 'rollup';
  const documents: SearchDocument[] = [];
  before(async () => {
    database = await openDatabase('memory://');
    index = new PostgresSearchIndex(database.db);
    // 40 documents every 9 days and 7 hours across ~a year, in two projects, with tags and labels of their own.
    for (let i = 0; i < 40; i++) {
      documents.push({
        assetId: randomUUID(), projectId: i % 5 === 0 ? 'other' : project, mediaType: ['image', 'video', 'audio'][i % 3]!, state: i % 7 === 0 ? 'archived' : 'ready',
        ...(i % 4 === 0 ? { editorialState: 'draft' } : i % 4 === 1 ? {} : { editorialState: 'approved' }),
        title: `Doc ${i}`, description: '', tags: i % 2 ? ['par', `t${i % 4}`] : ['impar'], labels: i % 3 ? ['dog', 'perro'] : [], filename: `d${i}.jpg`,
        createdAt: new Date(Date.UTC(2024, 0, 1) + i * (9 * 24 + 7) * 3_600_000), fields: {},
      });
    }
    await index.upsertMany(documents);
  });
  after(() => database.close());

  /** The answer counted here from the documents themselves. */
  function expected(scope: string[], filters: { from?: Date; to?: Date; mediaType?: string[]; state?: string[]; editorialState?: string[] }, approvedOnly: string[] = []) {
    const editorial = (doc: SearchDocument) => doc.editorialState ?? 'approved';
    const kept = documents.filter((doc) => scope.includes(doc.projectId) && (!filters.from || doc.createdAt >= filters.from) && (!filters.to || doc.createdAt <= filters.to)
      && (!filters.mediaType || filters.mediaType.includes(doc.mediaType)) && (!filters.state || filters.state.includes(doc.state))
      && (!filters.editorialState || filters.editorialState.includes(editorial(doc))) && (!approvedOnly.includes(doc.projectId) || editorial(doc) === 'approved'));
    const count = (values: string[]) => {
      const counts = new Map<string, number>();
      for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
      return [...counts].map(([value, n]) => ({ value, count: n })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    };
    return { total: kept.length, facets: { mediaType: count(kept.map((d) => d.mediaType)), state: count(kept.map((d) => d.state)), tags: count(kept.flatMap((d) => d.tags)), labels: count(kept.flatMap((d) => d.labels ?? [])) } };
  }

  const ranges: { from?: Date; to?: Date }[] = [
    {}, { from: new Date('2024-03-17T05:00:00Z') }, { to: new Date('2024-08-09T23:00:00Z') },
    { from: new Date('2024-02-01T00:00:00Z'), to: new Date('2024-06-30T23:59:59Z') },
    { from: new Date('2024-04-03T00:00:00Z'), to: new Date('2024-04-28T00:00:00Z') },
    { from: new Date('2024-04-03T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z') },
  ];

  test('totals and facets equal counting the documents, whole months and partial ones alike', async () => {
    for (const range of ranges) {
      for (const extra of [{}, { mediaType: ['video', 'audio'] }, { state: ['archived'] }, { editorialState: ['draft'] }]) {
        const filters = { ...range, ...extra };
        const result = await index.search({ projectIds: [project, 'other'], filters, facets: ['mediaType', 'state', 'tags', 'labels'], limit: 5 });
        const { total, facets } = expected([project, 'other'], filters);
        assert.equal(result.total, total, JSON.stringify(filters));
        assert.deepEqual(result.facets, facets, JSON.stringify(filters));
        const scoped = await index.search({ projectIds: [project, 'other'], filters: { ...filters, projectId: ['other'] }, facets: ['tags'], limit: 5 });
        assert.equal(scoped.total, expected(['other'], filters).total);
        // A viewer of `project` sees its approved documents only; `other` whole.
        const viewer = await index.search({ projectIds: [project, 'other'], approvedOnlyProjectIds: [project], filters, facets: ['labels'], limit: 5 });
        const seen = expected([project, 'other'], filters, [project]);
        assert.equal(viewer.total, seen.total, `viewer ${JSON.stringify(filters)}`);
        assert.deepEqual(viewer.facets.labels, seen.facets.labels);
      }
    }
  });

  test('updates and removals keep the rollup exact', async () => {
    const [first, second] = documents.filter((doc) => doc.projectId === project);
    await index.upsert({ ...first!, state: 'archived', tags: ['nueva'], mediaType: 'document' });
    await index.remove(second!.assetId);
    const result = await index.search({ projectIds: [project], filters: {}, facets: ['mediaType', 'state', 'tags'], limit: 5 });
    const changed = documents.filter((doc) => doc.projectId === project && doc !== second).map((doc) => (doc === first ? { ...doc, state: 'archived', tags: ['nueva'], mediaType: 'document' } : doc));
    assert.equal(result.total, changed.length);
    assert.deepEqual(result.facets.tags?.find((bucket) => bucket.value === 'nueva'), { value: 'nueva', count: 1 });
    assert.deepEqual(result.facets.mediaType?.find((bucket) => bucket.value === 'document'), { value: 'document', count: 1 });
    assert.equal(result.facets.state?.find((bucket) => bucket.value === 'archived')?.count, changed.filter((doc) => doc.state === 'archived').length);
    // Put back for the other test's expectations.
    await index.upsertMany([first!, second!]);
  });

  test('a listing without a date range counts from the coarse level, one with a range or a media type and value facets from the monthly one', async () => {
    const facets = ['mediaType', 'state', 'tags', 'labels'] as const;
    const listing = (filters: { from?: Date; mediaType?: string[] }, asked: readonly ('mediaType' | 'state' | 'tags' | 'labels')[] = facets) =>
      index.search({ projectIds: [project, 'other'], filters, facets: [...asked], limit: 5 });
    // Both levels hold the same counts as the documents...
    const sums = async (table: 'search_facet_rollup' | 'search_facet_rollup_coarse') =>
      (await sql<{ facet: string; value: string; n: number }>`select facet, value, sum(n)::int as n from ${sql.table(table)} group by 1, 2 having sum(n) <> 0 order by 1, 2`.execute(database.db)).rows;
    assert.deepEqual(await sums('search_facet_rollup_coarse'), await sums('search_facet_rollup'));
    // ...so a count skewed on purpose in one level shows which level a listing read.
    await sql`update search_facet_rollup_coarse set n = n + 1000 where facet = '' and project_id = ${project} and state = 'ready' and editorial_state = 'approved' and media_type = 'image'`.execute(database.db);
    try {
      const exact = expected([project, 'other'], {});
      assert.equal((await listing({})).total, exact.total + 1000, 'no range: the coarse level');
      assert.equal((await listing({ mediaType: ['image'] }, ['mediaType', 'state'])).total, expected([project, 'other'], { mediaType: ['image'] }).total + 1000, 'a media type without value facets: the coarse level');
      assert.equal((await listing({ mediaType: ['image'] })).total, expected([project, 'other'], { mediaType: ['image'] }).total, 'a media type with value facets: the monthly level');
      const from = new Date('2024-03-17T05:00:00Z');
      assert.equal((await listing({ from })).total, expected([project, 'other'], { from }).total, 'a range: the monthly level');
    } finally {
      await recountSearchRollups(database.db);
    }
    const { total, facets: counted } = expected([project, 'other'], {});
    const recounted = await listing({});
    assert.equal(recounted.total, total, 'counted again from the documents');
    assert.deepEqual(recounted.facets, counted);
  });
});
