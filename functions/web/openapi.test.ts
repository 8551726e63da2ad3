// The OpenAPI document against the running platform: every Hono route of every function is in it (and nothing
// else), and real answers — driven through uploads, listing, search, edits, people, imports and errors — match the
// schemas it declares (ajv, JSON Schema 2020-12, on the served document itself).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import openapiTS, { astToString } from 'openapi-typescript';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { openApiPath, operationId } from '../../shared/http/openapi.ts';
import { Client } from '../../test/support/client.ts';
import { makeJpegWithExif } from '../../test/support/images.ts';
import { file, startSourceServer, type SourceServer } from '../../test/support/source-server.ts';
import { API_ROUTES } from './api.ts';

/** Routes every function has that are not the API: health, metrics, CloudEvents deliveries, the workspace's files and the document itself. */
const NOT_API = [/^\w+ \/_\//, /^GET \/metrics$/, /^POST \/$/, /^GET \/$/, /^GET \/static\/\*$/, /^GET \/docs(\/.*)?$/, /^GET \/openapi\.json$/];

/** Answers that need models or media this test does not run (objects, faces, video), each covered by its own e2e test. */
// (reverting needs a second version rendered: functions/assets/versions.test.ts checks its answer)
// getAssetsIdOriginal answers a file or a redirect, not JSON: functions/assets/embedded.test.ts covers it
// (merging people needs two people's faces: functions/assets/people.test.ts checks its answer)
const NOT_EXERCISED_HERE = new Set(['postAssetsIdVersionsNRevert', 'getAssetsIdOriginal', 'putAssetsIdLabelsLabel', 'getPersonsId', 'patchPersonsId', 'postPersonsIdMerge', 'getAssetsIdThumbnailsVtt', 'getAssetsIdHlsMasterM3u8', 'getAssetsIdHlsVariantIndexM3u8', 'postProjectsIdRebuild', ...API_ROUTES.filter((r) => r.tag === 'distribution' || r.tag === 'operations').map(operationId)]);

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-openapi-'));
let host: Host;
let client: Client;
let source: SourceServer;
let document: any;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const exercised = new Set<string>();

before(async () => {
  source = await startSourceServer();
  host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0', ENRICH_PARTS: 'none', IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', UPLOAD_MULTIPART_THRESHOLD: '6291456', UPLOAD_PART_SIZE: '5242880' }), 0);
  client = new Client(host.url, await host.platform.signer!.mint('openapi-test', { newsroom: 'admin' }));
  const served = await fetch(`${host.url}/openapi.json`);
  assert.equal(served.status, 200);
  document = await served.json();
  ajv.addSchema(document, 'openapi');
});
after(async () => {
  await host?.stop();
  await source?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A route's declared answer for this status: its JSON schema, or the problem schema for errors. */
function declaredSchema(method: string, honoPath: string, status: number): string {
  const operation = document.paths[openApiPath(honoPath)]?.[method];
  assert.ok(operation, `${method.toUpperCase()} ${honoPath} is not in the document`);
  const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  const response = operation.responses[String(status)];
  if (response) {
    assert.ok(response.content?.['application/json'], `${method.toUpperCase()} ${honoPath} ${status} declares no JSON body`);
    return `openapi#/paths/${pointer(openApiPath(honoPath))}/${method}/responses/${status}/content/application~1json/schema`;
  }
  assert.ok(status >= 400, `${method.toUpperCase()} ${honoPath} answered ${status}, which the document does not declare`);
  return 'openapi#/components/schemas/Problem';
}

function assertMatches(method: string, honoPath: string, status: number, body: unknown): void {
  const validate = ajv.getSchema(declaredSchema(method, honoPath, status)) ?? ajv.compile({ $ref: declaredSchema(method, honoPath, status) });
  const valid = validate(body);
  assert.ok(valid, `${method.toUpperCase()} ${honoPath} → ${status} does not match its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
}

/** A real request, checked against the document; `honoPath` names the route, `path` is what is requested. */
async function call(method: string, honoPath: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await client.request(method.toUpperCase(), path, body, headers);
  if (response.status === 204) {
    assert.equal(document.paths[openApiPath(honoPath)][method].responses['204'] !== undefined, true, `${method} ${honoPath} answered 204, undeclared`);
  } else {
    assertMatches(method, honoPath, response.status, response.body);
  }
  if (response.status < 300) exercised.add(operationId({ method: method as 'get', path: honoPath }));
  return response;
}

test('every API route of every function is in the document, and the document has no route the functions lack', () => {
  const inCode = new Set<string>();
  for (const app of Object.values(host.functions)) {
    for (const route of app.routes) {
      if (route.method === 'ALL') continue; // middleware
      const key = `${route.method} ${route.path}`;
      if (!NOT_API.some((pattern) => pattern.test(key))) inCode.add(key);
    }
  }
  const inDocument = new Set(API_ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`));
  assert.deepEqual([...inCode].filter((k) => !inDocument.has(k)).sort(), [], 'routes missing from the OpenAPI document (functions/web/api.ts)');
  assert.deepEqual([...inDocument].filter((k) => !inCode.has(k)).sort(), [], 'routes in the document that no function serves');
  for (const route of API_ROUTES) assert.ok(document.paths[openApiPath(route.path)]?.[route.method], `${route.method} ${route.path} in the served document`);
});

