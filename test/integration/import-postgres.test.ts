// Bulk import on PostgreSQL through the platform's API: an S3 source on Ceph RGW whose secret is stored sealed
// (never in the row as posted; the worker opens it and imports every object), each task's item stored as a JSON
// object (postgres.js once wrote it as a JSON string, so every task failed on PostgreSQL), and sources that send
// no Content-Length (chunked): small and multipart-sized files stream in, one over the limit fails as it streams;
// and a worker that dies without handing its tasks back: they are taken over when their leases lapse, and an item
// whose bytes had arrived is settled without being fetched again.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { S3ObjectStore, s3Client } from '../../shared/storage/s3.ts';
import { Client } from '../support/client.ts';
import { type Route, type SourceServer, file, startSourceServer } from '../support/source-server.ts';
import { claimTask, noteTaskAsset } from '../../shared/db/imports.ts';
import { ingest } from '../../shared/import/ingest.ts';
import { PoliteHttp } from '../../shared/import/polite-http.ts';
import { providerFor } from '../../shared/import/providers/index.ts';
import { makeJpegWithExif } from '../support/images.ts';
import { POSTGRES_URL, S3, createTestDatabase, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';

const up = (await requireServer('PostgreSQL', POSTGRES_URL)) && (await requireServer('Ceph RGW', S3.endpoint));
const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-import-pg-'));
const bucket = `import-pg-${randomUUID().slice(0, 8)}`;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let host: Host;
let client: Client;
let source: SourceServer;
let small: Buffer;
let large: Buffer;
let huge: Buffer;

before(async () => {
  if (!up) return;
  database = await createTestDatabase();
  host = await startHost(loadConfig({
    MEDIATECA_DATA: dataDir, PORT: '0', DATABASE_URL: database.url, ENRICH_PARTS: 'none', LOG_LEVEL: 'warn', IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_HOST_RATE: '100',
    // parts of 5 MiB and a 14 MiB limit: a chunked source of 11 MiB is three parts, one of 20 MiB is too large
    UPLOAD_PART_SIZE: '5M', IMPORT_MAX_ITEM_BYTES: '14M', IMPORT_MAX_ATTEMPTS: '1',
  }), 0);
  source = await startSourceServer();
  // made here, not in the test: a long pause between requests can meet the server closing a kept-alive connection
  small = await makeJpegWithExif({ width: 40, height: 30, seed: 400 });
  large = Buffer.concat([await makeJpegWithExif({ width: 40, height: 30, seed: 401 }), randomBytes(11 * 1024 * 1024)]);
  huge = Buffer.concat([await makeJpegWithExif({ width: 40, height: 30, seed: 402 }), randomBytes(20 * 1024 * 1024)]);
  client = new Client(host.url, await host.platform.signer!.mint('importer', { newsroom: 'editor' }));
  const s3 = await s3Client(S3, S3.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (let i = 0; i < 3; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `agency/${i}.jpg`, Body: await makeJpegWithExif({ width: 40, height: 30, seed: 300 + i }) }));
});
after(async () => {
  await host?.stop();
  await source?.close();
  if (up) await emptyAndDeleteBuckets(new S3ObjectStore({ ...S3 }, { incoming: bucket, masters: bucket, renditions: bucket, analytics: bucket }));
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('an S3 prefix imports on PostgreSQL with its secret key sealed at rest', { skip: !up }, async () => {
  const created = await client.request('POST', '/imports', {
    projectId: 'newsroom',
    source: { type: 's3', endpoint: S3.endpoint, region: S3.region, bucket, prefix: 'agency/', credentials: { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.source.credentials.secretAccessKey, '***');

  const row = await host.platform.db.selectFrom('imports').select('source').where('id', '=', created.body.id).executeTakeFirstOrThrow();
  assert.equal(JSON.stringify(row.source).includes(S3.secretAccessKey), false, 'the secret is not stored as posted');
  assert.match((row.source as any).credentials.sealedSecretAccessKey, /^v1\./);
  const task = await host.platform.db.selectFrom('import_tasks').select('item').where('import_id', '=', created.body.id).executeTakeFirstOrThrow();
  assert.equal(typeof task.item, 'object');

  const batch = await completed(created.body.id);
  assert.deepEqual([batch.state, batch.counts.uploaded, batch.counts.failed], ['completed', 3, 0], JSON.stringify(batch));
});

async function completed(id: string): Promise<any> {
  const deadline = Date.now() + 90_000;
  let batch: any;
  do {
    await new Promise((r) => setTimeout(r, 200));
    batch = (await client.request('GET', `/imports/${id}`)).body;
  } while (batch.state !== 'completed' && Date.now() < deadline);
  return batch;
}

/** Sends the bytes in 64 KiB chunks with no Content-Length (chunked transfer encoding). */
function chunked(bytes: Buffer): Route {
  return async (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let at = 0; at < bytes.length; at += 65536) {
      if (!response.write(bytes.subarray(at, at + 65536))) await new Promise((r) => response.once('drain', r));
    }
    response.end();
  };
}

test('sources without Content-Length stream in, small or multipart-sized; too large fails while streaming', { skip: !up }, async () => {
  source.route('/small.jpg', chunked(small));
  source.route('/large.jpg', chunked(large));
  source.route('/huge.jpg', chunked(huge));
  const created = await client.request('POST', '/imports', { projectId: 'newsroom', source: { type: 'urls', urls: ['small', 'large', 'huge'].map((n) => `${source.url}/${n}.jpg`) } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const batch = await completed(created.body.id);
  assert.deepEqual([batch.counts.uploaded, batch.counts.failed], [2, 1], JSON.stringify(batch));
  const report = (await client.request('GET', `/imports/${created.body.id}/report`)).body.items as any[];
  assert.match(report[2].reason, /too large: more than 14680064 bytes arrived/);
  for (const [row, bytes] of [[report[0], small], [report[1], large]] as const) {
    const asset = await client.waitForAsset(row.assetId, (a) => a.state === 'ready' || a.state === 'failed');
    assert.deepEqual([asset.state, asset.size, asset.sha256], ['ready', bytes.length, createHash('sha256').update(bytes).digest('hex')], asset.stateReason);
  }
  const open = await host.platform.db.selectFrom('uploads').select('id').where('completed_at', 'is', null).execute();
  assert.deepEqual(open, [], 'no upload is left open; the failed one never made an asset');

  // the import metrics saw both batches: tasks per state, bytes, fetch latency
  const metrics = await (await fetch(`${host.url}/metrics`)).text();
  const value = (pattern: RegExp) => Number(metrics.match(pattern)?.[1] ?? Number.NaN);
  assert.equal(value(/^mediateca_import_tasks_total\{state="uploaded"\} (\d+)/m), 5);
  assert.equal(value(/^mediateca_import_tasks_total\{state="failed"\} (\d+)/m), 1);
  assert.ok(value(/^mediateca_import_bytes_total\{provider="urls"\} (\d+)/m) >= small.length + large.length);
  assert.equal(value(/^mediateca_import_fetch_duration_seconds_count\{provider="urls",outcome="uploaded"\} (\d+)/m), 2);
});

test('a worker that died mid-batch: its tasks are taken over when their leases lapse, and an item whose bytes it had delivered is not fetched again', { skip: !up }, async () => {
  await host.importWorker.stop();
  const photos = await Promise.all([0, 1, 2, 3].map((i) => makeJpegWithExif({ width: 40, height: 30, seed: 500 + i })));
  photos.forEach((bytes, i) => source.route(`/died/${i}.jpg`, file(bytes, 'image/jpeg')));
  const created = await client.request('POST', '/imports', { projectId: 'newsroom', source: { type: 'urls', urls: photos.map((_, i) => `${source.url}/died/${i}.jpg`) } });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  // the dead worker: claimed two tasks with a 1 s lease; sent the first one's bytes but died before settling it,
  // died while fetching the second
  const { db } = host.platform;
  const delivered = (await claimTask(db, 'dead-worker', 1))!;
  const abandoned = (await claimTask(db, 'dead-worker', 1))!;
  const http = new PoliteHttp(host.platform.config.imports);
  const fetched = await providerFor({ type: 'urls', urls: [] }).fetchItem(delivered.item, { type: 'urls', urls: [] }, { http });
  const result = await ingest(host.platform, fetched, {
    owner: 'importer', projectId: 'newsroom', item: delivered.item, defaults: {}, provider: 'urls',
    noteAsset: (assetId) => (q) => noteTaskAsset(q, delivered.id, 'dead-worker', assetId),
  });
  assert.equal(result.kind, 'uploaded');

  host.importWorker.start();
  const batch = await completed(created.body.id);
  assert.deepEqual([batch.counts.uploaded, batch.counts.failed], [4, 0], JSON.stringify(batch));
  for (let i = 0; i < 4; i++) assert.equal(source.hits.get(`/died/${i}.jpg`), 1, `item ${i} fetched once`);
  const report = (await client.request('GET', `/imports/${created.body.id}/report`)).body.items as any[];
  assert.equal(report[delivered.ordinal].assetId, (result as { assetId: string }).assetId, 'the delivered item keeps its asset');
  assert.equal(new Set(report.map((r) => r.assetId)).size, 4);
  const history = await host.platform.db.selectFrom('import_task_events').select(['to_state', 'reason']).where('task_id', '=', abandoned.id).orderBy('id').execute();
  assert.ok(history.some((e) => /lease expired/.test(e.reason ?? '')), JSON.stringify(history));
  for (const row of report) await client.waitForAsset(row.assetId, (a) => a.state === 'ready');
});
