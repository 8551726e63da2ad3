// Bulk import on PostgreSQL with an S3 source on Ceph RGW, through the platform's API: the batch's S3 secret is
// stored sealed (never in the row as posted), the worker opens it and imports every object, and each task's item
// is stored as a JSON object (postgres.js once wrote it as a JSON string, so every task failed on PostgreSQL).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { S3ObjectStore, s3Client } from '../../shared/storage/s3.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import { POSTGRES_URL, S3, createTestDatabase, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';

const up = (await requireServer('PostgreSQL', POSTGRES_URL)) && (await requireServer('Ceph RGW', S3.endpoint));
const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-import-pg-'));
const bucket = `import-pg-${randomUUID().slice(0, 8)}`;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let host: Host;
let client: Client;

before(async () => {
  if (!up) return;
  database = await createTestDatabase();
  host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0', DATABASE_URL: database.url, ENRICH_PARTS: 'none', LOG_LEVEL: 'warn', IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_HOST_RATE: '100' }), 0);
  client = new Client(host.url, await host.platform.signer!.mint('importer', { newsroom: 'editor' }));
  const s3 = await s3Client(S3, S3.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (let i = 0; i < 3; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `agency/${i}.jpg`, Body: await makeJpegWithExif({ width: 40, height: 30, seed: 300 + i }) }));
});
after(async () => {
  await host?.stop();
  if (up) await emptyAndDeleteBuckets(new S3ObjectStore({ ...S3 }, { incoming: bucket, masters: bucket, renditions: bucket }));
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

  const deadline = Date.now() + 60_000;
  let batch: any;
  do {
    await new Promise((r) => setTimeout(r, 200));
    batch = (await client.request('GET', `/imports/${created.body.id}`)).body;
  } while (batch.state !== 'completed' && Date.now() < deadline);
  assert.deepEqual([batch.state, batch.counts.uploaded, batch.counts.failed], ['completed', 3, 0], JSON.stringify(batch));
});
