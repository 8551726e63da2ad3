// Bulk import against real servers on loopback: one contract run per provider (URL list, CSV, feed, sitemap,
// S3 prefix on Ceph RGW with its own credentials), and the fetching rules: robots.txt, 429 + Retry-After,
// 503 twice then 200, a host that hangs, a redirect loop, a file over the limit, a redirect to a private
// address refused by the SSRF guard, and per-host concurrency.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '../../shared/config.ts';
import { noteTaskAsset } from '../../shared/db/imports.ts';
import { FetchError } from '../../shared/import/net.ts';
import { PoliteHttp, RobotsDisallowed } from '../../shared/import/polite-http.ts';
import { providerFor } from '../../shared/import/providers/index.ts';
import type { ImportSource } from '../../shared/import/sources.ts';
import { ingest } from '../../shared/import/ingest.ts';
import { s3Client } from '../../shared/storage/s3.ts';
import { createTestPlatform } from '../support/platform.ts';
import { S3, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';
import { type SourceServer, file, startSourceServer, text } from '../support/source-server.ts';

const loopbackConfig = (extra: Record<string, string> = {}) =>
  loadConfig({ IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_HOST_RATE: '1000', IMPORT_REQUEST_TIMEOUT_MS: '500', IMPORT_MAX_ITEM_BYTES: '1000', ...extra }).imports;

let server: SourceServer;
before(async () => {
  server = await startSourceServer({
    '/robots.txt': text('User-agent: *\nDisallow: /private/\n'),
    '/a.jpg': file(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'image/jpeg'),
    '/b.png': file(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'image/png'),
    '/private/secret.jpg': file(Buffer.from('secret')),
    '/big.bin': file(Buffer.alloc(2000)),
    '/hang.jpg': () => { /* never answers */ },
    '/loop': (_q, response) => { response.writeHead(302, { location: '/loop' }).end(); },
    '/to-private': (_q, response) => { response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(); },
    '/busy.jpg': (_q, response, hits) => {
      if (hits === 1) response.writeHead(429, { 'retry-after': '1' }).end();
      else file(Buffer.from([0xff, 0xd8, 0xff]))(_q, response, hits);
    },
    '/flaky.jpg': (_q, response, hits) => {
      if (hits <= 2) response.writeHead(503).end();
      else file(Buffer.from([0xff, 0xd8, 0xff]))(_q, response, hits);
    },
    '/gone.jpg': (_q, response) => { response.writeHead(410).end(); },
  });
});
after(() => server.close());

async function fetchItem(http: PoliteHttp, url: string) {
  return providerFor({ type: 'urls', urls: [url] }).fetchItem({ url }, { type: 'urls', urls: [url] }, { http });
}

async function failure(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FetchError, String(error));
    return error;
  }
  assert.fail('expected a FetchError');
}

