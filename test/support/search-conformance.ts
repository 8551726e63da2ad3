// The behaviour every SearchIndex adapter must show, as node:test tests. An adapter's test file calls
// searchConformanceSuite with a factory for a fresh, empty index. Writes must be visible to the next search.
// Tests that write their own documents use a project of their own, so they never disturb the shared corpus.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { encodeCursor } from '../../shared/search/cursor.ts';
import { InvalidCursor, type SearchDocument, type SearchIndex, type SearchQuery, type SearchResult } from '../../shared/search/search-index.ts';
import { DEFAULT_EMBEDDING_DIMENSIONS } from '../../shared/config.ts';

export function searchConformanceSuite(name: string, makeIndex: () => Promise<{ index: SearchIndex; close(): Promise<void> }>): void {
  describe(`SearchIndex conformance: ${name}`, () => {
    let index: SearchIndex;
    let close: () => Promise<void>;
    const run = randomUUID().slice(0, 8);
    const projectA = `conf-a-${run}`;
    const projectB = `conf-b-${run}`;
    const corpus = corpusFor(projectA, projectB);
    const nameOf = new Map(Object.entries(corpus).map(([key, doc]) => [doc.assetId, key]));

    /** A project no other test writes to. */
    let projects = 0;
    const newProject = () => `conf-own-${run}-${++projects}`;

    const search = (query: Partial<SearchQuery>) => index.search({ projectIds: [projectA], filters: {}, facets: [], limit: 50, ...query });
    /** Hits by corpus name, in order. */
    const names = (result: SearchResult) => result.hits.map((hit) => nameOf.get(hit.assetId) ?? hit.assetId);
    const found = async (query: Partial<SearchQuery>) => names(await search(query)).sort();

    before(async () => {
      ({ index, close } = await makeIndex());
      for (const doc of Object.values(corpus)) await index.upsert(doc);
    });
    after(() => close?.());

    describe('text', () => {
      test('matches the title', async () => assert.deepEqual(await found({ q: 'quarterly' }), ['report']));
      test('matches tags', async () => assert.deepEqual(await found({ q: 'finanzas' }), ['report']));
      test('matches the description', async () => assert.deepEqual(await found({ q: 'budget' }), ['report']));

      test('matches the filename whole and in parts', async () => {
        for (const q of ['IMG_2041.jpg', 'IMG_2041', '2041', 'img']) assert.deepEqual(await found({ q }), ['sunset'], q);
        assert.deepEqual(await found({ q: 'DSC-0001' }), ['forest']);
      });

      test('matches extra fields such as EXIF camera and place', async () => {
        assert.deepEqual(await found({ q: 'nikon' }), ['marathon']);
        assert.deepEqual(await found({ q: 'Sony' }), ['forest']);
        assert.deepEqual(await found({ q: 'madrid' }), ['marathon']);
      });

      test('needs every word (AND)', async () => {
        assert.deepEqual(await found({ q: 'atardecer verano' }), ['sunset']);
        assert.deepEqual(await found({ q: 'atardecer finanzas' }), []);
      });

      test('ignores accents, Spanish stemming', async () => {
        assert.deepEqual(await found({ q: 'cancion arbol' }), ['song']);
        assert.deepEqual(await found({ q: 'arbol' }), ['forest', 'song']);
        assert.deepEqual(await found({ q: 'árboles' }), ['forest', 'song']);
        assert.deepEqual(await found({ q: 'canciones' }), ['song']);
        assert.deepEqual(await found({ q: 'GRABACION' }), ['song']);
      });

      test('English stemming', async () => {
        assert.deepEqual(await found({ q: 'run' }), ['sunset']);
        assert.deepEqual(await found({ q: 'dog' }), ['forest']);
        assert.deepEqual(await found({ q: 'tree' }), ['forest']);
      });

      test('no match gives no hits', async () => {
        const result = await search({ q: 'zebra', facets: ['tags'] });
        assert.deepEqual(result.hits, []);
        assert.equal(result.total, 0);
        assert.deepEqual(result.facets, { tags: [] });
        assert.equal(result.nextCursor, undefined);
      });

      test('title and tags outrank extra fields; scores never increase down the list', async () => {
        const result = await search({ q: 'parque' });
        assert.deepEqual(names(result), ['forest', 'marathon']);
        assert.ok(result.hits[0].score > result.hits[1].score);
        assert.ok(result.hits[1].score > 0);
        const verano = await search({ q: 'verano' });
        verano.hits.slice(1).forEach((hit, i) => assert.ok(hit.score <= verano.hits[i].score));
      });

      test('hits carry the whole document', async () => {
        const result = await search({ q: 'IMG_2041' });
        assert.deepEqual(result.hits[0].document, corpus.sunset);
        assert.equal(result.hits[0].assetId, corpus.sunset.assetId);
      });
    });

    describe('project scope', () => {
      test('never returns documents of projects outside projectIds', async () => {
        assert.deepEqual(await found({ q: 'atardecer' }), ['sunset']);
        assert.deepEqual(await found({ q: 'atardecer', projectIds: [projectB] }), ['private']);
        assert.deepEqual(await found({ q: 'atardecer', projectIds: [projectA, projectB] }), ['private', 'sunset']);
        const listing = await search({ facets: ['projectId'] });
        assert.equal(listing.total, 5);
        assert.ok(!names(listing).includes('private'));
        assert.deepEqual(listing.facets.projectId, [{ value: projectA, count: 5 }]);
      });

      test('an empty projectIds list finds nothing', async () => {
        const result = await search({ projectIds: [], q: 'atardecer', facets: ['mediaType'] });
        assert.deepEqual(result.hits, []);
        assert.equal(result.total, 0);
        assert.deepEqual(result.facets, { mediaType: [] });
        assert.equal((await search({ projectIds: [] })).total, 0);
      });

      test('approvedOnlyProjectIds keeps approved documents (and those from before editorial states) in those projects only', async () => {
        const viewed = newProject();
        const edited = newProject();
        const docs = {
          approved: makeDocument(viewed, { title: 'Editorial aprobado', editorialState: 'approved' }),
          draft: makeDocument(viewed, { title: 'Editorial borrador', editorialState: 'draft' }),
          legacy: makeDocument(viewed, { title: 'Editorial antiguo' }),
          review: makeDocument(edited, { title: 'Editorial revision', editorialState: 'in_review' }),
        };
        await index.upsertMany(Object.values(docs));
        const titles = async (query: Partial<SearchQuery>) => (await search({ projectIds: [viewed, edited], ...query })).hits.map((hit) => hit.document.title).sort();
        assert.deepEqual(await titles({ approvedOnlyProjectIds: [viewed] }), ['Editorial antiguo', 'Editorial aprobado', 'Editorial revision']);
        assert.deepEqual(await titles({ approvedOnlyProjectIds: [viewed], q: 'editorial borrador' }), []);
        assert.deepEqual(await titles({ approvedOnlyProjectIds: [viewed, edited] }), ['Editorial antiguo', 'Editorial aprobado']);
        assert.deepEqual(await titles({}), ['Editorial antiguo', 'Editorial aprobado', 'Editorial borrador', 'Editorial revision']);
        assert.deepEqual(await titles({ filters: { editorialState: ['draft', 'in_review'] } }), ['Editorial borrador', 'Editorial revision']);
        assert.deepEqual(await titles({ filters: { editorialState: ['approved'] } }), ['Editorial antiguo', 'Editorial aprobado']);
      });

      test('the projectId filter narrows the scope and never widens it', async () => {
        assert.deepEqual(await found({ projectIds: [projectA, projectB], filters: { projectId: [projectB] } }), ['private']);
        assert.deepEqual(await found({ projectIds: [projectA], filters: { projectId: [projectB] } }), []);
      });
    });

    describe('filters', () => {
      test('mediaType: any of', async () => {
        assert.deepEqual(await found({ filters: { mediaType: ['image'] } }), ['marathon', 'sunset']);
        assert.deepEqual(await found({ filters: { mediaType: ['image', 'audio'] } }), ['marathon', 'song', 'sunset']);
      });

      test('state: any of', async () => {
        assert.deepEqual(await found({ filters: { state: ['ready'] } }), ['report', 'song', 'sunset']);
        assert.deepEqual(await found({ filters: { state: ['processing', 'archived'] } }), ['forest', 'marathon']);
      });

      test('tags: all of', async () => {
        assert.deepEqual(await found({ filters: { tags: ['verano'] } }), ['forest', 'marathon', 'sunset']);
        assert.deepEqual(await found({ filters: { tags: ['verano', 'bosque'] } }), ['forest']);
        assert.deepEqual(await found({ filters: { tags: ['verano', 'finanzas'] } }), []);
      });

      test('date range on createdAt, both ends inclusive', async () => {
        const range = { from: corpus.song.createdAt, to: corpus.report.createdAt };
        assert.deepEqual(await found({ filters: range }), ['forest', 'report', 'song']);
        assert.deepEqual(await found({ filters: { from: corpus.report.createdAt } }), ['marathon', 'report']);
        assert.deepEqual(await found({ filters: { to: corpus.song.createdAt } }), ['song', 'sunset']);
      });

      test('filters combine with each other and with text', async () => {
        assert.deepEqual(await found({ q: 'verano', filters: { mediaType: ['image'] } }), ['marathon', 'sunset']);
        assert.deepEqual(await found({ q: 'verano', filters: { mediaType: ['image'], state: ['ready'], tags: ['playa'] } }), ['sunset']);
        assert.deepEqual(await found({ filters: { tags: ['verano'], to: corpus.forest.createdAt } }), ['forest', 'sunset']);
      });
    });

    describe('facets', () => {
      test('count every value over all matches, not just the page', async () => {
        const result = await search({ facets: ['mediaType', 'state', 'tags', 'projectId'], limit: 1 });
        assert.equal(result.hits.length, 1);
        assert.equal(result.total, 5);
        assert.equal(result.totalIsEstimate ?? false, false, 'small match sets are counted exactly');
        assert.equal(result.facetsApproximate ?? false, false);
        assert.deepEqual(result.facets, {
          mediaType: [{ value: 'image', count: 2 }, { value: 'audio', count: 1 }, { value: 'document', count: 1 }, { value: 'video', count: 1 }],
          state: [{ value: 'ready', count: 3 }, { value: 'archived', count: 1 }, { value: 'processing', count: 1 }],
          tags: [
            { value: 'verano', count: 3 },
            { value: 'bosque', count: 2 },
            { value: 'deporte', count: 1 },
            { value: 'finanzas', count: 1 },
            { value: 'música', count: 1 },
            { value: 'parque', count: 1 },
            { value: 'playa', count: 1 },
          ],
          projectId: [{ value: projectA, count: 5 }],
        });
      });

      test('follow the text and the filters', async () => {
        const result = await search({ q: 'verano', filters: { mediaType: ['image'] }, facets: ['tags', 'state'] });
        assert.equal(result.total, 2);
        assert.deepEqual(result.facets.tags, [{ value: 'verano', count: 2 }, { value: 'deporte', count: 1 }, { value: 'playa', count: 1 }]);
        assert.deepEqual(result.facets.state, [{ value: 'archived', count: 1 }, { value: 'ready', count: 1 }]);
      });

      test('only the requested facets are returned', async () => {
        assert.deepEqual(Object.keys((await search({ facets: ['state'] })).facets), ['state']);
        assert.deepEqual((await search({})).facets, {});
      });

      test('tags: the 20 most used, by count then value', async () => {
        const project = newProject();
        const tag = (n: number) => `t${String(n).padStart(2, '0')}`;
        const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => tag(from + i));
        await index.upsert(makeDocument(project, { title: 'uno', tags: range(1, 25) }));
        await index.upsert(makeDocument(project, { title: 'dos', tags: range(1, 10) }));
        await index.upsert(makeDocument(project, { title: 'tres', tags: range(1, 5) }));
        const result = await search({ projectIds: [project], facets: ['tags'] });
        const expected = [...range(1, 5).map((value) => ({ value, count: 3 })), ...range(6, 10).map((value) => ({ value, count: 2 })), ...range(11, 20).map((value) => ({ value, count: 1 }))];
        assert.deepEqual(result.facets.tags, expected);
      });
    });

    describe('schema fields', () => {
      /** Four documents with metadata schema fields (one without any), in a project of their own. */
      async function fieldCorpus() {
        const project = newProject();
        const docs = {
          pleno: makeDocument(project, { title: 'Pleno', createdAt: new Date('2024-03-01T00:00:00Z'), schemaFields: { section: 'politics', topics: ['budget', 'election'], rating: 4, eventDate: '2024-02-28', embargoed: false, credit: 'EFE / Ana' } }),
          derbi: makeDocument(project, { title: 'Derbi', createdAt: new Date('2024-03-02T00:00:00Z'), schemaFields: { section: 'sport', topics: ['football'], rating: 2.5, eventDate: '2024-03-10', embargoed: true } }),
          mitin: makeDocument(project, { title: 'Mitin', createdAt: new Date('2024-03-03T00:00:00Z'), schemaFields: { section: 'politics', topics: ['election'], rating: 10, eventDate: '2023-12-31' } }),
          vacio: makeDocument(project, { title: 'Vacío', createdAt: new Date('2024-03-04T00:00:00Z') }),
        };
        await index.upsertMany(Object.values(docs));
        const titles = async (query: Partial<SearchQuery>) => (await search({ projectIds: [project], ...query })).hits.map((hit) => hit.document.title).sort();
        return { project, titles };
      }

      test('keyword and enum values: any of the listed; every filter must hold', async () => {
        const { titles } = await fieldCorpus();
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'section', values: ['politics'] }] } }), ['Mitin', 'Pleno']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'section', values: ['sport', 'culture'] }] } }), ['Derbi']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'section', values: ['politics'] }, { name: 'topics', values: ['budget'] }] } }), ['Pleno']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'credit', values: ['EFE / Ana'] }] } }), ['Pleno']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'section', values: ['weather'] }] } }), []);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'nosuch', values: ['politics'] }] } }), []);
      });

      test('multi-enum lists match on any element; numbers and booleans by their text', async () => {
        const { titles } = await fieldCorpus();
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'topics', values: ['election'] }] } }), ['Mitin', 'Pleno']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'rating', values: ['4'] }] } }), ['Pleno']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'rating', values: ['2.5', '10'] }] } }), ['Derbi', 'Mitin']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'embargoed', values: ['true'] }] } }), ['Derbi']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'embargoed', values: ['false'] }] } }), ['Pleno']);
      });

      test('number and date ranges, inclusive; a missing value never matches', async () => {
        const { titles } = await fieldCorpus();
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'rating', min: 2.5, max: 4 }] } }), ['Derbi', 'Pleno']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'rating', min: 5 }] } }), ['Mitin']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'rating', max: 2 }] } }), []);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'eventDate', min: '2024-01-01' }] } }), ['Derbi', 'Pleno']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'eventDate', min: '2024-02-28', max: '2024-02-28' }] } }), ['Pleno']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'eventDate', max: '2023-12-31' }] } }), ['Mitin']);
        assert.deepEqual(await titles({ filters: { fields: [{ name: 'section', values: ['politics'] }, { name: 'eventDate', min: '2024-01-01' }] } }), ['Pleno']);
      });

      test('field facets count every value (each element of a list) over the matches, with the filters applied', async () => {
        const { project } = await fieldCorpus();
        const all = await search({ projectIds: [project], fieldFacets: ['section', 'topics', 'rating'] });
        assert.equal(all.total, 4);
        assert.deepEqual(all.fieldFacets, {
          section: [{ value: 'politics', count: 2 }, { value: 'sport', count: 1 }],
          topics: [{ value: 'election', count: 2 }, { value: 'budget', count: 1 }, { value: 'football', count: 1 }],
          rating: [{ value: '10', count: 1 }, { value: '2.5', count: 1 }, { value: '4', count: 1 }],
        });
        const filtered = await search({ projectIds: [project], filters: { fields: [{ name: 'section', values: ['politics'] }] }, fieldFacets: ['topics'] });
        assert.deepEqual(filtered.fieldFacets, { topics: [{ value: 'election', count: 2 }, { value: 'budget', count: 1 }] });
        const text = await search({ projectIds: [project], q: 'derbi', fieldFacets: ['section'] });
        assert.deepEqual(text.fieldFacets, { section: [{ value: 'sport', count: 1 }] });
        assert.equal((await search({ projectIds: [project] })).fieldFacets, undefined, 'only when asked');
      });

      test('a hit carries its schema fields', async () => {
        const { project } = await fieldCorpus();
        const hit = (await search({ projectIds: [project], q: 'pleno' })).hits[0]!;
        assert.deepEqual(hit.document.schemaFields, { section: 'politics', topics: ['budget', 'election'], rating: 4, eventDate: '2024-02-28', embargoed: false, credit: 'EFE / Ana' });
      });
    });

    describe('listing and pagination', () => {
      test('no text lists newest first; a blank q is no text', async () => {
        const newestFirst = ['marathon', 'report', 'forest', 'song', 'sunset'];
        assert.deepEqual(names(await search({})), newestFirst);
        assert.deepEqual(names(await search({ q: '   ' })), newestFirst);
      });

      test('pages cover every hit exactly once, in order', async () => {
        for (const q of [undefined, 'verano', 'bosque']) {
          const all = names(await search({ q }));
          assert.ok(all.length >= 2);
          assert.deepEqual(await allPages({ q }, 1), all, `q=${q}`);
          assert.deepEqual(await allPages({ q }, 2), all, `q=${q}`);
        }
      });

      test('pages hold when sort keys tie', async () => {
        const project = newProject();
        const createdAt = new Date('2024-07-01T12:00:00Z');
        for (let i = 0; i < 7; i++) await index.upsert(makeDocument(project, { title: 'Mismo título', createdAt }));
        for (const q of [undefined, 'mismo titulo']) {
          const all = names(await search({ projectIds: [project], q }));
          assert.equal(all.length, 7);
          assert.deepEqual(await allPages({ projectIds: [project], q }, 3), all);
        }
      });

      test('a document written between pages never shifts or repeats the next page', async () => {
        const project = newProject();
        for (let day = 1; day <= 6; day++) {
          await index.upsert(makeDocument(project, { title: day % 2 ? 'Gato negro' : 'Gato', createdAt: new Date(Date.UTC(2024, 8, day)) }));
        }
        for (const q of [undefined, 'gato']) {
          const query = { projectIds: [project], q, limit: 3 };
          const expected = await search({ ...query, limit: 50 });
          const first = await search(query);
          assert.deepEqual(names(first), names(expected).slice(0, 3));
          // Sorts first either way: the newest, and the best match (the word in title and tags).
          await index.upsert(makeDocument(project, { title: 'Gato gato', tags: ['gato'], createdAt: new Date(Date.UTC(2024, 9, 1)) }));
          const second = await search({ ...query, cursor: first.nextCursor });
          assert.deepEqual(names(second), names(expected).slice(3, 6), `q=${q}`);
          assert.equal(second.total, expected.total + 1);
        }
      });

      test('the last page has no nextCursor', async () => {
        const result = await search({ limit: 5 });
        assert.equal(result.hits.length, 5);
        assert.equal(result.nextCursor, undefined);
        assert.ok((await search({ limit: 4 })).nextCursor);
      });

      test('a malformed or foreign cursor is rejected with InvalidCursor', async () => {
        for (const cursor of ['%%%', 'bm90IGpzb24', encodeCursor([]), Buffer.from('{"a":1}').toString('base64url')]) {
          await assert.rejects(search({ cursor }), InvalidCursor, cursor);
          await assert.rejects(search({ cursor, q: 'verano' }), InvalidCursor, cursor);
        }
        // A listing's cursor does not fit a text search, and the other way round.
        const listing = await search({ limit: 1 });
        await assert.rejects(search({ q: 'verano', cursor: listing.nextCursor }), InvalidCursor);
        const ranked = await search({ q: 'verano', limit: 1 });
        await assert.rejects(search({ cursor: ranked.nextCursor }), InvalidCursor);
      });
    });

    describe('writes', () => {
      test('upsert replaces the document, never duplicates it', async () => {
        const project = newProject();
        const original = makeDocument(project, { title: 'Zorro en la nieve', tags: ['invierno'] });
        await index.upsert(original);
        const renamed = { ...original, title: 'Lobo en la nieve', tags: ['lobo'], state: 'archived' };
        await index.upsert(renamed);
        const listing = await search({ projectIds: [project], facets: ['tags', 'state'] });
        assert.equal(listing.total, 1);
        assert.deepEqual(listing.hits[0].document, renamed);
        assert.deepEqual(listing.facets, { tags: [{ value: 'lobo', count: 1 }], state: [{ value: 'archived', count: 1 }] });
        assert.equal((await search({ projectIds: [project], q: 'zorro' })).total, 0);
        assert.equal((await search({ projectIds: [project], q: 'lobo' })).total, 1);
      });

      test('upsertMany writes every document, replaces existing ones, the last of one id wins', async () => {
        const project = newProject();
        const existing = makeDocument(project, { title: 'Zorro en la nieve' });
        await index.upsert(existing);
        const fresh = Array.from({ length: 3 }, (_, i) => makeDocument(project, { title: `Ciervo ${i}`, tags: ['ciervo'] }));
        const renamed = { ...existing, title: 'Lobo en la nieve' };
        await index.upsertMany([...fresh, { ...renamed, title: 'Oso en la nieve' }, renamed]);
        await index.upsertMany([]);
        const listing = await search({ projectIds: [project], facets: ['tags'] });
        assert.equal(listing.total, 4);
        assert.deepEqual(listing.facets.tags, [{ value: 'ciervo', count: 3 }]);
        assert.deepEqual((await search({ projectIds: [project], q: 'lobo' })).hits.map((hit) => hit.document), [renamed]);
        assert.equal((await search({ projectIds: [project], q: 'oso' })).total, 0);
        assert.equal((await search({ projectIds: [project], q: 'zorro' })).total, 0);
      });

      test('remove deletes the document; removing again or an unknown id is fine', async () => {
        const project = newProject();
        const kept = makeDocument(project, { title: 'Faro del norte' });
        const removed = makeDocument(project, { title: 'Faro del sur' });
        await index.upsert(kept);
        await index.upsert(removed);
        await index.remove(removed.assetId);
        await index.remove(removed.assetId);
        await index.remove(randomUUID());
        assert.deepEqual((await search({ projectIds: [project] })).hits.map((hit) => hit.assetId), [kept.assetId]);
        assert.equal((await search({ projectIds: [project], q: 'sur' })).total, 0);
      });
    });

    describe('AI text: labels, OCR text, transcript', () => {
      test('are found by text, weighted title > tags/labels > description > OCR/transcript', async () => {
        const project = newProject();
        const docs = {
          inTitle: makeDocument(project, { title: 'Ballena azul' }),
          inTags: makeDocument(project, { title: 'Mar abierto', tags: ['ballena'] }),
          inLabels: makeDocument(project, { title: 'Mar abierto', labels: ['whale', 'ballena'] }),
          inDescription: makeDocument(project, { title: 'Mar abierto', description: 'Una ballena salta' }),
          inOcr: makeDocument(project, { title: 'Mar abierto', ocrText: 'AVISTAMIENTO DE BALLENAS' }),
          inTranscript: makeDocument(project, { title: 'Mar abierto', transcript: 'y entonces vimos la ballena' }),
        };
        for (const doc of Object.values(docs)) await index.upsert(doc);
        const label = new Map(Object.entries(docs).map(([key, doc]) => [doc.assetId, key]));
        const result = await search({ projectIds: [project], q: 'ballena' });
        const order = result.hits.map((hit) => label.get(hit.assetId));
        assert.equal(order.length, 6);
        assert.equal(order[0], 'inTitle');
        assert.deepEqual(new Set(order.slice(1, 3)), new Set(['inTags', 'inLabels']));
        assert.equal(order[3], 'inDescription');
        assert.deepEqual(new Set(order.slice(4)), new Set(['inOcr', 'inTranscript']));
        const score = (key: keyof typeof docs) => result.hits.find((hit) => hit.assetId === docs[key].assetId)!.score;
        assert.ok(score('inTitle') > score('inLabels') && score('inLabels') > score('inDescription') && score('inDescription') > score('inOcr'));
        assert.ok(score('inDescription') > score('inTranscript'));
        // English label forms, and the new fields come back with the document.
        const whale = await search({ projectIds: [project], q: 'whales' });
        assert.deepEqual(whale.hits.map((hit) => hit.document), [docs.inLabels]);
        assert.deepEqual(result.semantic, { available: false, reason: result.semantic.reason });
      });

      test('labels filter: every listed label, in either language form, without any text', async () => {
        const project = newProject();
        const dog = makeDocument(project, { title: 'Parque', labels: ['dog', 'perro', 'grass', 'hierba'] });
        const cat = makeDocument(project, { title: 'Parque', labels: ['cat', 'gato', 'grass', 'hierba'] });
        for (const doc of [dog, cat]) await index.upsert(doc);
        const ids = async (labels: string[]) => (await search({ projectIds: [project], filters: { labels } })).hits.map((hit) => hit.assetId).sort();
        assert.deepEqual(await ids(['perro']), [dog.assetId]);
        assert.deepEqual(await ids(['dog', 'grass']), [dog.assetId]);
        assert.deepEqual(await ids(['hierba']), [dog.assetId, cat.assetId].sort());
        assert.deepEqual(await ids(['dog', 'cat']), []);
      });
    });

    describe('Spanish and English analysis, label confidence, OCR noise', () => {
      async function analysisCorpus() {
        const project = newProject();
        const docs = {
          signal: makeDocument(project, { title: 'Señal de tráfico', description: 'Calle cortada por obras' }),
          boy: makeDocument(project, { title: 'Niño con cometa', tags: ['infancia'] }),
          dog: makeDocument(project, { title: 'A dog runs on the beach' }),
          sure: makeDocument(project, { title: 'Parque', labels: ['kite', 'cometa'], labelConfidence: { kite: 0.92, cometa: 0.92 } }),
          unsure: makeDocument(project, { title: 'Parque', labels: ['kite', 'cometa'], labelConfidence: { kite: 0.21, cometa: 0.21 } }),
          ocr: makeDocument(project, { title: 'Puerta', ocrText: 'q w | ~~== l •• SALIDA' }),
        };
        for (const doc of Object.values(docs)) await index.upsert(doc);
        const label = new Map(Object.entries(docs).map(([key, doc]) => [doc.assetId, key]));
        const labelsOf = async (q: string) => (await search({ projectIds: [project], q })).hits.map((hit) => label.get(hit.assetId));
        return { project, docs, labelsOf };
      }

      test('accents fold both ways: "senal de trafico" finds "Señal de tráfico"', async () => {
        const { labelsOf } = await analysisCorpus();
        assert.deepEqual(await labelsOf('senal de trafico'), ['signal']);
        assert.deepEqual(await labelsOf('SEÑAL DE TRÁFICO'), ['signal']);
        assert.deepEqual(await labelsOf('señal tráfico'), ['signal']);
      });

      test('Spanish and English stemming: "niños" finds "Niño", "dogs running" finds "A dog runs"', async () => {
        const { labelsOf } = await analysisCorpus();
        assert.deepEqual(await labelsOf('niños'), ['boy']);
        assert.deepEqual(await labelsOf('nino'), ['boy']);
        assert.deepEqual(await labelsOf('dogs running'), ['dog']);
      });

      test('a label the model is sure of outranks the same label it is unsure of; both are found', async () => {
        const { labelsOf } = await analysisCorpus();
        assert.deepEqual(await labelsOf('kite'), ['sure', 'unsure']);
        assert.deepEqual((await labelsOf('cometa')).filter((name) => name !== 'boy'), ['sure', 'unsure']);
      });

      test('OCR noise (single characters, symbol runs) is not indexed; OCR words are', async () => {
        const { labelsOf } = await analysisCorpus();
        assert.deepEqual(await labelsOf('salida'), ['ocr']);
        for (const noise of ['q', 'w', 'l']) assert.deepEqual(await labelsOf(noise), [], noise);
      });
    });

    describe('people and labels', () => {
      const [ana, luis, eva] = [randomUUID(), randomUUID(), randomUUID()];

      async function peopleCorpus() {
        const project = newProject();
        const docs = {
          anaAlone: makeDocument(project, { title: 'Retrato en el puerto', personIds: [ana], labels: ['person', 'persona', 'boat', 'barco'] }),
          anaLuis: makeDocument(project, { title: 'Rueda de prensa', mediaType: 'video', personIds: [ana, luis], labels: ['person', 'persona'] }),
          luis: makeDocument(project, { title: 'Entrevista en el puerto', personIds: [luis], labels: ['person', 'persona', 'microphone'] }),
          nobody: makeDocument(project, { title: 'Puerto vacío', labels: ['boat', 'barco'] }),
        };
        for (const doc of Object.values(docs)) await index.upsert(doc);
        const label = new Map(Object.entries(docs).map(([key, doc]) => [doc.assetId, key]));
        const labelsOf = (result: SearchResult) => result.hits.map((hit) => label.get(hit.assetId)).sort();
        return { project, docs, labelsOf };
      }

      test('personIds: every listed person present', async () => {
        const { project, labelsOf } = await peopleCorpus();
        assert.deepEqual(labelsOf(await search({ projectIds: [project], filters: { personIds: [ana] } })), ['anaAlone', 'anaLuis']);
        assert.deepEqual(labelsOf(await search({ projectIds: [project], filters: { personIds: [ana, luis] } })), ['anaLuis']);
        assert.deepEqual(labelsOf(await search({ projectIds: [project], filters: { personIds: [eva] } })), []);
        assert.equal((await search({ projectIds: [project], filters: { personIds: [luis] } })).total, 2);
      });

      test('personIds combine with text, other filters and the project scope', async () => {
        const { project, labelsOf } = await peopleCorpus();
        assert.deepEqual(labelsOf(await search({ projectIds: [project], q: 'puerto', filters: { personIds: [luis] } })), ['luis']);
        assert.deepEqual(labelsOf(await search({ projectIds: [project], filters: { personIds: [ana], mediaType: ['video'] } })), ['anaLuis']);
        assert.deepEqual(labelsOf(await search({ projectIds: [newProject()], filters: { personIds: [ana] } })), []);
      });

      test('person ids come back with the document; an upsert replaces them', async () => {
        const { project, docs, labelsOf } = await peopleCorpus();
        const [hit] = (await search({ projectIds: [project], filters: { personIds: [ana, luis] } })).hits;
        assert.deepEqual(hit.document, docs.anaLuis);
        await index.upsert({ ...docs.anaLuis, personIds: [luis] });
        assert.deepEqual(labelsOf(await search({ projectIds: [project], filters: { personIds: [ana] } })), ['anaAlone']);
      });

      test('labels facet: values by count, then value, following text and filters', async () => {
        const { project } = await peopleCorpus();
        const all = await search({ projectIds: [project], facets: ['labels'] });
        assert.deepEqual(all.facets.labels, [
          { value: 'person', count: 3 },
          { value: 'persona', count: 3 },
          { value: 'barco', count: 2 },
          { value: 'boat', count: 2 },
          { value: 'microphone', count: 1 },
        ]);
        const filtered = await search({ projectIds: [project], q: 'puerto', filters: { personIds: [luis] }, facets: ['labels'] });
        assert.deepEqual(filtered.facets.labels, [{ value: 'microphone', count: 1 }, { value: 'person', count: 1 }, { value: 'persona', count: 1 }]);
      });
    });

    describe('collections', () => {
      test('collectionIds: every listed collection holds the asset; combines with text and scope; an upsert replaces them', async () => {
        const project = newProject();
        const [albumA, albumB, albumC] = [randomUUID(), randomUUID(), randomUUID()];
        const docs = {
          inA: makeDocument(project, { title: 'Portada del lunes', collectionIds: [albumA] }),
          inAB: makeDocument(project, { title: 'Portada del martes', collectionIds: [albumA, albumB] }),
          inB: makeDocument(project, { title: 'Contraportada', collectionIds: [albumB] }),
          none: makeDocument(project, { title: 'Portada suelta' }),
        };
        for (const doc of Object.values(docs)) await index.upsert(doc);
        const label = new Map(Object.entries(docs).map(([key, doc]) => [doc.assetId, key]));
        const labelsOf = (result: SearchResult) => result.hits.map((hit) => label.get(hit.assetId)).sort();
        assert.deepEqual(labelsOf(await search({ projectIds: [project], filters: { collectionIds: [albumA] } })), ['inA', 'inAB']);
        assert.deepEqual(labelsOf(await search({ projectIds: [project], filters: { collectionIds: [albumA, albumB] } })), ['inAB']);
        assert.deepEqual(labelsOf(await search({ projectIds: [project], filters: { collectionIds: [albumC] } })), []);
        assert.equal((await search({ projectIds: [project], filters: { collectionIds: [albumB] }, facets: ['mediaType'] })).total, 2);
        assert.deepEqual(labelsOf(await search({ projectIds: [project], q: 'portada', filters: { collectionIds: [albumB] } })), ['inAB']);
        assert.deepEqual(labelsOf(await search({ projectIds: [newProject()], filters: { collectionIds: [albumA] } })), []);
        const [hit] = (await search({ projectIds: [project], filters: { collectionIds: [albumA, albumB] } })).hits;
        assert.deepEqual(hit!.document.collectionIds, [albumA, albumB]);
        await index.upsert({ ...docs.inAB, collectionIds: [albumB] });
        assert.deepEqual(labelsOf(await search({ projectIds: [project], filters: { collectionIds: [albumA] } })), ['inA']);
      });
    });

    describe('semantic, hybrid and more like this', () => {
      /** Four directions that tests mix: x, y, z, w. */
      const vector = (x: number, y = 0, z = 0, w = 0) => Array.from({ length: DEFAULT_EMBEDDING_DIMENSIONS }, (_, i) => [x, y, z, w][i] ?? 0);
      const X = vector(1);

      /** a, b, c by closeness to X (images and videos), d orthogonal, e without embedding; `other` in another project. */
      async function vectorCorpus() {
        const project = newProject();
        const otherProject = newProject();
        const docs = {
          a: makeDocument(project, { title: 'Uno', embedding: vector(1) }),
          b: makeDocument(project, { title: 'Dos', mediaType: 'video', embedding: vector(0.8, 0.6) }),
          c: makeDocument(project, { title: 'Tres', mediaType: 'video', embedding: vector(0.3, 1) }),
          d: makeDocument(project, { title: 'Cuatro', embedding: vector(0, 0, 1) }),
          e: makeDocument(project, { title: 'Cinco' }),
          other: makeDocument(otherProject, { title: 'Otro', embedding: vector(1, 0.01) }),
        };
        for (const doc of Object.values(docs)) await index.upsert(doc);
        const label = new Map(Object.entries(docs).map(([key, doc]) => [doc.assetId, key]));
        const labels = (result: SearchResult) => result.hits.map((hit) => label.get(hit.assetId));
        return { project, otherProject, docs, labels };
      }

      test('semantic: nearest vectors first, only documents with embeddings, never the embedding back', async (t) => {
        const { project, docs, labels } = await vectorCorpus();
        const result = await search({ projectIds: [project], mode: 'semantic', vector: X, facets: ['mediaType'] });
        if (!index.capabilities.vectors) {
          assert.equal(result.semantic.available, false);
          assert.ok(result.semantic.reason, 'says why');
          assert.deepEqual(result.hits, [], 'no text-only hits labelled as semantic');
          return t.diagnostic('no vectors: semantic is unavailable, as it should say');
        }
        assert.deepEqual(result.semantic, { available: true });
        assert.deepEqual(labels(result), ['a', 'b', 'c', 'd']);
        result.hits.slice(1).forEach((hit, i) => assert.ok(hit.score < result.hits[i].score));
        assert.equal(result.total, 4);
        assert.deepEqual(result.facets.mediaType, [{ value: 'image', count: 2 }, { value: 'video', count: 2 }]);
        const { embedding, ...withoutEmbedding } = docs.a;
        assert.ok(embedding);
        assert.deepEqual(result.hits[0].document, withoutEmbedding);
      });

      test('semantic: filters and project scope apply', async (t) => {
        const { project, otherProject, labels } = await vectorCorpus();
        if (!index.capabilities.vectors) return t.skip('no vectors: covered by the unavailable case');
        assert.deepEqual(labels(await search({ projectIds: [project], mode: 'semantic', vector: X, filters: { mediaType: ['video'] } })), ['b', 'c']);
        assert.deepEqual(labels(await search({ projectIds: [project], mode: 'semantic', vector: X, filters: { projectId: [otherProject] } })), []);
        const both = labels(await search({ projectIds: [project, otherProject], mode: 'semantic', vector: X }));
        assert.deepEqual(both, ['a', 'other', 'b', 'c', 'd']);
        assert.deepEqual(labels(await search({ projectIds: [otherProject], mode: 'semantic', vector: X })), ['other']);
      });

      test('semantic: pages cover every hit once; cursors do not cross modes', async (t) => {
        const { project, labels } = await vectorCorpus();
        if (!index.capabilities.vectors) return t.skip('no vectors: covered by the unavailable case');
        const query = { projectIds: [project], mode: 'semantic' as const, vector: X };
        const seen: (string | undefined)[] = [];
        let page = await search({ ...query, limit: 3 });
        seen.push(...labels(page));
        assert.ok(page.nextCursor);
        page = await search({ ...query, limit: 3, cursor: page.nextCursor });
        seen.push(...labels(page));
        assert.equal(page.nextCursor, undefined);
        assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
        const first = await search({ ...query, limit: 1 });
        await assert.rejects(search({ projectIds: [project], cursor: first.nextCursor }), InvalidCursor);
        await assert.rejects(search({ ...query, mode: 'hybrid', q: 'uno', cursor: first.nextCursor }), InvalidCursor);
      });

      test('semantic: a query vector of the wrong length is unavailable, with a reason', async () => {
        const { project } = await vectorCorpus();
        const result = await search({ projectIds: [project], mode: 'semantic', vector: [1, 0, 0] });
        assert.equal(result.semantic.available, false);
        assert.ok(result.semantic.reason);
        assert.deepEqual(result.hits, []);
      });

      test('more like this: neighbours of the stored embedding, never the asset itself', async (t) => {
        const { project, otherProject, docs, labels } = await vectorCorpus();
        const result = await search({ projectIds: [project], moreLikeAssetId: docs.a.assetId });
        if (!index.capabilities.vectors) {
          assert.equal(result.semantic.available, false);
          assert.ok(result.semantic.reason);
          assert.deepEqual(result.hits, []);
          return t.diagnostic('no vectors: more like this is unavailable, as it should say');
        }
        assert.deepEqual(result.semantic, { available: true });
        assert.deepEqual(labels(result), ['b', 'c', 'd']);
        // An asset without an embedding, or outside the caller's projects, cannot be the example.
        for (const example of [docs.e.assetId, docs.other.assetId, randomUUID(), 'not-an-id']) {
          const none = await search({ projectIds: [project], moreLikeAssetId: example });
          assert.equal(none.semantic.available, false, example);
          assert.ok(none.semantic.reason);
          assert.deepEqual(none.hits, []);
        }
        assert.deepEqual(labels(await search({ projectIds: [project, otherProject], moreLikeAssetId: docs.other.assetId })), ['a', 'b', 'c', 'd']);
      });

      test('hybrid: a document strong in both rankings first; weights shift the order', async (t) => {
        const project = newProject();
        // Text ranking: both (title and tags), textOnly (title). Vector ranking: vectorOnly, both.
        const docs = {
          both: makeDocument(project, { title: 'Faro de noche', tags: ['faro'], embedding: vector(0.9, 0.3) }),
          textOnly: makeDocument(project, { title: 'Faro viejo' }),
          vectorOnly: makeDocument(project, { title: 'Luna llena', embedding: vector(1) }),
          far: makeDocument(project, { title: 'Desierto', embedding: vector(0, 0, 0, 1) }),
        };
        for (const doc of Object.values(docs)) await index.upsert(doc);
        const label = new Map(Object.entries(docs).map(([key, doc]) => [doc.assetId, key]));
        const labels = (result: SearchResult) => result.hits.map((hit) => label.get(hit.assetId));
        const query = { projectIds: [project], mode: 'hybrid' as const, q: 'faro', vector: X };
        const text = await search({ projectIds: [project], q: 'faro' });
        if (!index.capabilities.vectors) {
          const result = await search(query);
          assert.equal(result.semantic.available, false);
          assert.ok(result.semantic.reason);
          assert.deepEqual(labels(result), labels(text), 'falls back to text, and says so');
          return t.diagnostic('no vectors: hybrid falls back to text, as it should say');
        }
        const fused = await search(query);
        assert.deepEqual(fused.semantic, { available: true });
        assert.deepEqual(labels(fused).slice(0, 3), ['both', 'vectorOnly', 'textOnly']);
        assert.equal(fused.total, 4);
        assert.deepEqual(labels(await search({ ...query, hybridWeights: { text: 5, semantic: 1 } })).slice(0, 3), ['both', 'textOnly', 'vectorOnly']);
        assert.deepEqual(labels(await search({ ...query, hybridWeights: { text: 1, semantic: 5 } })), ['both', 'vectorOnly', 'far', 'textOnly']);
        assert.deepEqual(labels(await search({ ...query, hybridWeights: { text: 1, semantic: 0.1 } })).slice(0, 2), ['both', 'textOnly']);
        // No query vector: text results, honestly labelled.
        const fallback = await search({ ...query, vector: undefined });
        assert.equal(fallback.semantic.available, false);
        assert.ok(fallback.semantic.reason);
        assert.deepEqual(labels(fallback), labels(text));
      });
    });

    /** Follows nextCursor to the end; hit names in order. Fails at once on an empty page or a repeated hit. */
    async function allPages(query: Partial<SearchQuery>, limit: number): Promise<string[]> {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await search({ ...query, limit, cursor });
        assert.ok(page.hits.length > 0 && page.hits.length <= limit);
        for (const name of names(page)) {
          assert.ok(!seen.includes(name), `${name} appears on two pages`);
          seen.push(name);
        }
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    }
  });
}

