// upload-complete accepts every notification shape and is idempotent.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import { assetHistory, findAsset } from '../../shared/db/assets.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { pushEndpointWithSecret } from '../../shared/events/secret.ts';
import { createPlatform } from '../../shared/platform.ts';
import { sweepIncoming } from '../../shared/uploads/sweep.ts';
import { startUpload } from '../../shared/uploads/start.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: ReturnType<typeof createApp>;
before(async () => {
  platform = await createTestPlatform();
  app = createApp(platform);
});
after(() => platform.dispose());
/** What the object store is configured to push to: the endpoint with the events secret. */
const endpoint = () => pushEndpointWithSecret('http://function/', platform.eventsSecret);

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
  const response = await app.request(endpoint(), {
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
  const response = await app.request(endpoint(), {
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
  const first = await app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(first.status, 200);
  const version = (await findAsset(platform.db, assetId))!.version;
  const second = await app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(second.status, 200);
  assert.deepEqual((await second.json()).results.map((r: any) => r.status), ['duplicate']);
  assert.equal((await findAsset(platform.db, assetId))!.version, version);
});

test('a size mismatch fails the asset with the reason', async () => {
  const { assetId, bucket, key } = await uploadedObject(Buffer.from('12345'));
  await platform.store.put(bucket, key, Buffer.from('123'), 'application/octet-stream');
  await app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records(bucket, key, 3)) });
  const asset = await findAsset(platform.db, assetId);
  assert.equal(asset?.state, 'failed');
  assert.match(asset!.state_reason!, /5 bytes were declared, 3 arrived/);
  assert.equal(await platform.store.head(bucket, key), undefined, 'rejected bytes are removed from the incoming bucket');
});

test('unusable notifications are answered 422 problem+json (dead-lettered by the sender, not retried)', async () => {
  const garbage = await app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":1}' });
  assert.equal(garbage.status, 422);
  assert.equal(garbage.headers.get('content-type'), 'application/problem+json');
  const notJson = await app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'nope' });
  assert.equal(notJson.status, 422);
});

test('an object that no upload created is acknowledged and deleted', async () => {
  const incoming = platform.store.buckets.incoming;
  await platform.store.put(incoming, 'stray/file.jpg', Buffer.from('0123456789'), 'image/jpeg');
  const response = await app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records(incoming, 'stray/file.jpg', 10)) });
  assert.equal(response.status, 200);
  assert.equal(await platform.store.head(incoming, 'stray/file.jpg'), undefined);
});

test('a notification naming another bucket touches nothing there', async () => {
  const masters = platform.store.buckets.masters;
  await platform.store.put(masters, 'newsroom/kept/original.jpg', Buffer.from('master'), 'image/jpeg');
  const response = await app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records(masters, 'newsroom/kept/original.jpg', 6)) });
  assert.equal(response.status, 200);
  assert.ok(await platform.store.head(masters, 'newsroom/kept/original.jpg'));
});