describe('fetching rules', () => {
  test('robots.txt is fetched once per host and obeyed; our User-Agent names a contact URL', async () => {
    const http = new PoliteHttp(loopbackConfig({ IMPORT_CONTACT_URL: 'https://newsroom.example/contact' }));
    const robotsBefore = server.hits.get('/robots.txt') ?? 0;
    const error = await failure(fetchItem(http, `${server.url}/private/secret.jpg`));
    assert.ok(error instanceof RobotsDisallowed);
    assert.ok(error.permanent);
    assert.equal(server.hits.get('/private/secret.jpg'), undefined);
    const fetched = await fetchItem(http, `${server.url}/a.jpg`);
    fetched.body.resume();
    assert.equal(fetched.size, 7);
    assert.equal(server.hits.get('/robots.txt'), robotsBefore + 1);
    assert.match(server.log.at(-1)!.userAgent, /^MediatecaImport\/.*https:\/\/newsroom\.example\/contact/);
  });

  test('404 and 410 fail at once; a hanging host times out (retryable); a redirect loop stops at the limit', async () => {
    const http = new PoliteHttp(loopbackConfig());
    const missing = await failure(fetchItem(http, `${server.url}/nope.jpg`));
    assert.deepEqual([missing.permanent, missing.status], [true, 404]);
    assert.equal((await failure(fetchItem(http, `${server.url}/gone.jpg`))).permanent, true);
    const hang = await failure(fetchItem(http, `${server.url}/hang.jpg`));
    assert.equal(hang.permanent, false);
    assert.match(hang.message, /no answer/);
    const loop = await failure(fetchItem(http, `${server.url}/loop`));
    assert.equal(loop.permanent, true);
    assert.match(loop.message, /too many redirects/);
    assert.equal(server.hits.get('/loop'), 6);
  });

  test('429 with Retry-After pauses the host; 503 twice then 200 is retryable until it works', async () => {
    const http = new PoliteHttp(loopbackConfig());
    const busy = await failure(fetchItem(http, `${server.url}/busy.jpg`));
    assert.deepEqual([busy.permanent, busy.status, busy.retryAfterMs], [false, 429, 1000]);
    assert.ok(http.gate.busyHosts().includes(new URL(server.url).host), 'the host is paused for its Retry-After');
    (await fetchItem(http, `${server.url}/busy.jpg`)).body.resume(); // waits out the pause, then succeeds
    for (let attempt = 1; attempt <= 2; attempt++) assert.equal((await failure(fetchItem(http, `${server.url}/flaky.jpg`))).status, 503);
    (await fetchItem(http, `${server.url}/flaky.jpg`)).body.resume();
    assert.equal(server.hits.get('/flaky.jpg'), 3);
  });

  test('the SSRF guard refuses loopback (by address and by name) and checks every redirect hop', async () => {
    const guarded = new PoliteHttp(loadConfig({}).imports);
    const direct = await failure(fetchItem(guarded, `${server.url}/a.jpg`));
    assert.match(direct.message, /private or reserved address/);
    const byName = await failure(fetchItem(guarded, `http://localhost:${new URL(server.url).port}/a.jpg`));
    assert.match(byName.message, /private or reserved/);
    // loopback allowed as an operator's range, the guard still on: the redirect hop to the metadata address is refused
    const ranged = new PoliteHttp(loadConfig({ IMPORT_ALLOWED_RANGES: '127.0.0.0/8', IMPORT_HOST_RATE: '1000' }).imports);
    (await fetchItem(ranged, `${server.url}/a.jpg`)).body.resume();
    const redirected = await failure(fetchItem(ranged, `${server.url}/to-private`));
    assert.equal(redirected.permanent, true);
    assert.match(redirected.message, /169\.254\.169\.254, a private or reserved address/);
    const { checkUrl } = await import('../../shared/import/net.ts');
    assert.throws(() => checkUrl(new URL('file:///etc/passwd'), { allowPrivateNetworks: true }), /only http and https/);
  });

  test('a file over the limit fails from its Content-Length, before any byte is stored', async () => {
    const platform = await createTestPlatform({ IMPORT_ALLOW_PRIVATE_NETWORKS: 'true', IMPORT_MAX_ITEM_BYTES: '1000' });
    try {
      const http = new PoliteHttp(platform.config.imports);
      const fetched = await fetchItem(http, `${server.url}/big.bin`);
      let assetCreated = false;
      const error = await failure(ingest(platform, fetched, { owner: 't', projectId: 'newsroom', item: { url: `${server.url}/big.bin` }, defaults: {}, provider: 'urls', noteAsset: (assetId) => { assetCreated = true; return (q) => noteTaskAsset(q, randomUUID(), 't', assetId); } }));
      assert.deepEqual([error.permanent, assetCreated], [true, false]);
      assert.match(error.message, /too large: 2000 bytes/);
    } finally {
      await platform.dispose();
    }
  });

  test('per-host concurrency: never more than the limit in flight at one host', async () => {
    let inFlight = 0;
    let peak = 0;
    for (let i = 0; i < 6; i++) {
      server.route(`/slow/${i}.jpg`, (_q, response) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        setTimeout(() => { inFlight--; response.writeHead(200, { 'content-length': 3 }).end(Buffer.from([0xff, 0xd8, 0xff])); }, 50);
      });
    }
    const http = new PoliteHttp(loopbackConfig({ IMPORT_HOST_CONCURRENCY: '2' }));
    await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      const fetched = await fetchItem(http, `${server.url}/slow/${i}.jpg`);
      for await (const _chunk of fetched.body) { /* read */ }
    }));
    assert.equal(peak, 2);
  });
});

/** The provider contract: a source lists its items, and each item fetches as its bytes. */
function contract(name: string, setup: () => Promise<{ source: ImportSource; expected: Record<string, Buffer>; http: PoliteHttp; skip?: boolean }>) {
  test(`provider contract: ${name}`, async (t) => {
    const { source, expected, http, skip } = await setup();
    if (skip) return t.skip('server not reachable');
    const provider = providerFor(source);
    const items = [];
    for await (const item of provider.listItems(source, { http })) items.push(item);
    assert.deepEqual(items.map((i) => i.url).sort(), Object.keys(expected).sort());
    for (const item of items) {
      assert.equal(item.problem, undefined);
      assert.ok(provider.hostOf(item, source));
      const fetched = await provider.fetchItem(item, source, { http });
      const chunks: Buffer[] = [];
      for await (const chunk of fetched.body) chunks.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(chunks), expected[item.url], item.url);
      assert.equal(fetched.size, expected[item.url]!.length);
      assert.ok(fetched.filename);
    }
  });
}

