// Request/response contract of the OpenSearch adapter, without an OpenSearch server: the real client talks to a
// local HTTP server that records every request and answers in the shapes OpenSearch documents (index templates,
// _bulk, _search with hits.total, aggregations and sort values, _alias, _aliases). Each test checks the exact
// JSON the adapter sends: mappings and analysers, queries, aggregations, search_after, k-NN, the alias swap.
// The behaviour against a real cluster is the conformance suite (test/integration/search-opensearch.test.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { OpenSearchSearchIndex } from './opensearch.ts';
import type { SearchDocument } from './search-index.ts';

type Recorded = { method: string; path: string; query: URLSearchParams; contentType?: string; text: string; json?: any };
type Answer = { status?: number; body?: unknown };

const ALIAS = 'contract';
const DIMENSIONS = 4;
let requests: Recorded[] = [];
/** What the server answers, by "METHOD path" (path without the query; * for any method or any path); a function gets the request. */
let answers: Record<string, Answer | ((request: Recorded) => Answer)> = {};
let url: string;
const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed = new URL(req.url!, 'http://x');
  const recorded: Recorded = { method: req.method!, path: parsed.pathname, query: parsed.searchParams, contentType: req.headers['content-type'], text };
  try { recorded.json = text ? JSON.parse(text) : undefined; } catch { /* NDJSON: read from text */ }
  requests.push(recorded);
  const route = answers[`${req.method} ${parsed.pathname}`] ?? answers[`* ${parsed.pathname}`] ?? answers[`${req.method} *`] ?? answers['* *'];
  const answer = typeof route === 'function' ? route(recorded) : route ?? { status: 404, body: { error: { type: 'index_not_found_exception', reason: 'no such index' }, status: 404 } };
  res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify(answer.body ?? {}));
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => { requests = []; answers = {}; });

const acknowledged = { status: 200, body: { acknowledged: true } };
const shards = { total: 1, successful: 1, skipped: 0, failed: 0 };
/** A _search response as documented: took, timed_out, _shards, hits.total {value, relation}, hits with sort values, aggregations. */
const searchResponse = (hits: { _id: string; _score: number | null; document: Record<string, unknown>; sort?: unknown[] }[], total: number, aggregations?: unknown) => ({
  status: 200,
  body: {
    took: 3, timed_out: false, _shards: shards,
    hits: { total: { value: total, relation: 'eq' }, max_score: hits[0]?._score ?? null, hits: hits.map((hit) => ({ _index: `${ALIAS}-v1`, _id: hit._id, _score: hit._score, _source: { document: hit.document }, ...(hit.sort ? { sort: hit.sort } : {}) })) },
    ...(aggregations ? { aggregations } : {}),
  },
});

function doc(fields: Partial<SearchDocument> = {}): SearchDocument {
  return { assetId: randomUUID(), projectId: 'p1', mediaType: 'image', state: 'ready', title: 'Señal de tráfico', description: '', tags: ['calle'], filename: 'IMG_2041.jpg', createdAt: new Date('2024-05-01T10:00:00.000Z'), fields: {}, ...fields };
}
const storedJson = (d: SearchDocument) => JSON.parse(JSON.stringify((({ embedding, ...rest }) => rest)(d)));

async function openIndex(): Promise<OpenSearchSearchIndex> {
  answers = { '* /_index_template/contract-template': acknowledged, 'HEAD /contract': { status: 200 }, '* /contract/_mapping': acknowledged };
  const index = await OpenSearchSearchIndex.open(url, { index: ALIAS, dimensions: DIMENSIONS });
  requests = [];
  return index;
}