/** One notification per object version: each PUT gets its own sequencer, as from RGW. */
let sequencer = 0x100;
function notify(bucket: string, key: string, size: number, options: { again?: boolean } = {}) {
  const body = records(bucket, key, size);
  body.Records[0]!.s3.object.sequencer = (options.again ? sequencer : ++sequencer).toString(16);
  return app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function historyTypes(assetId: string) {
  return (await assetHistory(platform.db, assetId)).map((entry) => entry.type);
}

test('a re-PUT after the upload was verified leaves no object behind (every time)', async () => {
  const bytes = Buffer.from('verified once');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  assert.equal((await notify(bucket, key, bytes.length)).status, 200);
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploaded');
  for (let attempt = 0; attempt < 2; attempt++) {
    await platform.store.put(bucket, key, Buffer.from('sent again'), 'application/octet-stream');
    assert.equal((await notify(bucket, key, 10)).status, 200);
    assert.equal(await platform.store.head(bucket, key), undefined, 'the stray object is deleted');
  }
  assert.deepEqual(await historyTypes(assetId), ['created', 'uploaded']);
  assert.deepEqual(await readAll(platform.store.buckets.masters, key), bytes, 'the master is untouched');
});

test('the asset change, the completed upload and the idempotency record commit in one transaction', async () => {
  const bytes = Buffer.from('one transaction');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const response = await app.request(endpoint(), {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({ specversion: '1.0', id: 'tx-1', type: 'com.amazonaws.s3.ObjectCreated:Put', source: 'test', datacontenttype: 'application/json', data: { bucket, key, size: bytes.length } }),
  });
  assert.equal(response.status, 200);
  // xmin is the id of the transaction that last wrote a row
  const xmin = async (query: ReturnType<typeof sql>) => ((await query.execute(platform.db)).rows[0] as { xmin: string }).xmin;
  const asset = await xmin(sql`select xmin::text from assets where id = ${assetId}`);
  assert.equal(await xmin(sql`select xmin::text from uploads where asset_id = ${assetId}`), asset);
  assert.equal(await xmin(sql`select xmin::text from processed_events where consumer = 'upload-complete' and event_id = 'tx-1'`), asset);
});

test('a crash after the copy to masters: the redelivery finishes the job, once', async () => {
  const bytes = Buffer.from('crash after copy');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const copy = platform.store.copy.bind(platform.store);
  platform.store.copy = async (...args) => {
    await copy(...args);
    throw new Error('killed after the copy');
  };
  try {
    assert.equal((await notify(bucket, key, bytes.length)).status, 500);
  } finally {
    platform.store.copy = copy;
  }
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploading');
  assert.equal((await notify(bucket, key, bytes.length, { again: true })).status, 200, 'the same notification again');
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploaded');
  assert.deepEqual(await historyTypes(assetId), ['created', 'uploaded']);
  assert.equal(await outboxCount('io.mediateca.asset.uploaded', assetId), 1);
  assert.equal(await platform.store.head(bucket, key), undefined);
});

test('a crash before the delete from incoming: the sweep removes the leftover, nothing runs twice', async () => {
  const bytes = Buffer.from('crash before delete');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const remove = platform.store.delete.bind(platform.store);
  platform.store.delete = async () => { throw new Error('killed before the delete'); };
  try {
    assert.equal((await notify(bucket, key, bytes.length)).status, 500);
  } finally {
    platform.store.delete = remove;
  }
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploaded');
  const redelivery = await notify(bucket, key, bytes.length, { again: true });
  assert.deepEqual((await redelivery.json()).results.map((r: { status: string }) => r.status), ['duplicate'], 'marked processed with the state change');
  assert.ok(await platform.store.head(bucket, key), 'the leftover is still there');
  await sweepIncoming(platform, inTheFuture());
  assert.equal(await platform.store.head(bucket, key), undefined);
  assert.deepEqual(await historyTypes(assetId), ['created', 'uploaded']);
  assert.equal(await outboxCount('io.mediateca.asset.uploaded', assetId), 1);
});

test('the sweep verifies an object whose notification never came, and leaves young objects to theirs', async () => {
  const bytes = Buffer.from('notification dropped');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const early = await sweepIncoming(platform, new Date());
  assert.ok(early.young >= 1);
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploading', 'within the grace period');
  const report = await sweepIncoming(platform, inTheFuture());
  assert.ok(report.verified >= 1);
  const asset = await findAsset(platform.db, assetId);
  assert.equal(asset?.state, 'uploaded');
  assert.equal(asset?.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(await platform.store.head(bucket, key), undefined);
  assert.deepEqual(await readAll(platform.store.buckets.masters, key), bytes);
});

test('io.mediateca.uploads.sweep-requested runs the sweep', async () => {
  const bytes = Buffer.from('swept by the scheduled event');
  const { assetId } = await uploadedObject(bytes);
  const sweep = newEvent('io.mediateca.uploads.sweep-requested', EVENT_SOURCE, {});
  const fresh = await createPlatform({ name: 'sweep', config: { ...platform.config, uploads: { ...platform.config.uploads, sweepGraceSeconds: 0 } }, database: platform.database, store: platform.store });
  const result = await deliverToFunction((request) => createApp(fresh).fetch(request), sweep, fresh.eventsSecret);
  assert.equal(result.outcome, 'ack', result.reason);
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploaded');
});

test('an SVG declared as image/png fails with the reason; a JPEG declared as image/png is stored as image/jpeg', async () => {
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>');
  const svgUpload = await uploadedAs(svg, 'image/png');
  await notify(svgUpload.bucket, svgUpload.key, svg.length);
  const rejected = await findAsset(platform.db, svgUpload.assetId);
  assert.equal(rejected?.state, 'failed');
  assert.match(rejected!.state_reason!, /markup \(SVG, HTML or XML\), not image\/png/);
  assert.equal(await platform.store.head(platform.store.buckets.masters, svgUpload.key), undefined);

  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).jpeg().toBuffer();
  const jpegUpload = await uploadedAs(jpeg, 'image/png');
  await notify(jpegUpload.bucket, jpegUpload.key, jpeg.length);
  const corrected = await findAsset(platform.db, jpegUpload.assetId);
  assert.equal(corrected?.state, 'uploaded');
  assert.equal(corrected?.content_type, 'image/jpeg');
  const uploadedEvent = await platform.db.selectFrom('outbox').select('data').where('type', '=', 'io.mediateca.asset.uploaded').where('subject', '=', jpegUpload.assetId).executeTakeFirstOrThrow();
  assert.equal((uploadedEvent.data as { contentType: string }).contentType, 'image/jpeg');
});

async function uploadedAs(bytes: Buffer, contentType: string) {
  const plan = await startUpload(platform, 'tester', { projectId: 'newsroom', filename: 'picture.png', size: bytes.length, contentType, tags: [] });
  const upload = await platform.db.selectFrom('uploads').selectAll().where('id', '=', plan.uploadId).executeTakeFirstOrThrow();
  await platform.store.put(upload.bucket, upload.storage_key, bytes, contentType);
  return { assetId: plan.assetId, bucket: upload.bucket, key: upload.storage_key };
}

function inTheFuture(): Date {
  return new Date(Date.now() + (platform.config.uploads.sweepGraceSeconds + 1) * 1000);
}

async function outboxCount(type: string, assetId: string): Promise<number> {
  return (await platform.db.selectFrom('outbox').select('id').where('type', '=', type).where('subject', '=', assetId).execute()).length;
}

async function readAll(bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await platform.store.getStream(bucket, key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('a notification without the events secret, or with a wrong one, is refused 401 before anything is read', async () => {
  const bytes = Buffer.from('forged');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const body = JSON.stringify(records(bucket, key, bytes.length));
  for (const url of ['http://function/', pushEndpointWithSecret('http://function/', `${platform.eventsSecret}x`), pushEndpointWithSecret('http://function/', '')]) {
    const response = await app.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.status, 401, url);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.match((await response.json()).detail, /events secret/);
  }
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploading');
});

test('a CloudEvent carrying the secret as its mediatecasecret attribute is accepted', async () => {
  const bytes = Buffer.from('attribute');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const response = await app.request('http://function/', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'rgw-attr', 'ce-type': 'com.amazonaws.ObjectCreated:Put', 'ce-source': 'ceph:s3.default.incoming', 'ce-mediatecasecret': platform.eventsSecret },
    body: JSON.stringify(records(bucket, key, bytes.length)),
  });
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploaded');
});

test('a notification with more records than NOTIFICATION_MAX_RECORDS is refused 413, none of it handled', async () => {
  const bytes = Buffer.from('one of many');
  const { assetId, bucket, key } = await uploadedObject(bytes);
  const one = records(bucket, key, bytes.length).Records[0]!;
  const many = { Records: Array.from({ length: platform.config.notificationMaxRecords + 1 }, () => one) };
  const response = await app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(many) });
  assert.equal(response.status, 413);
  assert.match((await response.json()).detail, /at most 100 records/);
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploading');
  const atTheLimit = { Records: Array.from({ length: platform.config.notificationMaxRecords }, () => one) };
  assert.equal((await app.request(endpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(atTheLimit) })).status, 200);
  assert.equal((await findAsset(platform.db, assetId))?.state, 'uploaded');
});