test("the workspace's client types are generated from this document (npm run build:web writes them)", async () => {
  const committed = readFileSync(new URL('../../web/src/api-schema.d.ts', import.meta.url), 'utf8');
  assert.ok(committed.endsWith(astToString(await openapiTS(document))), 'web/src/api-schema.d.ts is stale: run npm run build:web');
});

test('the schema check catches an answer that does not match', () => {
  assert.throws(() => assertMatches('get', '/assets', 200, { assets: [{ id: 'x' }] }), /does not match its schema/);
  assert.throws(() => assertMatches('get', '/search', 200, { hits: 'none' }), /does not match its schema/);
});

test('real answers match the declared schemas', async () => {
  const photo = await makeJpegWithExif({ width: 320, height: 240, seed: 7 });
  const { assetId, plan } = await client.upload(photo, 'harbour.jpg', 'image/jpeg', { title: 'Harbour at dawn', tags: ['harbour'] });
  assertMatches('post', '/uploads', 201, plan);
  exercised.add('postUploads');
  await client.waitForAsset(assetId, (a) => a.state === 'ready');
  await client.waitForSearch('q=harbour', (r) => r.total >= 1);

  // a multipart plan, read again, completed, and one cancelled
  const big = Buffer.alloc(7 * 1024 * 1024, 1);
  const started = await call('post', '/uploads', '/uploads', { projectId: 'newsroom', filename: 'big.bin', size: big.length, contentType: 'application/octet-stream' });
  assert.equal(started.body.method, 'MULTIPART');
  const again = await call('get', '/uploads/:id', `/uploads/${started.body.uploadId}`);
  const parts = [];
  for (const part of again.body.multipart.parts) {
    const offset = (part.partNumber - 1) * again.body.multipart.partSize;
    const put = await fetch(part.url, { method: 'PUT', body: new Uint8Array(big.subarray(offset, offset + again.body.multipart.partSize)) });
    parts.push({ partNumber: part.partNumber, etag: put.headers.get('etag')! });
  }
  await call('post', '/uploads/:id/complete', `/uploads/${started.body.uploadId}/complete`, { parts });
  const cancelled = await call('post', '/uploads', '/uploads', { projectId: 'newsroom', filename: 'gone.jpg', size: 10, contentType: 'image/jpeg' });
  await call('delete', '/uploads/:id', `/uploads/${cancelled.body.uploadId}`);

  await call('get', '/assets', '/assets', undefined);
  await call('get', '/assets', '/assets?limit=1&mediaType=image');
  await call('get', '/assets', '/assets?limit=1&sort=title');
  await call('get', '/auth/config', '/auth/config');
  await call('get', '/assets/:id', `/assets/${assetId}`);
  // the live feed: an edit arrives as a `change` event matching LiveEvent
  const events = new AbortController();
  const stream = await fetch(`${host.url}/events`, { headers: { authorization: `Bearer ${client.token}` }, signal: events.signal });
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
  exercised.add('getEvents');
  const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
  let received = '';
  for (let read = await reader.read(); !read.done && !received.includes('event: ready'); read = await reader.read()) received += read.value;
  await call('patch', '/assets/:id', `/assets/${assetId}`, { description: 'Boats in the harbour', tags: ['harbour', 'boats'] });
  const changes = () => [...received.matchAll(/event: change\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]!));
  const edited = () => changes().find((change) => change.type === 'io.mediateca.asset.updated');
  for (let read = await reader.read(); !read.done && !edited(); read = await reader.read()) received += read.value;
  events.abort();
  for (const change of changes()) assert.ok(ajv.validate({ $ref: 'openapi#/components/schemas/LiveEvent' }, change), ajv.errorsText());
  assert.deepEqual([edited().assetId, edited().projectId], [assetId, 'newsroom']);
  await call('post', '/assets/:id/transitions', `/assets/${assetId}/transitions`, { to: 'in_review' });
  await call('get', '/assets/:id/history', `/assets/${assetId}/history`);
  await call('get', '/search', '/search', undefined);
  await call('get', '/search', '/search?q=harbour&facets=mediaType,tags,labels&mode=hybrid');
  await call('get', '/persons', '/persons');
  await call('get', '/projects/:id/settings', '/projects/newsroom/settings');
  await call('put', '/projects/:id/settings', '/projects/newsroom/settings', { hls: false });
  // metadata schema, fields, batch, rights sweep
  await call('get', '/projects/:id/schema', '/projects/newsroom/schema');
  await call('put', '/projects/:id/schema', '/projects/newsroom/schema', { fields: [{ name: 'section', type: 'enum', options: ['politics', 'sport'], help: 'where it runs' }, { name: 'rating', type: 'number', min: 0, max: 5 }] });
  await call('get', '/projects/:id/schema/versions', '/projects/newsroom/schema/versions');
  await call('get', '/projects/:id/schema/versions/:version', '/projects/newsroom/schema/versions/1');
  await call('patch', '/assets/:id', `/assets/${assetId}`, { fields: { section: 'sport', credit: 'EFE', rightsExpiry: '2999-01-01' } });
  await call('patch', '/assets/:id', `/assets/${assetId}`, { fields: { rating: 9 } });
  await call('post', '/assets/batch', '/assets/batch', { ids: [assetId, '00000000-0000-4000-8000-000000000000'], edit: { fields: { rating: 3 } } });
  // CSV export (not JSON: its content type checked) and the export imported back (JSON per row)
  const exported = await fetch(`${host.url}/assets/export.csv?projectId=newsroom`, { headers: { authorization: `Bearer ${client.token}` } });
  assert.equal(exported.status, 200);
  assert.ok(document.paths['/assets/export.csv'].get.responses['200'].content['text/csv'], 'export.csv declares text/csv');
  assert.match(exported.headers.get('content-type') ?? '', /^text\/csv/);
  exercised.add('getAssetsExportCsv');
  const imported = await fetch(`${host.url}/assets/import.csv`, { method: 'POST', headers: { authorization: `Bearer ${client.token}`, 'content-type': 'text/csv' }, body: await exported.text() });
  assert.equal(imported.status, 200);
  assertMatches('post', '/assets/import.csv', 200, await imported.json());
  exercised.add('postAssetsImportCsv');
  await call('post', '/projects/:id/rights/expire', '/projects/newsroom/rights/expire');
  await call('post', '/assets/:id/reprocess', `/assets/${assetId}/reprocess`);
  await client.waitForAsset(assetId, (a) => a.state === 'ready');
  // file versions: a new one's upload plan (its bytes never sent) and the listing
  await call('post', '/assets/:id/versions', `/assets/${assetId}/versions`, { filename: 'harbour-v2.jpg', size: 1000, contentType: 'image/jpeg' });
  await call('get', '/assets/:id/versions', `/assets/${assetId}/versions`);

  // collections, share links (opened without a token) and the audit log
  await call('post', '/assets/:id/transitions', `/assets/${assetId}/transitions`, { to: 'approved' });
  const album = await call('post', '/projects/:id/collections', '/projects/newsroom/collections', { name: 'Harbour' });
  await call('get', '/projects/:id/collections', '/projects/newsroom/collections');
  await call('get', '/collections/:id', `/collections/${album.body.id}`);
  await call('patch', '/collections/:id', `/collections/${album.body.id}`, { name: 'Harbour at dawn' });
  await call('post', '/collections/:id/assets', `/collections/${album.body.id}/assets`, { assetIds: [assetId] });
  await call('patch', '/collections/:id/assets/:assetId', `/collections/${album.body.id}/assets/${assetId}`, { position: 0 });
  await call('get', '/collections/:id/assets', `/collections/${album.body.id}/assets?limit=10`);
  const albumLink = await call('post', '/collections/:id/shares', `/collections/${album.body.id}/shares`, { password: 'harbour at dawn', allowOriginal: true });
  const assetLink = await call('post', '/assets/:id/shares', `/assets/${assetId}/shares`, { renditions: ['thumbnail'] });
  await call('get', '/projects/:id/shares', '/projects/newsroom/shares');
  const publicCall = async (method: string, honoPath: string, path: string, body?: unknown) => {
    const response = await fetch(`${host.url}${path}`, { method: method.toUpperCase(), redirect: 'manual', headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const answer = response.status === 302 ? null : await response.json();
    if (response.status === 302) assert.ok(document.paths[openApiPath(honoPath)][method].responses['302'], `${method} ${honoPath} answered 302, undeclared`);
    else assertMatches(method, honoPath, response.status, answer);
    if (response.status < 400) exercised.add(operationId({ method: method as 'get', path: honoPath }));
    return { status: response.status, body: answer as any };
  };
  const openedAsset = await publicCall('get', '/s/:token', `/s/${assetLink.body.token}`);
  assert.equal(openedAsset.status, 200);
  assert.equal((await publicCall('get', '/s/:token/assets/:assetId/renditions/:name', new URL(openedAsset.body.asset.renditions[0].url).pathname)).status, 302);
  assert.equal((await publicCall('get', '/s/:token', `/s/${albumLink.body.token}`)).status, 401);
  const openedAlbum = await publicCall('post', '/s/:token', `/s/${albumLink.body.token}`, { password: 'harbour at dawn' });
  const original = new URL(openedAlbum.body.collection.assets[0].originalUrl);
  assert.equal((await publicCall('get', '/s/:token/assets/:assetId/original', original.pathname + original.search)).status, 302);
  await call('get', '/projects/:id/audit', '/projects/newsroom/audit?via=share-link');
  await call('get', '/audit', '/audit?action=share.opened,share.downloaded&limit=5');
  await call('delete', '/shares/:id', `/shares/${assetLink.body.id}`);
  assert.equal((await publicCall('get', '/s/:token', `/s/${assetLink.body.token}`)).status, 410);
  await call('delete', '/collections/:id/assets/:assetId', `/collections/${album.body.id}/assets/${assetId}`);
  await call('delete', '/collections/:id', `/collections/${album.body.id}`);

  // bulk import: a dry run, a batch, its tasks, pause, resume, report, cancel
  source.route('/a.jpg', file(await makeJpegWithExif({ width: 64, height: 48, seed: 8 }), 'image/jpeg'));
  const urls = [`${source.url}/a.jpg`];
  await call('post', '/imports', '/imports', { projectId: 'newsroom', source: { type: 'urls', urls }, dryRun: true });
  const batch = await call('post', '/imports', '/imports', { projectId: 'newsroom', source: { type: 'urls', urls } });
  assert.equal(batch.status, 201);
  await call('get', '/imports/:id', `/imports/${batch.body.id}`);
  await call('get', '/imports/:id/tasks', `/imports/${batch.body.id}/tasks`);
  const paused = await call('post', '/imports/:id/pause', `/imports/${batch.body.id}/pause`);
  if (paused.status === 200) await call('post', '/imports/:id/resume', `/imports/${batch.body.id}/resume`);
  await call('get', '/imports/:id/report', `/imports/${batch.body.id}/report`);
  const second = await call('post', '/imports', '/imports', { projectId: 'newsroom', source: { type: 'urls', urls: [`${source.url}/missing.jpg`] }, priority: 5 });
  await call('post', '/imports/:id/cancel', `/imports/${second.body.id}/cancel`);

  // errors answer problem details
  await call('get', '/assets/:id', '/assets/00000000-0000-4000-8000-000000000000');
  await call('get', '/search', '/search?limit=1000');
  await call('put', '/assets/:id/labels/:label', `/assets/${assetId}/labels/dog`, { status: 'rejected' });
  await call('get', '/persons/:id', '/persons/00000000-0000-4000-8000-000000000000');
  await call('post', '/persons/:id/merge', '/persons/00000000-0000-4000-8000-000000000000/merge', { into: '00000000-0000-4000-8000-000000000001' });
  await call('delete', '/assets/:id', `/assets/${assetId}`);
  // the trash: listed, restored, deleted again, swept (nothing due) and purged
  await call('get', '/projects/:id/trash', '/projects/newsroom/trash');
  await call('post', '/assets/:id/restore', `/assets/${assetId}/restore`);
  await call('delete', '/assets/:id', `/assets/${assetId}`);
  await call('post', '/projects/:id/trash/purge-due', '/projects/newsroom/trash/purge-due');
  await call('post', '/assets/:id/purge', `/assets/${assetId}/purge`);

  const missing = API_ROUTES.map(operationId).filter((id) => !exercised.has(id) && !NOT_EXERCISED_HERE.has(id));
  assert.deepEqual(missing, [], 'routes whose success answer this test never checked');
});