describe('OpenSearch contract: index template, alias, mappings', () => {
  test('a fresh cluster gets the template (analysers, strict mapping, Lucene HNSW) and a first version behind the alias', async () => {
    answers = { '* /_index_template/contract-template': acknowledged, 'HEAD /contract': { status: 404 }, 'PUT *': { status: 200, body: { acknowledged: true, shards_acknowledged: true } } };
    const index = await OpenSearchSearchIndex.open(url, { index: ALIAS, dimensions: DIMENSIONS });
    const [template, exists, create] = requests;
    // PUT and POST are both documented for _index_template and _mapping.
    assert.ok(['PUT', 'POST'].includes(template!.method));
    assert.equal(template!.path, '/_index_template/contract-template');
    const body = template!.json;
    assert.deepEqual(Object.keys(body).sort(), ['index_patterns', 'template']);
    assert.deepEqual(body.index_patterns, ['contract-*']);
    assert.deepEqual(body.template.settings.index, { knn: true });
    const { analyzer, filter } = body.template.settings.analysis;
    for (const name of ['mediateca_es', 'mediateca_en']) {
      assert.equal(analyzer[name].type, 'custom');
      assert.equal(analyzer[name].tokenizer, 'standard');
      assert.ok(analyzer[name].filter.includes('asciifolding'), `${name} folds accents`);
      assert.ok(analyzer[name].filter.indexOf('lowercase') < analyzer[name].filter.indexOf('asciifolding'));
      for (const custom of analyzer[name].filter.filter((f: string) => f.startsWith('mediateca_'))) assert.ok(filter[custom], `${custom} is defined`);
    }
    assert.deepEqual(filter.mediateca_es_stemmer, { type: 'stemmer', language: 'light_spanish' });
    assert.deepEqual(filter.mediateca_en_stemmer, { type: 'stemmer', language: 'english' });
    const { mappings } = body.template;
    assert.equal(mappings.dynamic, 'strict');
    assert.deepEqual(mappings.properties.embedding, { type: 'knn_vector', dimension: DIMENSIONS, method: { name: 'hnsw', engine: 'lucene', space_type: 'cosinesimil', parameters: { m: 16, ef_construction: 128 } } });
    assert.deepEqual(mappings.properties.title, { type: 'text', analyzer: 'mediateca_es', fields: { en: { type: 'text', analyzer: 'mediateca_en' } } });
    for (const keyword of ['asset_id', 'project_id', 'media_type', 'state', 'editorial_state', 'tags', 'label_values', 'person_ids']) assert.deepEqual(mappings.properties[keyword], { type: 'keyword' }, keyword);
    assert.deepEqual(mappings.properties.created_at, { type: 'date' });
    assert.deepEqual(mappings.properties.document, { type: 'object', enabled: false });
    assert.deepEqual([exists!.method, exists!.path], ['HEAD', '/contract']);
    assert.equal(create!.method, 'PUT');
    assert.match(create!.path, /^\/contract-\d{8}t\d{9}z$/);
    assert.deepEqual(create!.json, { aliases: { contract: {} } });
    await index.close();
  });

  test('an existing alias only gets the fields added since (put mapping)', async () => {
    const index = await openIndex();
    await index.close();
    answers = { '* /_index_template/contract-template': acknowledged, 'HEAD /contract': { status: 200 }, '* /contract/_mapping': acknowledged };
    requests = [];
    const again = await OpenSearchSearchIndex.open(url, { index: ALIAS, dimensions: DIMENSIONS });
    assert.deepEqual(requests.map((r) => r.path), ['/_index_template/contract-template', '/contract', '/contract/_mapping']);
    assert.equal(requests[1]!.method, 'HEAD');
    assert.deepEqual(requests[2]!.json, {
      properties: {
        label_values: { type: 'keyword' }, person_ids: { type: 'keyword' }, editorial_state: { type: 'keyword' }, collection_ids: { type: 'keyword' },
        field_values: { type: 'keyword', ignore_above: 2048 },
        field_ranges: { type: 'nested', properties: { name: { type: 'keyword' }, number: { type: 'double' }, date: { type: 'keyword' } } },
      },
    });
    await again.close();
  });
});

