// The upload function: cancelling, multipart completion checks, expiry (function level, PGlite + filesystem store).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { assetHistory, findAsset } from '../../shared/db/assets.ts';
import { pushEndpointWithSecret } from '../../shared/events/secret.ts';
import type { Platform } from '../../shared/platform.ts';
import type { FilesystemObjectStore } from '../../shared/storage/filesystem.ts';
import { expireAbandonedUploads } from '../../shared/uploads/abandon.ts';
import { sweepIncoming } from '../../shared/uploads/sweep.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createApp as uploadCompleteApp } from '../upload-complete/index.ts';
import { createApp } from './index.ts';

const MiB = 1024 * 1024;
let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: ReturnType<typeof createApp>;
let token: string;

before(async () => {
  // the expiry test starts 230 uploads at once: more than one caller's upload budget, which is not what it tests
  platform = await createTestPlatform({ UPLOAD_MULTIPART_THRESHOLD: String(8 * MiB), UPLOAD_PART_SIZE: String(5 * MiB), RATE_LIMIT_UPLOADS_PER_MINUTE: '0' });
  app = createApp(platform);
  token = await platform.signer!.mint('tester', { newsroom: 'editor' });
});
after(() => platform.dispose());

const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
  app.request(path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

async function start(bytes: Buffer, contentType = 'application/octet-stream') {
  const response = await api('/uploads', { method: 'POST', body: { projectId: 'newsroom', filename: 'clip.bin', size: bytes.length, contentType, sha256: sha256(bytes) } });
  assert.equal(response.status, 201, await response.clone().text());
  return response.json();
}

/** A client's PUT to a presigned URL of the filesystem store (as the dev host's /_store route receives it). */
async function put(url: string, bytes: Buffer): Promise<string> {
  const store = platform.store as FilesystemObjectStore;
  const granted = store.verify('PUT', new URL(url));
  if (!granted.ok) throw new Error(granted.reason);
  return store.receive(granted.fields, Readable.from([bytes]));
}

async function notifyUploadComplete(platform: Platform, key: string, size: number) {
  const record = { eventSource: 'ceph:s3', awsRegion: '', eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: platform.store.buckets.incoming }, object: { key, size, sequencer: randomBytes(4).toString('hex') } } };
  const endpoint = pushEndpointWithSecret('http://upload-complete/', platform.eventsSecret);
  return uploadCompleteApp(platform).request(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [record] }) });
}

const keyOf = async (uploadId: string) => (await platform.db.selectFrom('uploads').select('storage_key').where('id', '=', uploadId).executeTakeFirstOrThrow()).storage_key;

describe('DELETE /uploads/:id', () => {
  test('cancels: 204, the asset fails with the reason, the object goes; the old URL brings nothing into the pipeline', async () => {
    const bytes = randomBytes(1000);
    const plan = await start(bytes);
    const key = await keyOf(plan.uploadId);
    await put(plan.url, bytes);
    const cancelled = await api(`/uploads/${plan.uploadId}`, { method: 'DELETE' });
    assert.equal(cancelled.status, 204, await cancelled.text());
    const asset = await findAsset(platform.db, plan.assetId);
    assert.equal(asset?.state, 'failed');
    assert.equal(asset?.state_reason, 'upload cancelled by the client');
    assert.equal(await platform.store.head(platform.store.buckets.incoming, key), undefined);

    // the presigned URL is still signed: bytes can arrive, but no verification takes them
    await put(plan.url, bytes);
    assert.equal((await notifyUploadComplete(platform, key, bytes.length)).status, 200);
    assert.equal((await findAsset(platform.db, plan.assetId))?.state, 'failed');
    assert.equal(await platform.store.head(platform.store.buckets.incoming, key), undefined, 'the late bytes are deleted');
    assert.equal(await platform.store.head(platform.store.buckets.masters, key), undefined);
    assert.deepEqual((await assetHistory(platform.db, plan.assetId)).map((entry) => entry.type), ['created', 'failed']);
    assert.equal((await api(`/uploads/${plan.uploadId}`, { method: 'DELETE' })).status, 404, 'cancelled once');
  });

  test('a late object after a cancel is removed by the sweep as well', async () => {
    const bytes = randomBytes(500);
    const plan = await start(bytes);
    assert.equal((await api(`/uploads/${plan.uploadId}`, { method: 'DELETE' })).status, 204);
    await put(plan.url, bytes);
    await sweepIncoming(platform, new Date(Date.now() + 3600_000));
    assert.equal(await platform.store.head(platform.store.buckets.incoming, await keyOfAsset(plan.assetId)), undefined);
    assert.equal((await findAsset(platform.db, plan.assetId))?.state, 'failed');
  });

  test('a multipart upload is aborted', async () => {
    const bytes = randomBytes(9 * MiB);
    const plan = await start(bytes);
    assert.equal(plan.method, 'MULTIPART');
    await put(plan.multipart.parts[0].url, bytes.subarray(0, 5 * MiB));
    assert.equal((await api(`/uploads/${plan.uploadId}`, { method: 'DELETE' })).status, 204);
    await assert.rejects(put(plan.multipart.parts[1].url, bytes.subarray(5 * MiB)), /unknown or finished multipart upload/);
    assert.equal((await findAsset(platform.db, plan.assetId))?.state_reason, 'upload cancelled by the client');
  });

  test('a verified upload cannot be cancelled (409)', async () => {
    const bytes = randomBytes(700);
    const plan = await start(bytes);
    await put(plan.url, bytes);
    assert.equal((await notifyUploadComplete(platform, await keyOf(plan.uploadId), bytes.length)).status, 200);
    const response = await api(`/uploads/${plan.uploadId}`, { method: 'DELETE' });
    assert.equal(response.status, 409);
    assert.match((await response.json()).detail, /complete; delete the asset instead/);
    assert.equal((await findAsset(platform.db, plan.assetId))?.state, 'uploaded');
  });
});

