// The upload life cycle against real servers: cancelling, expiry and the sweep on PostgreSQL 15; multipart
// completion checks and the sweep's listing on Ceph RGW.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createApp as uploadCompleteApp } from '../../functions/upload-complete/index.ts';
import { createApp as uploadApp } from '../../functions/upload/index.ts';
import { findAsset } from '../../shared/db/assets.ts';
import { pushEndpointWithSecret } from '../../shared/events/secret.ts';
import type { FilesystemObjectStore } from '../../shared/storage/filesystem.ts';
import type { S3ObjectStore } from '../../shared/storage/s3.ts';
import { expireAbandonedUploads } from '../../shared/uploads/abandon.ts';
import { sweepIncoming } from '../../shared/uploads/sweep.ts';
import { createTestPlatform } from '../support/platform.ts';
import { POSTGRES_URL, S3, createTestDatabase, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';

const MiB = 1024 * 1024;
const postgresUp = await requireServer('PostgreSQL', POSTGRES_URL);
const rgwUp = await requireServer('Ceph RGW (S3)', S3.endpoint);

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;

function client(platform: TestPlatform, token: string) {
  const app = uploadApp(platform);
  return (path: string, init: { method?: string; body?: unknown } = {}) =>
    app.request(path, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
}

const startBody = (bytes: Buffer) => ({ projectId: 'newsroom', filename: 'clip.bin', size: bytes.length, contentType: 'application/octet-stream', sha256: createHash('sha256').update(bytes).digest('hex') });

describe('uploads on PostgreSQL 15', { skip: !postgresUp }, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let platform: TestPlatform;
  let api: ReturnType<typeof client>;

  before(async () => {
    database = await createTestDatabase();
    platform = await createTestPlatform({ DATABASE_URL: database.url });
    api = client(platform, await platform.signer!.mint('tester', { newsroom: 'editor' }));
  });
  after(async () => {
    await platform?.dispose();
    await database?.drop();
  });

  const put = async (url: string, bytes: Buffer) => {
    const store = platform.store as FilesystemObjectStore;
    const granted = store.verify('PUT', new URL(url));
    assert.ok(granted.ok);
    await store.receive(granted.fields, Readable.from([bytes]));
  };

  test('DELETE /uploads/:id cancels (204), and a later PUT through the old URL never makes an asset', async () => {
    const bytes = randomBytes(2000);
    const plan = await (await api('/uploads', { method: 'POST', body: startBody(bytes) })).json();
    const cancelled = await api(`/uploads/${plan.uploadId}`, { method: 'DELETE' });
    assert.equal(cancelled.status, 204, await cancelled.text());
    const asset = await findAsset(platform.db, plan.assetId);
    assert.equal(asset?.state, 'failed');
    assert.equal(asset?.state_reason, 'upload cancelled by the client');

    await put(plan.url, bytes);
    const record = { eventSource: 'ceph:s3', awsRegion: '', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: platform.store.buckets.incoming }, object: { key: asset!.storage_key, size: bytes.length, sequencer: '1' } } };
    const notified = await uploadCompleteApp(platform).request(pushEndpointWithSecret('http://function/', platform.eventsSecret), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [record] }) });
    assert.equal(notified.status, 200);
    assert.equal((await findAsset(platform.db, plan.assetId))?.state, 'failed');
    assert.equal(await platform.store.head(platform.store.buckets.incoming, asset!.storage_key), undefined);
  });

  test('expiry verifies what arrived and expires what did not; the sweep verifies a dropped notification', async () => {
    const arrived = randomBytes(1500);
    const arrivedPlan = await (await api('/uploads', { method: 'POST', body: startBody(arrived) })).json();
    await put(arrivedPlan.url, arrived);
    const neverPlan = await (await api('/uploads', { method: 'POST', body: startBody(randomBytes(1600)) })).json();
    const swept = randomBytes(1700);
    const sweptPlan = await (await api('/uploads', { method: 'POST', body: startBody(swept) })).json();

    const report = await expireAbandonedUploads(platform, new Date(Date.now() + 2 * platform.config.uploads.expireAfterSeconds * 1000));
    assert.deepEqual(report, { expired: 2, arrived: 1, errors: 0 });
    assert.equal((await findAsset(platform.db, arrivedPlan.assetId))?.state, 'uploaded');
    assert.equal((await findAsset(platform.db, neverPlan.assetId))?.state_reason, 'upload expired before the file arrived');

    // expired above (its file had not come): a file arriving now is not wanted any more
    await put(sweptPlan.url, swept);
    const sweep = await sweepIncoming(platform, new Date(Date.now() + 60_000));
    assert.equal(sweep.discarded, 1);
    assert.equal((await findAsset(platform.db, sweptPlan.assetId))?.state, 'failed');

    const late = randomBytes(1800);
    const latePlan = await (await api('/uploads', { method: 'POST', body: startBody(late) })).json();
    await put(latePlan.url, late);
    assert.equal((await sweepIncoming(platform, new Date(Date.now() + 60_000))).verified, 1);
    assert.equal((await findAsset(platform.db, latePlan.assetId))?.state, 'uploaded');
  });
});