describe('OpenSearch contract: writes', () => {
  test('upsertMany is one _bulk of NDJSON action/source pairs through the alias; OCR noise and weak labels are placed as analysed', async () => {
    const index = await openIndex();
    const a = doc({ ocrText: 'x | ~~ SALIDA', labels: ['dog', 'perro', 'kite'], labelConfidence: { kite: 0.1 }, embedding: [1, 0, 0, 0] });
    const b = doc({ title: 'Otra' });
    answers['POST /_bulk'] = { status: 200, body: { took: 5, errors: false, items: [a, b].map((d) => ({ index: { _index: `${ALIAS}-v1`, _id: d.assetId, _version: 1, result: 'created', status: 201, _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: 0, _primary_term: 1 } })) } };
    await index.upsertMany([a, b]);
    const [bulk] = requests;
    assert.equal(bulk!.method, 'POST');
    assert.equal(bulk!.path, '/_bulk');
    assert.equal(bulk!.query.get('refresh'), 'wait_for');
    assert.match(bulk!.contentType ?? '', /application\/(x-ndjson|json)/);
    assert.ok(bulk!.text.endsWith('\n'), 'NDJSON ends with a newline');
    const lines = bulk!.text.trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.equal(lines.length, 4);
    assert.deepEqual(lines[0], { index: { _index: ALIAS, _id: a.assetId } });
    assert.deepEqual(lines[2], { index: { _index: ALIAS, _id: b.assetId } });
    const source = lines[1];
    assert.deepEqual(source.embedding, [1, 0, 0, 0]);
    assert.equal(source.ocr_text, 'SALIDA');
    assert.equal(source.labels, 'dog perro');
    assert.equal(source.extra, 'kite');
    assert.deepEqual(source.label_values, ['dog', 'perro', 'kite']);
    assert.equal(source.created_at, '2024-05-01T10:00:00.000Z');
    assert.deepEqual(source.document, storedJson(a));
    assert.equal(lines[3].embedding, undefined, 'no embedding, no field');
    await index.close();
  });

  test('a _bulk answer with errors fails with the refused document', async () => {
    const index = await openIndex();
    const a = doc();
    answers['POST /_bulk'] = { status: 200, body: { took: 1, errors: true, items: [{ index: { _index: `${ALIAS}-v1`, _id: a.assetId, status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [created_at]' } } }] } };
    await assert.rejects(index.upsertMany([a]), new RegExp(`bulk indexing failed for asset ${a.assetId}: .*mapper_parsing_exception`));
    await index.close();
  });
});

describe('OpenSearch contract: search', () => {
  test('text: filters as filter clauses, every word in a field (cross_fields AND) in either language, terms aggregations, sort and total', async () => {
    const index = await openIndex();
    const a = doc();
    answers['POST /contract/_search'] = searchResponse([{ _id: a.assetId, _score: 12.5, document: storedJson(a), sort: [12.5, a.assetId] }, { _id: randomUUID(), _score: 3, document: storedJson(doc()), sort: [3, 'x'] }], 2, {
      mediaType: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: 'image', doc_count: 2 }] },
      tags: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: 'calle', doc_count: 2 }] },
    });
    const result = await index.search({ q: 'senal de trafico', projectIds: ['p1', 'p2'], filters: { mediaType: ['image'], tags: ['calle'], from: new Date('2024-01-01T00:00:00Z') }, facets: ['mediaType', 'tags'], limit: 1 });
    const [request] = requests;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.path, '/contract/_search');
    const body = request!.json;
    assert.equal(body.size, 2, 'one more than the page, to know whether there is a next one');
    assert.equal(body.track_total_hits, true, 'exact totals');
    assert.deepEqual(body._source, ['document']);
    assert.deepEqual(body.sort, [{ _score: { order: 'desc' } }, { asset_id: { order: 'desc' } }]);
    assert.deepEqual(body.aggs, {
      mediaType: { terms: { field: 'media_type', size: 100, order: [{ _count: 'desc' }, { _key: 'asc' }] } },
      tags: { terms: { field: 'tags', size: 20, order: [{ _count: 'desc' }, { _key: 'asc' }] } },
    });
    const filters = body.query.bool.filter;
    assert.deepEqual(filters.slice(0, 4), [
      { terms: { project_id: ['p1', 'p2'] } },
      { terms: { media_type: ['image'] } },
      { term: { tags: 'calle' } },
      { range: { created_at: { gte: '2024-01-01T00:00:00.000Z' } } },
    ]);
    const everyWord = filters[4].bool;
    assert.equal(everyWord.minimum_should_match, 1);
    for (const [i, suffix] of ['', '.en'].entries()) {
      const multi = everyWord.should[i].multi_match;
      assert.equal(multi.query, 'senal de trafico');
      assert.equal(multi.type, 'cross_fields');
      assert.equal(multi.operator, 'and');
      assert.ok(multi.fields.every((field: string) => field.endsWith(suffix)));
    }
    const weights = body.query.bool.should.filter((clause: any) => clause.constant_score).map((clause: any) => clause.constant_score.boost);
    assert.deepEqual(weights, [10, 4, 4, 2, 1, 1, 1], 'title > tags, labels > description > extra, OCR, transcript');
    assert.equal(result.total, 2);
    assert.deepEqual(result.facets, { mediaType: [{ value: 'image', count: 2 }], tags: [{ value: 'calle', count: 2 }] });
    assert.deepEqual(result.hits.map((hit) => [hit.assetId, hit.score]), [[a.assetId, 12.5]]);
    assert.deepEqual(result.hits[0]!.document, a, 'the stored document back, dates as dates');
    assert.ok(result.nextCursor);

    // The next page sends the last hit's sort values as search_after.
    requests = [];
    await index.search({ q: 'senal de trafico', projectIds: ['p1', 'p2'], filters: {}, facets: [], limit: 1, cursor: result.nextCursor });
    assert.deepEqual(requests[0]!.json.search_after, [12.5, a.assetId]);
    await index.close();
  });

  test('schema fields: "name=value" keywords and nested ranges in the source; terms and nested range filters; facets by field', async () => {
    const index = await openIndex();
    const a = doc({ schemaFields: { section: 'politics', topics: ['budget', 'election'], rating: 4, eventDate: '2024-02-28', embargoed: false, note: 'no es fecha' } });
    answers['POST /_bulk'] = { status: 200, body: { took: 1, errors: false, items: [{ index: { _index: `${ALIAS}-v1`, _id: a.assetId, _version: 1, result: 'created', status: 201, _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: 0, _primary_term: 1 } }] } };
    await index.upsertMany([a]);
    const source = JSON.parse(requests[0]!.text.trim().split('\n')[1]!);
    assert.deepEqual(source.field_values, ['section=politics', 'topics=budget', 'topics=election', 'rating=4', 'eventDate=2024-02-28', 'embargoed=false', 'note=no es fecha']);
    assert.deepEqual(source.field_ranges, [{ name: 'rating', number: 4 }, { name: 'eventDate', date: '2024-02-28' }]);
    assert.deepEqual(source.document.schemaFields, a.schemaFields);

    requests = [];
    answers['POST /contract/_search'] = searchResponse([], 0, { field_0: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [{ key: 'topics=election', doc_count: 2 }, { key: 'topics=budget', doc_count: 1 }] } });
    const result = await index.search({
      projectIds: ['p1'],
      filters: { fields: [{ name: 'section', values: ['politics', 'sport'] }, { name: 'rating', values: ['4.0'] }, { name: 'rating', min: 2, max: 5 }, { name: 'eventDate', min: '2024-01-01' }] },
      facets: [],
      fieldFacets: ['topics'],
      limit: 10,
    });
    const body = requests[0]!.json;
    assert.deepEqual(body.query.bool.filter.slice(1), [
      { terms: { field_values: ['section=politics', 'section=sport'] } },
      { terms: { field_values: ['rating=4.0', 'rating=4'] } },
      { nested: { path: 'field_ranges', query: { bool: { filter: [{ term: { 'field_ranges.name': 'rating' } }, { range: { 'field_ranges.number': { gte: 2, lte: 5 } } }] } } } },
      { nested: { path: 'field_ranges', query: { bool: { filter: [{ term: { 'field_ranges.name': 'eventDate' } }, { range: { 'field_ranges.date': { gte: '2024-01-01' } } }] } } } },
    ]);
    assert.deepEqual(body.aggs, { field_0: { terms: { field: 'field_values', include: 'topics=.*', size: 20, order: [{ _count: 'desc' }, { _key: 'asc' }] } } });
    assert.deepEqual(result.fieldFacets, { topics: [{ value: 'election', count: 2 }, { value: 'budget', count: 1 }] });
    await index.close();
  });

  test('listing: newest first, filters only, search_after on created_at millis', async () => {
    const index = await openIndex();
    const a = doc();
    const millis = Date.parse('2024-05-01T10:00:00Z');
    answers['POST /contract/_search'] = searchResponse([{ _id: a.assetId, _score: null, document: storedJson(a), sort: [millis, a.assetId] }, { _id: randomUUID(), _score: null, document: storedJson(doc()), sort: [millis - 1, 'y'] }], 7);
    const result = await index.search({ projectIds: ['p1'], filters: { state: ['ready', 'archived'] }, facets: [], limit: 1 });
    const body = requests[0]!.json;
    assert.deepEqual(body.query, { bool: { filter: [{ terms: { project_id: ['p1'] } }, { terms: { state: ['ready', 'archived'] } }] } });
    assert.deepEqual(body.sort, [{ created_at: { order: 'desc' } }, { asset_id: { order: 'desc' } }]);
    assert.equal(result.total, 7);
    requests = [];
    await index.search({ projectIds: ['p1'], filters: {}, facets: [], limit: 1, cursor: result.nextCursor });
    assert.deepEqual(requests[0]!.json.search_after, [millis, a.assetId]);
    await index.close();
  });

  test('semantic: a knn query on the embedding with k and the filters inside (Lucene filters during the walk)', async () => {
    const index = await openIndex();
    const a = doc();
    // Lucene cosinesimil scores are (1 + cos) / 2.
    answers['POST /contract/_search'] = searchResponse([{ _id: a.assetId, _score: 0.95, document: storedJson(a) }], 1);
    const result = await index.search({ projectIds: ['p1'], filters: { mediaType: ['video'] }, facets: [], limit: 5, mode: 'semantic', vector: [0, 1, 0, 0] });
    const body = requests[0]!.json;
    assert.equal(body.size, 100);
    assert.deepEqual(body.query, { knn: { embedding: { vector: [0, 1, 0, 0], k: 100, filter: { bool: { filter: [{ terms: { project_id: ['p1'] } }, { terms: { media_type: ['video'] } }], must_not: [] } } } } });
    assert.deepEqual(result.semantic, { available: true });
    assert.equal(result.hits[0]!.score.toFixed(2), '0.90', 'the cosine back from the Lucene score');
    await index.close();
  });

  test('hybrid: the text and k-NN top K fused in the application (RRF)', async () => {
    const index = await openIndex();
    const [x, y, z] = [doc({ title: 'x' }), doc({ title: 'y' }), doc({ title: 'z' })];
    answers['POST /contract/_search'] = (request) => request.json.query.knn
      ? searchResponse([{ _id: y.assetId, _score: 0.99, document: storedJson(y) }, { _id: x.assetId, _score: 0.9, document: storedJson(x) }], 2)
      : searchResponse([{ _id: x.assetId, _score: 9, document: storedJson(x) }, { _id: z.assetId, _score: 5, document: storedJson(z) }], 2);
    const result = await index.search({ q: 'faro', projectIds: ['p1'], filters: {}, facets: [], limit: 10, mode: 'hybrid', vector: [1, 0, 0, 0] });
    assert.equal(requests.length, 2);
    assert.deepEqual(result.hits.map((hit) => hit.document.title), ['x', 'y', 'z'], 'in both lists first, then each list\'s best');
    assert.equal(result.total, 3);
    await index.close();
  });
});

