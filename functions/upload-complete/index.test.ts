// upload-complete accepts every notification shape and is idempotent.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { findAsset } from '../../shared/db/assets.ts';
import { startUpload } from '../upload/index.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: ReturnType<typeof createApp>;
before(async () => {
  platform = await createTestPlatform();
  app = createApp(platform);
});
after(() => platform.dispose());

async function uploadedObject(bytes: Buffer, sha256?: string) {
  const plan = await startUpload(platform, 'tester', { projectId: 'newsroom', filename: 'a.bin', size: bytes.length, contentType: 'application/octet-stream', sha256, tags: [] });
  const upload = await platform.db.selectFrom('uploads').selectAll().where('id', '=', plan.uploadId).executeTakeFirstOrThrow();
  await platform.store.put(upload.bucket, upload.storage_key, bytes, 'application/octet-stream');
  return { assetId: plan.assetId, bucket: upload.bucket, key: upload.storage_key };
}

const records = (bucket: string, key: string, size: number, eventSource = 'ceph:s3') => ({
  Records: [{ eventSource, awsRegion: '', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: bucket }, object: { key, size, eTag: 'e', sequencer: '01' } } }],
});

test('Ceph RGW binary-mode CloudEvent (Quincy and later)', async () => {
  const bytes = Buffer.from('binary mode');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const response = await app.request('/', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'rgw-1', 'ce-type': 'com.amazonaws.ObjectCreated:Put', 'ce-source': 'ceph:s3.default.incoming', 'ce-time': new Date().toISOString() },
    body: JSON.stringify(records(bucket, key, bytes.length)),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const asset = await findAsset(platform.db, assetId);
  assert.equal(asset?.state, 'uploaded');
  assert.equal(asset?.sha256, createHash('sha256').update(bytes).digest('hex'));
});

test('structured-mode CloudEvent already normalised (e.g. relayed through JetStream)', async () => {
  const bytes = Buffer.from('structured mode');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const response = await app.request('/', {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({ specversion: '1.0', id: 'n-1', type: 'com.amazonaws.s3.ObjectCreated:Put', source: 'minio:s3..incoming', subject: key, datacontenttype: 'application/json', data: { bucket, key, size: bytes.length } }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploaded');
});

test('MinIO webhook JSON, delivered twice: one state change', async () => {
  const bytes = Buffer.from('minio webhook');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const body = JSON.stringify({ EventName: 's3:ObjectCreated:Put', Key: `${bucket}/${key}`, ...records(bucket, key, bytes.length, 'minio:s3') });
  const first = await app.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(first.status, 200);
  const version = (await findAsset(platform.db, assetId))!.version;
  const second = await app.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(second.status, 200);
  assert.deepEqual((await second.json()).results.map((r: any) => r.status), ['duplicate']);
  assert.equal((await findAsset(platform.db, assetId))!.version, version);
});

test('a size mismatch fails the asset with the reason', async () => {
  const { assetId, bucket, key } = await uploadedObject(Buffer.from('12345'));
  await platform.store.put(bucket, key, Buffer.from('123'), 'application/octet-stream');
  await app.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records(bucket, key, 3)) });
  const asset = await findAsset(platform.db, assetId);
  assert.equal(asset?.state, 'failed');
  assert.match(asset!.state_reason!, /5 bytes were declared, 3 arrived/);
  assert.equal(await platform.store.head(bucket, key), undefined, 'rejected bytes are removed from the incoming bucket');
});

test('unusable notifications are answered 422 problem+json (dead-lettered by the sender, not retried)', async () => {
  const garbage = await app.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":1}' });
  assert.equal(garbage.status, 422);
  assert.equal(garbage.headers.get('content-type'), 'application/problem+json');
  const notJson = await app.request('/', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'nope' });
  assert.equal(notJson.status, 422);
});

test('an object that no upload created is acknowledged and ignored', async () => {
  const response = await app.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records(platform.store.buckets.incoming, 'stray/file.jpg', 10)) });
  assert.equal(response.status, 200);
});