const http = () => new PoliteHttp(loopbackConfig());
const bytesOf = (path: string) => (path === '/a.jpg' ? Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) : Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

contract('urls', async () => ({ source: { type: 'urls', urls: [`${server.url}/a.jpg`, `${server.url}/b.png`] }, expected: { [`${server.url}/a.jpg`]: bytesOf('/a.jpg'), [`${server.url}/b.png`]: bytesOf('/b.png') }, http: http() }));

contract('csv', async () => ({
  source: { type: 'csv', csv: `url,title,tags\n${server.url}/a.jpg,"A, quoted",x;y\n${server.url}/b.png,B,\n` },
  expected: { [`${server.url}/a.jpg`]: bytesOf('/a.jpg'), [`${server.url}/b.png`]: bytesOf('/b.png') },
  http: http(),
}));

contract('feed (Media RSS and Atom)', async () => {
  server.route('/feed.xml', text(`<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Agency</title>
    <item><title>Harbour at dawn</title><category>port</category><media:content url="${server.url}/a.jpg" type="image/jpeg"/></item>
    <item><title>Second</title><enclosure url="/b.png" type="image/png" length="8"/></item></channel></rss>`, 'application/rss+xml'));
  return { source: { type: 'feed', url: `${server.url}/feed.xml` }, expected: { [`${server.url}/a.jpg`]: bytesOf('/a.jpg'), [`${server.url}/b.png`]: bytesOf('/b.png') }, http: http() };
});

contract('sitemap (index → image and video sitemaps)', async () => {
  server.route('/sitemap.xml', text(`<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${server.url}/sitemap-media.xml</loc></sitemap></sitemapindex>`, 'application/xml'));
  server.route('/sitemap-media.xml', text(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">
    <url><loc>${server.url}/page</loc><image:image><image:loc>${server.url}/a.jpg</image:loc></image:image></url>
    <url><loc>${server.url}/video-page</loc><video:video><video:title>Clip</video:title><video:content_loc>${server.url}/b.png</video:content_loc></video:video></url>
    <url><loc>${server.url}/plain-page</loc></url></urlset>`, 'application/xml'));
  return { source: { type: 'sitemap', url: `${server.url}/sitemap.xml` }, expected: { [`${server.url}/a.jpg`]: bytesOf('/a.jpg'), [`${server.url}/b.png`]: bytesOf('/b.png') }, http: http() };
});

const rgwUp = await requireServer('Ceph RGW', S3.endpoint);
contract('s3 prefix on Ceph RGW, with its own credentials', async () => {
  if (!rgwUp) return { source: { type: 'urls', urls: [] }, expected: {}, http: http(), skip: true };
  const bucket = `import-src-${randomUUID().slice(0, 8)}`;
  const client = await s3Client(S3, S3.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const objects = { 'agency/2026/a photo.jpg': bytesOf('/a.jpg'), 'agency/b.png': bytesOf('/b.png'), 'other/c.png': bytesOf('/b.png') };
  for (const [key, body] of Object.entries(objects)) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  after(async () => {
    const { S3ObjectStore } = await import('../../shared/storage/s3.ts');
    await emptyAndDeleteBuckets(new S3ObjectStore({ ...S3 }, { incoming: bucket, masters: bucket, renditions: bucket, analytics: bucket }));
  });
  return {
    source: { type: 's3', endpoint: S3.endpoint, region: S3.region, bucket, prefix: 'agency/', credentials: { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey } },
    expected: { [`s3://${bucket}/agency/2026/a%20photo.jpg`]: objects['agency/2026/a photo.jpg'], [`s3://${bucket}/agency/b.png`]: objects['agency/b.png'] },
    http: http(),
  };
});

test('an S3 endpoint on a private address is refused when the guard is on', async () => {
  const source: ImportSource = { type: 's3', endpoint: 'http://127.0.0.1:7480', region: 'default', bucket: 'any', prefix: '', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
  const guarded = new PoliteHttp(loadConfig({}).imports);
  await assert.rejects(async () => { for await (const _ of providerFor(source).listItems(source, { http: guarded })) { /* none */ } }, /private or reserved/);
});