function makeDocument(projectId: string, fields: Partial<SearchDocument>): SearchDocument {
  return {
    assetId: randomUUID(),
    projectId,
    mediaType: 'image',
    state: 'ready',
    title: '',
    description: '',
    tags: [],
    filename: 'file.jpg',
    createdAt: new Date('2024-07-01T00:00:00Z'),
    fields: {},
    ...fields,
  };
}

/** Five documents in project A, one in B; each test above knows exactly which ones should match. */
function corpusFor(projectA: string, projectB: string) {
  return {
    sunset: makeDocument(projectA, {
      title: 'Atardecer en la playa',
      description: 'Sunset over the sea with running children',
      tags: ['playa', 'verano'],
      filename: 'IMG_2041.jpg',
      createdAt: new Date('2024-01-10T09:00:00.000Z'),
      capturedAt: new Date('2024-01-09T18:30:00.000Z'),
      fields: { camera: 'Canon EOS R5', lens: 'RF24-70mm F2.8' },
      thumbnailKey: 'thumbs/sunset.webp',
    }),
    song: makeDocument(projectA, {
      mediaType: 'audio',
      title: 'Canción del árbol',
      description: 'Grabación en el bosque al amanecer',
      tags: ['música', 'bosque'],
      filename: 'toma_07.wav',
      createdAt: new Date('2024-02-10T09:00:00.000Z'),
    }),
    forest: makeDocument(projectA, {
      mediaType: 'video',
      state: 'processing',
      title: 'Los árboles del parque',
      description: 'Walking dogs under the trees',
      tags: ['bosque', 'parque', 'verano'],
      filename: 'DSC-0001.mp4',
      createdAt: new Date('2024-03-10T09:00:00.000Z'),
      fields: { camera: 'Sony A7 IV' },
    }),
    report: makeDocument(projectA, {
      mediaType: 'document',
      title: 'Quarterly report',
      description: 'Budget figures and forecasts',
      tags: ['finanzas'],
      filename: 'report_q1.pdf',
      createdAt: new Date('2024-04-10T09:00:00.000Z'),
      fields: { author: 'Marta Gómez' },
    }),
    marathon: makeDocument(projectA, {
      state: 'archived',
      title: 'Runners at the marathon',
      description: 'Crowds cheering at the finish line',
      tags: ['deporte', 'verano'],
      filename: 'marathon-2024.jpg',
      createdAt: new Date('2024-05-10T09:00:00.000Z'),
      fields: { camera: 'Nikon Z9', place: 'Parque del Retiro, Madrid' },
    }),
    private: makeDocument(projectB, {
      title: 'Atardecer privado',
      description: 'Sunset seen from a private terrace',
      tags: ['playa'],
      filename: 'IMG_2042.jpg',
      createdAt: new Date('2024-06-10T09:00:00.000Z'),
      fields: { camera: 'Canon EOS R5' },
    }),
  };
}