describe('OpenSearch contract: reindex swaps the alias atomically', () => {
  test('new version filled by _bulk, refreshed, one _aliases request (remove old, add new), old version deleted; writes meanwhile reach both', async () => {
    const index = await openIndex();
    const old = `${ALIAS}-20240101t000000000z`;
    const a = doc();
    const b = doc();
    answers = {
      'PUT *': { status: 200, body: { acknowledged: true, shards_acknowledged: true } },
      [`GET /_alias/${ALIAS}`]: { status: 200, body: { [old]: { aliases: { [ALIAS]: {} } } } },
      'POST /_bulk': (request) => ({ status: 200, body: { took: 1, errors: false, items: request.text.trimEnd().split('\n').filter((_, i) => i % 2 === 0).map((line) => ({ index: { ...JSON.parse(line).index, status: 201, result: 'created' } })) } }),
      // _refresh: GET and POST are both documented
      '* *': { status: 200, body: { _shards: shards } },
      'DELETE *': acknowledged,
    };
    answers['POST /_aliases'] = acknowledged;
    let version = '';
    async function* batches() {
      yield [a];
      // A write while the reindex runs goes to the alias and to the new version.
      await index.upsertMany([b]);
      yield [b];
    }
    version = await index.reindex(batches());
    const calls = requests.map((r) => `${r.path.endsWith('/_refresh') ? 'GET|POST' : r.method} ${r.path}`);
    assert.match(version, /^contract-\d{8}t\d{9}z$/);
    assert.deepEqual(calls, [
      `PUT /${version}`,
      `GET /_alias/${ALIAS}`,
      'POST /_bulk',
      'POST /_bulk',
      'POST /_bulk',
      'POST /_bulk',
      `GET|POST /${version}/_refresh`,
      'POST /_aliases',
      `DELETE /${old}`,
    ]);
    const bulkTargets = requests.filter((r) => r.path === '/_bulk').map((r) => JSON.parse(r.text.split('\n')[0]!).index._index);
    assert.deepEqual(bulkTargets, [version, ALIAS, version, version]);
    assert.deepEqual(requests.find((r) => r.path === '/_aliases')!.json, { actions: [{ remove: { index: old, alias: ALIAS } }, { add: { index: version, alias: ALIAS } }] });
    await index.close();
  });

  test('a failed fill deletes the half-built version and leaves the alias alone', async () => {
    const index = await openIndex();
    answers = {
      'PUT *': { status: 200, body: { acknowledged: true } },
      [`GET /_alias/${ALIAS}`]: { status: 200, body: { [`${ALIAS}-old`]: { aliases: { [ALIAS]: {} } } } },
      'POST /_bulk': { status: 200, body: { took: 1, errors: true, items: [{ index: { _id: 'z', status: 400, error: { type: 'mapper_parsing_exception' } } }] } },
      'DELETE *': acknowledged,
    };
    await assert.rejects(index.reindex([[doc()]]), /bulk indexing failed/);
    const calls = requests.map((r) => `${r.method} ${r.path}`);
    assert.equal(calls.includes('POST /_aliases'), false);
    assert.match(calls.at(-1)!, /^DELETE \/contract-\d{8}t\d{9}z$/);
    await index.close();
  });
});