describe('POST /uploads/:id/complete', () => {
  async function multipart() {
    const bytes = randomBytes(11 * MiB);
    const plan = await start(bytes);
    assert.equal(plan.multipart.partCount, 3);
    const etags: string[] = [];
    for (const [index, part] of plan.multipart.parts.entries()) etags.push(await put(part.url, bytes.subarray(index * 5 * MiB, (index + 1) * 5 * MiB)));
    return { bytes, plan, etags };
  }
  const complete = (uploadId: string, parts: { partNumber: number; etag: string }[]) => api(`/uploads/${uploadId}/complete`, { method: 'POST', body: { parts } });
  const detail = async (response: Response) => {
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    return (await response.json()).detail as string;
  };

  test('duplicate, missing or unknown part numbers and wrong ETags: 400 naming the part, and nothing is touched', async () => {
    const { bytes, plan, etags } = await multipart();
    const [one, two, three] = etags.map((etag, index) => ({ partNumber: index + 1, etag }));
    assert.equal(await detail(await complete(plan.uploadId, [one!, one!, two!])), 'part 1 is listed more than once');
    assert.equal(await detail(await complete(plan.uploadId, [one!, three!])), 'part 2 is missing from the list (expected parts 1 to 3)');
    assert.equal(await detail(await complete(plan.uploadId, [one!, two!, three!, { partNumber: 4, etag: 'x' }])), 'this upload has 3 parts; part 4 does not exist');
    assert.equal(
      await detail(await complete(plan.uploadId, [one!, { partNumber: 2, etag: '"0123456789abcdef0123456789abcdef"' }, three!])),
      `part 2: the ETag given is "0123456789abcdef0123456789abcdef", the store holds "${etags[1]}" for it`,
    );
    // every part is still there: the client fixes its list and completes
    const resumed = await (await api(`/uploads/${plan.uploadId}`)).json();
    assert.deepEqual(resumed.multipart.received.map((p: { partNumber: number }) => p.partNumber), [1, 2, 3]);
    assert.equal((await findAsset(platform.db, plan.assetId))?.state, 'uploading');
    assert.equal((await complete(plan.uploadId, [three!, one!, two!])).status, 202);
    assert.equal((await platform.store.head(platform.store.buckets.incoming, await keyOf(plan.uploadId)))?.size, bytes.length);
    const again = await complete(plan.uploadId, [one!, two!, three!]);
    assert.equal(again.status, 409, 'the parts are assembled already');
  });

  test('a part the store has not received: 400 before the store is asked', async () => {
    const bytes = randomBytes(11 * MiB);
    const plan = await start(bytes);
    const first = await put(plan.multipart.parts[0].url, bytes.subarray(0, 5 * MiB));
    const response = await complete(plan.uploadId, [{ partNumber: 1, etag: first }, { partNumber: 2, etag: first }, { partNumber: 3, etag: first }]);
    assert.equal(await detail(response), 'the store has not received part 2, 3; upload them first');
  });
});

describe('expiry', () => {
  test('an upload whose file arrived (its notification lost) is verified, not deleted; one whose file never came expires', async () => {
    const arrived = randomBytes(800);
    const arrivedPlan = await start(arrived);
    await put(arrivedPlan.url, arrived);
    const neverPlan = await start(randomBytes(900));
    const report = await expireAbandonedUploads(platform, new Date(Date.now() + 2 * platform.config.uploads.expireAfterSeconds * 1000));
    assert.ok(report.arrived >= 1 && report.expired >= 1, JSON.stringify(report));
    const verified = await findAsset(platform.db, arrivedPlan.assetId);
    assert.equal(verified?.state, 'uploaded');
    assert.equal(verified?.sha256, sha256(arrived));
    assert.ok(await platform.store.head(platform.store.buckets.masters, await keyOfAsset(arrivedPlan.assetId)));
    const expired = await findAsset(platform.db, neverPlan.assetId);
    assert.equal(expired?.state, 'failed');
    assert.equal(expired?.state_reason, 'upload expired before the file arrived');
  });

  test('every expired upload is handled in one run, however many (oldest first, in pages)', async () => {
    const plans = [];
    for (let i = 0; i < 230; i++) plans.push(await start(randomBytes(16)));
    await expireAbandonedUploads(platform, new Date(Date.now() + 2 * platform.config.uploads.expireAfterSeconds * 1000));
    const states = await platform.db.selectFrom('assets').select('state').where('id', 'in', plans.map((p) => p.assetId)).execute();
    assert.equal(states.length, 230);
    assert.ok(states.every((row) => row.state === 'failed'));
    assert.equal((await platform.db.selectFrom('uploads').select('id').where('completed_at', 'is', null).execute()).length, 0);
  });
});

async function keyOfAsset(assetId: string): Promise<string> {
  return (await findAsset(platform.db, assetId))!.storage_key;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
