// S3ObjectStore and RGW bucket notifications against the real Ceph RGW (scripts/services/ceph-rgw.sh).
// Every run uses its own buckets and topic, and removes them afterwards.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { normaliseS3Notification } from '../../shared/events/s3-notification.ts';
import { configureRgwNotifications, removeRgwNotifications } from '../../shared/storage/rgw-notifications.ts';
import { S3ObjectStore } from '../../shared/storage/s3.ts';
import { S3, freePort, requireServer } from '../support/servers.ts';

const MiB = 1024 * 1024;
const available = await requireServer('Ceph RGW (S3)', S3.endpoint);

describe('S3ObjectStore on Ceph RGW', { skip: !available }, () => {
  const run = `mt-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const buckets = { incoming: `${run}-incoming`, masters: `${run}-masters`, renditions: `${run}-renditions`, analytics: `${run}-analytics` };
  // A low multipart-copy threshold, so that the part-by-part copy (normally above 5 GiB) runs on 11 MiB.
  const webApp = 'https://app.mediateca.test';
  const store = new S3ObjectStore(S3, buckets, { multipartCopyThresholdBytes: 8 * MiB, copyPartSizeBytes: 5 * MiB, corsOrigins: [webApp] });
  const topicName = `${run}-uploads`;
  let listener: NotificationListener;

  before(async () => {
    await store.ensureBuckets();
    // Configured first: RGW takes up to 30 s to pick up a new persistent topic, and the other tests run meanwhile.
    listener = await listenForNotifications();
    await configureRgwNotifications(S3, { bucket: buckets.incoming, topicName, pushEndpoint: listener.url });
  });

  after(async () => {
    await removeRgwNotifications(S3, { bucket: buckets.incoming, topicName }).catch((error) => console.warn('notification cleanup:', error));
    listener?.close();
    for (const bucket of Object.values(buckets)) await deleteBucket(store, bucket);
  });

  test('ensureBuckets is idempotent and puts the expiry rule on the incoming bucket', async () => {
    await store.ensureBuckets();
    const { Rules } = await (await store.client()).send(new GetBucketLifecycleConfigurationCommand({ Bucket: buckets.incoming }));
    assert.equal(Rules?.length, 1);
    assert.equal(Rules[0].Status, 'Enabled');
    assert.equal(Rules[0].Expiration?.Days, 1);
    assert.equal(Rules[0].AbortIncompleteMultipartUpload?.DaysAfterInitiation, 1);
  });

  test('ping: one signed HEAD; an answer for a missing bucket too; wrong credentials or no store fail. Neither it nor a presigned URL loads the SDK', async () => {
    const fresh = new S3ObjectStore(S3, buckets);
    await fresh.ping();
    await fresh.presignGet(buckets.renditions, 'thumbnails/a.webp', 60);
    await fresh.presignPut(buckets.incoming, 'uploads/a.jpg', 'image/jpeg', 60);
    assert.equal((fresh as unknown as { loaded?: unknown }).loaded, undefined, 'the AWS SDK is not loaded');
    await new S3ObjectStore(S3, { ...buckets, incoming: `${run}-not-created` }).ping();
    await assert.rejects(new S3ObjectStore({ ...S3, secretAccessKey: 'not-the-secret' }, buckets).ping(), /403/);
    await assert.rejects(new S3ObjectStore({ ...S3, endpoint: `http://127.0.0.1:${await freePort()}` }, buckets).ping());
  });

  test('presigned PUT by plain fetch, then head', async () => {
    const key = 'photos/Canción del árbol.jpg';
    const body = randomBytes(1000);
    const url = await store.presignPut(buckets.masters, key, 'image/jpeg', 60);
    const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'image/jpeg' } });
    assert.equal(response.status, 200, await response.text());
    assert.deepEqual(await store.head(buckets.masters, key), { size: 1000, etag: md5(body), contentType: 'image/jpeg' });
  });

  test('presigned PUT and GET of keys with spaces, reserved and non-ASCII characters, and a tampered URL refused', async () => {
    for (const key of ["a b/c+d (1)!*'.txt", 'x/ñandú/日本 語.png', 'p%20q/~tilde&amp=1;$,@.bin']) {
      const body = randomBytes(64);
      const put = await fetch(await store.presignPut(buckets.masters, key, 'application/octet-stream', 60), { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(put.status, 200, `${key}: ${await put.text()}`);
      const got = await fetch(await store.presignGet(buckets.masters, key, 60));
      assert.equal(got.status, 200, key);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), body, key);
      assert.deepEqual((await store.head(buckets.masters, key))?.size, 64, key);
    }
    const url = new URL(await store.presignGet(buckets.masters, 'photos/Canción del árbol.jpg', 60));
    url.searchParams.set('X-Amz-Expires', '604800');
    assert.equal((await fetch(url)).status, 403);
  });

  test('a presigned PUT is bound to its content type', async () => {
    const url = await store.presignPut(buckets.masters, 'typed.jpg', 'image/jpeg', 60);
    const response = await fetch(url, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/html' } });
    assert.equal(response.status, 403);
    assert.equal(await store.head(buckets.masters, 'typed.jpg'), undefined);
  });

  test("a browser's preflight to a presigned PUT and a part PUT is answered with the CORS headers", async () => {
    const preflight = (url: string, origin: string) => fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
    });
    const single = await store.presignPut(buckets.incoming, 'browser.jpg', 'image/jpeg', 60);
    const allowed = await preflight(single, webApp);
    assert.equal(allowed.status, 200, await allowed.text());
    assert.equal(allowed.headers.get('access-control-allow-origin'), webApp);
    assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /PUT/);
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /content-type/i);
    assert.match(allowed.headers.get('access-control-expose-headers') ?? '', /ETag/);
    // an origin nobody configured is still refused
    assert.equal((await preflight(single, 'https://elsewhere.test')).status, 403);

    // the PUT itself then lets the page read the part's ETag, which completing a multipart upload needs
    const uploadId = await store.createMultipartUpload(buckets.incoming, 'browser.bin', 'application/octet-stream');
    const partUrl = await store.presignUploadPart(buckets.incoming, 'browser.bin', uploadId, 1, 60);
    assert.equal((await preflight(partUrl, webApp)).status, 200);
    const put = await fetch(partUrl, { method: 'PUT', body: 'part', headers: { Origin: webApp } });
    assert.equal(put.status, 200, await put.text());
    assert.equal(put.headers.get('access-control-allow-origin'), webApp);
    assert.match(put.headers.get('access-control-expose-headers') ?? '', /ETag/);
    await store.abortMultipartUpload(buckets.incoming, 'browser.bin', uploadId);

    // renditions are read by the page too (a player's Range GET)
    assert.equal((await preflight(await store.presignGet(buckets.renditions, 'any.jpg', 60), webApp)).status, 200);
  });

  test('head of a missing object is undefined', async () => {
    assert.equal(await store.head(buckets.masters, 'no/such/object'), undefined);
  });

  test('multipart upload through presigned part URLs, resumed from listParts', async () => {
    const key = 'videos/interview take 2.mov';
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const uploadId = await store.createMultipartUpload(buckets.masters, key, 'video/quicktime');
    const uploadPart = async (partNumber: number) => {
      const url = await store.presignUploadPart(buckets.masters, key, uploadId, partNumber, 60);
      const response = await fetch(url, { method: 'PUT', body: parts[partNumber - 1] });
      assert.equal(response.status, 200, await response.text());
      return response.headers.get('etag')!.replace(/"/g, '');
    };
    const etag1 = await uploadPart(1);
    const etag3 = await uploadPart(3);

    // The client went away; on resume it asks which parts the store already has.
    const present = await store.listParts(buckets.masters, key, uploadId);
    assert.deepEqual(present, [{ partNumber: 1, etag: etag1 }, { partNumber: 3, etag: etag3 }]);
    await uploadPart(2);
    await store.completeMultipartUpload(buckets.masters, key, uploadId, await store.listParts(buckets.masters, key, uploadId));

    const whole = Buffer.concat(parts);
    const info = await store.head(buckets.masters, key);
    assert.equal(info?.size, whole.length);
    assert.equal(info?.contentType, 'video/quicktime');
    assert.equal(await sha256(await store.getStream(buckets.masters, key)), sha256Of(whole));
  });

  test('an aborted multipart upload is gone', async () => {
    const uploadId = await store.createMultipartUpload(buckets.masters, 'abandoned.bin', 'application/octet-stream');
    await (await store.client()).send(new UploadPartCommand({ Bucket: buckets.masters, Key: 'abandoned.bin', UploadId: uploadId, PartNumber: 1, Body: Buffer.from('x') }));
    await store.abortMultipartUpload(buckets.masters, 'abandoned.bin', uploadId);
    // RGW answers 404 NoSuchKey here where AWS says NoSuchUpload.
    await assert.rejects(store.listParts(buckets.masters, 'abandoned.bin', uploadId), (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode === 404);
  });

  test('Range GET through a presigned GET URL, and getStream with a range', async () => {
    const key = 'ranges.bin';
    const body = randomBytes(4096);
    await store.put(buckets.masters, key, body, 'application/octet-stream');
    const url = await store.presignGet(buckets.masters, key, 60);
    const response = await fetch(url, { headers: { range: 'bytes=100-199' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), 'bytes 100-199/4096');
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), body.subarray(100, 200));
    assert.deepEqual(await readAll(await store.getStream(buckets.masters, key, { start: 4000, end: 4095 })), body.subarray(4000));
  });

  test('localFile downloads the object to the given file; a missing object is an error', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    await store.put(buckets.masters, 'download/master.bin', body, 'application/octet-stream');
    const dir = mkdtempSync(join(tmpdir(), 'mediateca-s3-download-'));
    try {
      assert.equal(await store.localFile(buckets.masters, 'download/master.bin', join(dir, 'master')), join(dir, 'master'));
      assert.deepEqual(readFileSync(join(dir, 'master')), body);
      await assert.rejects(store.localFile(buckets.masters, 'download/missing.bin', join(dir, 'missing')), { name: 'NoSuchKey' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('presignGet with a download name answers with an RFC 5987 attachment', async () => {
    await store.put(buckets.masters, 'download.txt', Buffer.from('hola'), 'text/plain');
    const response = await fetch(await store.presignGet(buckets.masters, 'download.txt', 60, 'Informe "final" año 2024.txt'));
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'hola');
    assert.equal(
      response.headers.get('content-disposition'),
      `attachment; filename="Informe _final_ ano 2024.txt"; filename*=UTF-8''Informe%20%22final%22%20a%C3%B1o%202024.txt`,
    );
  });

  test('a presigned URL stops working once it expires', async () => {
    await store.put(buckets.masters, 'short-lived.txt', Buffer.from('soon gone'), 'text/plain');
    const url = await store.presignGet(buckets.masters, 'short-lived.txt', 1);
    assert.equal((await fetch(url)).status, 200);
    await sleep(2500);
    assert.equal((await fetch(url)).status, 403);
  });

  test('presigned URLs carry the public endpoint when one is configured', async () => {
    await store.put(buckets.masters, 'public.txt', Buffer.from('seen from outside'), 'text/plain');
    const publicEndpoint = S3.endpoint.replace('127.0.0.1', 'localhost');
    const outside = new S3ObjectStore({ ...S3, publicEndpoint }, buckets);
    const url = await outside.presignGet(buckets.masters, 'public.txt', 60);
    assert.equal(new URL(url).origin, new URL(publicEndpoint).origin);
    assert.equal(await (await fetch(url)).text(), 'seen from outside');
  });

  test('put accepts a Buffer, a stream of known size and a stream of unknown size', async () => {
    // over 5 MiB, so the stream of unknown size goes up as a multipart upload
    const body = randomBytes(6 * MiB);
    await store.put(buckets.renditions, 'buffer.bin', body, 'application/octet-stream');
    await store.put(buckets.renditions, 'sized stream.bin', Readable.from([body]), 'application/octet-stream', body.length);
    await store.put(buckets.renditions, 'unsized-stream.bin', Readable.from([body.subarray(0, 1000), body.subarray(1000)]), 'application/octet-stream');
    for (const key of ['buffer.bin', 'sized stream.bin', 'unsized-stream.bin']) {
      assert.deepEqual(await readAll(await store.getStream(buckets.renditions, key)), body, key);
      assert.equal((await store.head(buckets.renditions, key))?.contentType, 'application/octet-stream');
    }
    assert.match((await store.head(buckets.renditions, 'unsized-stream.bin'))?.etag ?? '', /-2$/, 'uploaded in two parts');
  });

  test('copy: CopyObject for small objects, part by part above the threshold', async () => {
    const small = Buffer.from('a small master');
    await store.put(buckets.incoming, 'in/Señal #1.txt', small, 'text/plain');
    await store.copy({ bucket: buckets.incoming, key: 'in/Señal #1.txt' }, { bucket: buckets.masters, key: 'out/Señal #1.txt' }, small.length);
    assert.deepEqual(await readAll(await store.getStream(buckets.masters, 'out/Señal #1.txt')), small);

    const large = randomBytes(11 * MiB);
    await store.put(buckets.incoming, 'in/large master.mxf', large, 'application/mxf');
    await store.copy({ bucket: buckets.incoming, key: 'in/large master.mxf' }, { bucket: buckets.masters, key: 'out/large master.mxf' }, large.length);
    const copied = await store.head(buckets.masters, 'out/large master.mxf');
    assert.equal(copied?.size, large.length);
    assert.equal(copied?.contentType, 'application/mxf');
    assert.match(copied?.etag ?? '', /-3$/, 'copied as a 3-part multipart upload');
    assert.equal(await sha256(await store.getStream(buckets.masters, 'out/large master.mxf')), sha256Of(large));
  });

  test('delete removes the object and tolerates a missing one', async () => {
    await store.put(buckets.renditions, 'to-delete.txt', Buffer.from('x'), 'text/plain');
    await store.delete(buckets.renditions, 'to-delete.txt');
    assert.equal(await store.head(buckets.renditions, 'to-delete.txt'), undefined);
    await store.delete(buckets.renditions, 'to-delete.txt');
  });

  test('list: objects under a prefix with size and last-modified time', async () => {
    const started = Date.now() - 5000; // RGW's clock has second resolution
    await store.put(buckets.renditions, 'listing/a/original.jpg', Buffer.from('abc'), 'image/jpeg');
    await store.put(buckets.renditions, 'listing/b/Mi canción.mp4', Buffer.from('abcdef'), 'video/mp4');
    await store.put(buckets.renditions, 'elsewhere/c.png', Buffer.from('x'), 'image/png');
    const listed = [];
    for await (const object of store.list(buckets.renditions, 'listing/')) listed.push(object);
    assert.deepEqual(listed.map((o) => [o.key, o.size]), [['listing/a/original.jpg', 3], ['listing/b/Mi canción.mp4', 6]]);
    assert.ok(listed.every((o) => o.lastModified.getTime() >= started && o.lastModified.getTime() <= Date.now() + 5000));
    const everything = [];
    for await (const object of store.list(buckets.renditions)) everything.push(object.key);
    assert.ok(everything.includes('elsewhere/c.png') && everything.includes('listing/a/original.jpg'));
  });

  // What RGW 16.2.15 sent, measured here (one POST per event, Records holds one record):
  //   POST /  accept: */*  content-type: application/json  content-length: <n>
  //   no ce-* headers: the topic's cloudevents=true is accepted but Pacific ignores it (Quincy and later send
  //   binary mode, ce-type `com.amazonaws.ObjectCreated:Put`); record fields: eventSource "ceph:s3", awsRegion "",
  //   eventName "ObjectCreated:Put" | "ObjectCreated:CompleteMultipartUpload" | "ObjectCreated:Copy",
  //   s3.object.key raw (not URL-encoded), eTag unquoted, sequencer, versionId "".
  test('RGW notifies a PUT into the incoming bucket', async () => {
    const key = 'uploads/Mi canción número 1.mp4';
    const body = randomBytes(2048);
    const response = await fetch(await store.presignPut(buckets.incoming, key, 'video/mp4', 60), { method: 'PUT', body, headers: { 'content-type': 'video/mp4' } });
    assert.equal(response.status, 200);

    const { headers, event } = await listener.waitFor(key);
    assert.equal(headers['content-type'], 'application/json');
    if (headers['ce-specversion']) assert.equal(headers['ce-type'], 'com.amazonaws.ObjectCreated:Put');
    assert.equal(event.type, 'com.amazonaws.s3.ObjectCreated:Put');
    assert.equal(event.source, `ceph:s3.default.${buckets.incoming}`);
    assert.equal(event.subject, key);
    assert.deepEqual({ ...event.data, sequencer: undefined }, { bucket: buckets.incoming, key, size: 2048, etag: md5(body), sequencer: undefined });
  });

  test('RGW notifies a multipart completion', async () => {
    const key = 'uploads/película larga.mov';
    const uploadId = await store.createMultipartUpload(buckets.incoming, key, 'video/quicktime');
    const url = await store.presignUploadPart(buckets.incoming, key, uploadId, 1, 60);
    assert.equal((await fetch(url, { method: 'PUT', body: Buffer.from('only part') })).status, 200);
    await store.completeMultipartUpload(buckets.incoming, key, uploadId, await store.listParts(buckets.incoming, key, uploadId));

    const { event } = await listener.waitFor(key);
    assert.equal(event.type, 'com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload');
    assert.equal(event.data.bucket, buckets.incoming);
    assert.equal(event.data.size, 'only part'.length);
    assert.equal(event.data.etag, (await store.head(buckets.incoming, key))?.etag);
  });
});

interface Notification {
  headers: IncomingHttpHeaders;
  event: ReturnType<typeof normaliseS3Notification>[number];
}

interface NotificationListener {
  url: string;
  /** the first notification for this key (waits for it; gives up after 90 s) */
  waitFor(key: string): Promise<Notification>;
  close(): void;
}

async function listenForNotifications(): Promise<NotificationListener> {
  const received: Notification[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      for (const event of normaliseS3Notification(JSON.parse(Buffer.concat(chunks).toString('utf8')))) received.push({ headers: request.headers, event });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async waitFor(key) {
      for (let waited = 0; waited < 90_000; waited += 200) {
        const found = received.find(({ event }) => event.data.key === key);
        if (found) return found;
        await sleep(200);
      }
      throw new Error(`no notification for ${key}; received: ${JSON.stringify(received.map(({ event }) => event.subject))}`);
    },
    close: () => server.close(),
  };
}

async function deleteBucket(store: S3ObjectStore, bucket: string): Promise<void> {
  const client = await store.client();
  const { Uploads = [] } = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const { Key, UploadId } of Uploads) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }));
  const { Contents = [] } = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const { Key } of Contents) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function sha256Of(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sha256(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