describe('uploads on Ceph RGW', { skip: !rgwUp }, () => {
  const run = `mt-up-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  let platform: TestPlatform;
  let api: ReturnType<typeof client>;

  before(async () => {
    platform = await createTestPlatform({
      S3_ENDPOINT: S3.endpoint, S3_REGION: S3.region, S3_ACCESS_KEY: S3.accessKeyId, S3_SECRET_KEY: S3.secretAccessKey,
      BUCKET_INCOMING: `${run}-incoming`, BUCKET_MASTERS: `${run}-masters`, BUCKET_RENDITIONS: `${run}-renditions`,
      UPLOAD_MULTIPART_THRESHOLD: String(8 * MiB), UPLOAD_PART_SIZE: String(5 * MiB),
    });
    api = client(platform, await platform.signer!.mint('tester', { newsroom: 'editor' }));
  });
  after(async () => {
    if (platform) await emptyAndDeleteBuckets(platform.store as S3ObjectStore);
    await platform?.dispose();
  });

  test('multipart completion: a duplicated part or a wrong ETag is a 400 that names the part and the ETag RGW holds', async () => {
    const bytes = randomBytes(11 * MiB);
    const plan = await (await api('/uploads', { method: 'POST', body: startBody(bytes) })).json();
    assert.equal(plan.multipart.partCount, 3);
    const etags: string[] = [];
    for (const [index, part] of plan.multipart.parts.entries()) {
      const response = await fetch(part.url, { method: 'PUT', body: bytes.subarray(index * 5 * MiB, (index + 1) * 5 * MiB) });
      assert.equal(response.status, 200);
      etags.push(response.headers.get('etag')!);
    }
    const complete = (parts: { partNumber: number; etag: string }[]) => api(`/uploads/${plan.uploadId}/complete`, { method: 'POST', body: { parts } });
    const [one, two, three] = etags.map((etag, index) => ({ partNumber: index + 1, etag }));

    const duplicated = await complete([one!, one!, two!]);
    assert.equal(duplicated.status, 400);
    assert.equal((await duplicated.json()).detail, 'part 1 is listed more than once');
    const wrong = await complete([one!, { partNumber: 2, etag: etags[0]! }, three!]);
    assert.equal(wrong.status, 400);
    assert.equal((await wrong.json()).detail, `part 2: the ETag given is "${etags[0]!.replace(/"/g, '')}", the store holds "${etags[1]!.replace(/"/g, '')}" for it`);

    assert.equal((await complete([one!, two!, three!])).status, 202, 'the parts are all still there');
    const key = (await findAsset(platform.db, plan.assetId))!.storage_key;
    assert.equal((await platform.store.head(platform.store.buckets.incoming, key))?.size, bytes.length);
    // no notification is configured on these buckets: the sweep finds the object
    const report = await sweepIncoming(platform, new Date(Date.now() + 120_000));
    assert.equal(report.verified, 1);
    assert.equal((await findAsset(platform.db, plan.assetId))?.state, 'uploaded');
    assert.equal(await platform.store.head(platform.store.buckets.incoming, key), undefined);
    assert.equal((await platform.store.head(platform.store.buckets.masters, key))?.size, bytes.length);
  });

  test('cancelling aborts the multipart upload in RGW', async () => {
    const bytes = randomBytes(9 * MiB);
    const plan = await (await api('/uploads', { method: 'POST', body: startBody(bytes) })).json();
    await fetch(plan.multipart.parts[0].url, { method: 'PUT', body: bytes.subarray(0, 5 * MiB) });
    assert.equal((await api(`/uploads/${plan.uploadId}`, { method: 'DELETE' })).status, 204);
    const late = await fetch(plan.multipart.parts[1].url, { method: 'PUT', body: bytes.subarray(5 * MiB) });
    assert.equal(late.status, 404, 'NoSuchUpload: the multipart upload is gone');
  });
});
