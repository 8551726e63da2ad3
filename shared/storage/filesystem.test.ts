import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { Hono } from 'hono';
import { FilesystemObjectStore } from './filesystem.ts';
import { filesystemStoreRoutes, parseRange } from './filesystem-routes.ts';

const root = mkdtempSync(join(tmpdir(), 'mediateca-fs-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
const buckets = { incoming: 'in', masters: 'm', renditions: 'r', analytics: 'a' };
const store = new FilesystemObjectStore(join(root, 'objects'), buckets, 'http://store.test', join(root, 'secret'));
const app = new Hono().route('/_store', filesystemStoreRoutes(store));
const call = (url: string, init?: RequestInit) => app.fetch(new Request(url, init));
await store.ensureBuckets();

test('a presigned PUT stores the object and emits an S3 record for the incoming bucket', async () => {
  const seen: unknown[] = [];
  store.onObjectCreated = (n) => seen.push(n);
  const url = await store.presignPut('in', 'p/a b/ñ.jpg', 'image/jpeg', 60);
  const response = await call(url, { method: 'PUT', body: 'hello' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('etag'), `"${createHash('md5').update('hello').digest('hex')}"`);
  assert.equal((await store.head('in', 'p/a b/ñ.jpg'))?.size, 5);
  assert.equal((seen[0] as any).Records[0].s3.object.size, 5);
});

test('signatures bind method, key and content type; expired URLs are refused', async () => {
  const url = new URL(await store.presignPut('in', 'x.jpg', 'image/jpeg', 60));
  const otherKey = url.toString().replace('x.jpg', 'y.jpg');
  assert.equal((await call(otherKey, { method: 'PUT', body: 'x' })).status, 403);
  assert.equal((await call(url.toString(), { method: 'GET' })).status, 403, 'a PUT URL does not grant GET');
  url.searchParams.set('X-Content-Type', 'text/html');
  assert.equal((await call(url.toString(), { method: 'PUT', body: 'x' })).status, 403);
  const expired = await store.presignGet('in', 'x.jpg', -1);
  const response = await call(expired);
  assert.equal(response.status, 403);
  assert.match(await response.text(), /expired/);
});

test("a browser's preflight to a presigned PUT is answered like S3 with CORS rules, and the part's ETag is readable", async () => {
  const url = await store.presignPut('in', 'browser.jpg', 'image/jpeg', 60);
  const origin = 'https://app.mediateca.test';
  const preflight = await call(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' } });
  assert.ok(preflight.status === 200 || preflight.status === 204, `preflight → ${preflight.status}`);
  assert.ok(['*', origin].includes(preflight.headers.get('access-control-allow-origin') ?? ''));
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PUT/);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/i);
  const put = await call(url, { method: 'PUT', body: 'x', headers: { Origin: origin, 'content-type': 'image/jpeg' } });
  assert.equal(put.status, 200);
  assert.match(put.headers.get('access-control-expose-headers') ?? '', /ETag/);
});

test('ping answers whether the probe key exists or not; a root that is not a folder fails', async () => {
  await store.ping();
  const file = join(root, 'not-a-folder');
  writeFileSync(file, '');
  await assert.rejects(new FilesystemObjectStore(file, buckets, 'http://store.test', join(root, 'secret')).ping(), /ENOTDIR/);
});

test('keys that climb out of their bucket are refused', async () => {
  for (const key of ['../secret', 'a/../../b', '/abs', 'a//b']) {
    await assert.rejects(store.put('m', key, Buffer.from('x'), 'text/plain'), /segments|escapes/);
  }
});

test('GET serves Range requests', async () => {
  await store.put('m', 'k.bin', Buffer.from('0123456789'), 'application/octet-stream');
  const url = await store.presignGet('m', 'k.bin', 60, 'Informe final.pdf');
  const ranged = await call(url, { headers: { range: 'bytes=2-5' } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), 'bytes 2-5/10');
  assert.equal(await ranged.text(), '2345');
  assert.match(ranged.headers.get('content-disposition')!, /filename\*=UTF-8''Informe%20final\.pdf/);
  assert.equal((await call(url, { headers: { range: 'bytes=20-' } })).status, 416);
  assert.equal(await (await call(url)).text(), '0123456789');
});

test('multipart: parts in any order, ETags checked, one object', async () => {
  const uploadId = await store.createMultipartUpload('in', 'big.bin', 'application/octet-stream');
  const etags: { partNumber: number; etag: string }[] = [];
  for (const [partNumber, body] of [[2, 'BBB'], [1, 'AAA']] as const) {
    const response = await call(await store.presignUploadPart('in', 'big.bin', uploadId, partNumber, 60), { method: 'PUT', body });
    etags.push({ partNumber, etag: response.headers.get('etag')! });
  }
  assert.deepEqual((await store.listParts('in', 'big.bin', uploadId)).map((p) => p.partNumber), [1, 2]);
  await assert.rejects(store.completeMultipartUpload('in', 'big.bin', uploadId, [{ partNumber: 1, etag: 'wrong' }, etags[0]!]), /ETag/);
  await store.completeMultipartUpload('in', 'big.bin', uploadId, etags);
  const body = await new Response(Readable.toWeb(await store.getStream('in', 'big.bin')) as ReadableStream).text();
  assert.equal(body, 'AAABBB');
  assert.match((await store.head('in', 'big.bin'))!.etag, /-2$/);
});

test('put: a small buffer (written at once), a large one and a stream store the same bytes, type and MD5 etag, no temporary file left', async () => {
  const objects = [
    { key: 'put/small.jpg', bytes: Buffer.alloc(50_000, 7), body: (b: Buffer) => b },
    { key: 'put/large.jpg', bytes: Buffer.alloc(3 * 1024 * 1024, 9), body: (b: Buffer) => b },
    { key: 'put/streamed.jpg', bytes: Buffer.alloc(70_000, 5), body: (b: Buffer) => Readable.from([b]) },
  ];
  for (const { key, bytes, body } of objects) {
    await store.put('m', key, body(bytes), 'image/jpeg');
    assert.deepEqual(readFileSync(await store.localFile('m', key, join(root, 'unused'))), bytes, key);
    assert.deepEqual(await store.head('m', key), { size: bytes.length, etag: createHash('md5').update(bytes).digest('hex'), contentType: 'image/jpeg' }, key);
  }
  const listed = [];
  for await (const object of store.list('m', 'put/')) listed.push(object.key);
  assert.deepEqual(listed, ['put/large.jpg', 'put/small.jpg', 'put/streamed.jpg']);
  assert.deepEqual(readdirSync(join(root, 'objects', 'm', 'put')).filter((name) => name.endsWith('.tmp')), []);
});

test('localFile is the object\'s own file (nothing copied); a missing object is an error', async () => {
  const body = Buffer.from('master bytes '.repeat(1000));
  await store.put('m', 'photos/a.jpg', body, 'image/jpeg');
  const file = await store.localFile('m', 'photos/a.jpg', join(root, 'downloaded.jpg'));
  assert.deepEqual(readFileSync(file), body);
  assert.equal(existsSync(join(root, 'downloaded.jpg')), false, 'no copy is made');
  // an object written again replaces the file by rename: what a reader opened stays as it was
  const reader = openSync(file, 'r');
  await store.put('m', 'photos/a.jpg', Buffer.from('new bytes'), 'image/jpeg');
  const kept = Buffer.alloc(body.length);
  readSync(reader, kept, 0, body.length, 0);
  closeSync(reader);
  assert.deepEqual(kept, body);
  await assert.rejects(store.localFile('m', 'photos/missing.jpg', join(root, 'missing.jpg')), { code: 'ENOENT' });
});

test('range header parsing', () => {
  assert.deepEqual(parseRange('bytes=0-0', 10), { start: 0, end: 0 });
  assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
  assert.deepEqual(parseRange('bytes=5-100', 10), { start: 5, end: 9 });
  assert.equal(parseRange('bytes=10-', 10), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,3-4', 10), undefined);
  assert.equal(parseRange(undefined, 10), undefined);
});

test('list: every object of a bucket with size and time, under a prefix, without half-written files', async () => {
  const store = new FilesystemObjectStore(join(root, 'listing'), buckets, 'http://store.test', join(root, 'secret'));
  await store.ensureBuckets();
  const before = Date.now() - 1000;
  await store.put('in', 'p1/a/original.jpg', Buffer.from('abc'), 'image/jpeg');
  await store.put('in', 'p1/b/original.mp4', Buffer.from('abcdef'), 'video/mp4');
  await store.put('in', 'p2/c/original.png', Buffer.from('x'), 'image/png');
  await store.put('m', 'p1/elsewhere.jpg', Buffer.from('m'), 'image/jpeg');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(root, 'listing', 'in', 'p1', 'a', `original.jpg.${crypto.randomUUID()}.tmp`), 'partial');
  const all = [];
  for await (const object of store.list('in')) all.push(object);
  assert.deepEqual(all.map((o) => [o.key, o.size]), [['p1/a/original.jpg', 3], ['p1/b/original.mp4', 6], ['p2/c/original.png', 1]]);
  assert.ok(all.every((o) => o.lastModified.getTime() >= before && o.lastModified.getTime() <= Date.now()));
  const underP1 = [];
  for await (const object of store.list('in', 'p1/')) underP1.push(object.key);
  assert.deepEqual(underP1, ['p1/a/original.jpg', 'p1/b/original.mp4']);
  await store.delete('in', 'p1/a/original.jpg');
  const after = [];
  for await (const object of store.list('in', 'p1/')) after.push(object.key);
  assert.deepEqual(after, ['p1/b/original.mp4']);
});

test('served objects cannot run on the API origin: nosniff, a sandboxing CSP, active types as downloads', async () => {
  const html = '<script>alert(document.cookie)</script>';
  for (const [key, contentType, inline] of [['p/page.html', 'text/html', false], ['p/logo.svg', 'image/svg+xml', false], ['p/photo.jpg', 'image/jpeg', true], ['p/clip.mp4', 'video/mp4', true]] as const) {
    await store.put('r', key, Buffer.from(html), contentType);
    for (const method of ['GET', 'HEAD']) {
      const response = await call(await store.presignGet('r', key, 60), { method });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${key} ${method}`);
      assert.match(response.headers.get('content-security-policy') ?? '', /sandbox/);
      assert.equal(response.headers.get('content-disposition'), inline ? null : 'attachment', key);
    }
  }
  const refused = await call('http://store.test/_store/r/p/page.html');
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get('x-content-type-options'), 'nosniff', 'errors too');
});
