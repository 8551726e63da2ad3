// The first end-to-end slice, driven as a client would: presigned upload → verification → renditions →
// search, plus the bad cases. Registered once per mode (embedded, servers).
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Host } from '../../scripts/host.ts';
import { Client } from '../support/client.ts';
import { makeDecompressionBomb, makeJpegWithExif } from '../support/images.ts';

export interface E2eEnvironment {
  host: Host;
  redeliverNotification: (bucket: string, key: string) => Promise<void>;
}

/** `start` is called once per test file (memoised there); the file stops the host when all suites are done. */
export function pipelineSuite(mode: string, start: () => Promise<E2eEnvironment | undefined>) {
  describe(`pipeline end to end (${mode})`, () => {
    let host: Host;
    let redeliver: (bucket: string, key: string) => Promise<void>;
    let editor: Client;
    let started = false;

    before(async () => {
      const env = await start();
      if (!env) return;
      started = true;
      host = env.host;
      redeliver = env.redeliverNotification;
      editor = new Client(host.url, await host.platform.signer!.mint('editor-1', { newsroom: 'editor' }));
    });

    test('a JPEG with EXIF goes from presigned upload to search, with renditions and download URLs', async (t) => {
      if (!started) return t.skip('servers missing');
      const photo = await makeJpegWithExif({ make: 'Fujifilm', model: 'X-T5' });
      const { assetId } = await editor.upload(photo, 'Canción del árbol.jpg', 'image/jpeg', { description: 'Manifestación en la plaza mayor', tags: ['protesta', 'madrid'] });
      const asset = await editor.waitForAsset(assetId, (a) => a.state === 'ready' || a.state === 'failed');
      assert.equal(asset.state, 'ready', asset.stateReason);
      assert.equal(asset.sha256, createHash('sha256').update(photo).digest('hex'));
      assert.equal(asset.metadata.technical.width, 1600);
      assert.equal(asset.metadata.technical.exif.make, 'Fujifilm');
      assert.equal(asset.metadata.technical.exif.capturedAt, '2026-03-14T09:26:53.000Z');
      assert.ok(Math.abs(asset.metadata.technical.exif.gps.latitude - 40.4167) < 0.001);
      const byName = Object.fromEntries(asset.renditions.map((r: any) => [r.name, r]));
      assert.deepEqual(Object.keys(byName).sort(), ['preview', 'preview-webp', 'thumbnail']);
      assert.equal(byName.thumbnail.width, 300);
      assert.equal(byName.preview.width, 1200);
      const thumbnail = Buffer.from(await (await fetch(byName.thumbnail.url)).arrayBuffer());
      const meta = await sharp(thumbnail).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.equal(meta.width, 300);
      const webp = await sharp(Buffer.from(await (await fetch(byName['preview-webp'].url)).arrayBuffer())).metadata();
      assert.equal(webp.format, 'webp');

      // Range requests work on the master's download URL.
      const ranged = await fetch(asset.downloadUrl, { headers: { range: 'bytes=0-3' } });
      assert.equal(ranged.status, 206);
      assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), photo.subarray(0, 4));

      // Accent-insensitive, by title, description, tags, filename and EXIF fields, with facets.
      for (const q of ['cancion arbol', 'manifestacion', 'protesta', 'fujifilm', 'X-T5']) {
        const result = await editor.waitForSearch(`q=${encodeURIComponent(q)}`, (r) => r.hits?.some((h: any) => h.assetId === assetId));
        assert.ok(result.facets.mediaType.some((f: any) => f.value === 'image' && f.count >= 1));
      }
      const hit = (await editor.request('GET', `/search?q=arbol&mediaType=image&tags=madrid`)).body.hits.find((h: any) => h.assetId === assetId);
      assert.ok(hit.thumbnailUrl, 'hits carry a thumbnail URL');
      assert.equal((await fetch(hit.thumbnailUrl)).status, 200);
      const filteredOut = (await editor.request('GET', '/search?q=arbol&mediaType=video')).body;
      assert.equal(filteredOut.hits.length, 0);
    });

    test('the same notification delivered twice gives one asset and one set of renditions', async (t) => {
      if (!started) return t.skip('servers missing');
      const photo = await makeJpegWithExif({ seed: 7 });
      const { assetId, plan } = await editor.upload(photo, 'twice.jpg', 'image/jpeg');
      const ready = await editor.waitForAsset(assetId, (a) => a.state === 'ready' || a.state === 'failed');
      assert.equal(ready.state, 'ready', ready.stateReason);
      const key = new URL(plan.url).pathname; // replayed below from the uploads table instead
      assert.ok(key);
      const upload = await host.platform.db.selectFrom('uploads').selectAll().where('asset_id', '=', assetId).executeTakeFirstOrThrow();
      await redeliver(upload.bucket, upload.storage_key);
      await new Promise((r) => setTimeout(r, 500));
      const again = (await editor.request('GET', `/assets/${assetId}`)).body;
      assert.equal(again.version, ready.version, 'a replayed notification changes nothing');
      assert.equal(again.renditions.length, 3);
      const assets = await host.platform.db.selectFrom('assets').select('id').where('sha256', '=', ready.sha256).execute();
      assert.equal(assets.length, 1);
    });

    test('an exact duplicate in the same project is detected', async (t) => {
      if (!started) return t.skip('servers missing');
      const photo = await makeJpegWithExif({ seed: 11 });
      const first = await editor.upload(photo, 'original.jpg', 'image/jpeg');
      await editor.waitForAsset(first.assetId, (a) => a.state === 'ready');
      // Declared up front: refused before any byte moves.
      const declared = await editor.request('POST', '/uploads', { projectId: 'newsroom', filename: 'copy.jpg', size: photo.length, contentType: 'image/jpeg', sha256: createHash('sha256').update(photo).digest('hex') });
      assert.equal(declared.status, 409);
      assert.equal(declared.body.duplicateOf, first.assetId);
      // Not declared: found when the bytes are verified.
      const second = await editor.upload(photo, 'copy.jpg', 'image/jpeg', { sha256: false });
      const failed = await editor.waitForAsset(second.assetId, (a) => a.state === 'failed');
      assert.equal(failed.duplicateOf, first.assetId);
      assert.match(failed.stateReason, /duplicate/);
    });

    test('a wrong checksum fails the asset with a reason and nothing is indexed', async (t) => {
      if (!started) return t.skip('servers missing');
      const photo = await makeJpegWithExif({ seed: 3 });
      const { assetId } = await editor.upload(photo, 'tampered-zebra.jpg', 'image/jpeg', { sha256: 'a'.repeat(64), title: 'zebra tampered' });
      const failed = await editor.waitForAsset(assetId, (a) => a.state === 'failed');
      assert.match(failed.stateReason, /checksum mismatch/);
      assert.equal(failed.renditions.length, 0);
      const search = (await editor.request('GET', '/search?q=zebra')).body;
      assert.equal(search.hits.filter((h: any) => h.assetId === assetId).length, 0);
      // ...unless asked for: failed assets are listed and searchable by state
      const listed = (await editor.request('GET', '/assets?state=failed')).body.assets.find((a: any) => a.id === assetId);
      assert.match(listed.stateReason, /checksum mismatch/);
      await editor.waitForSearch('q=zebra&state=failed', (r) => r.hits?.some((h: any) => h.assetId === assetId && h.state === 'failed'));
    });

    test('a multipart upload resumes after an interruption and completes', async (t) => {
      if (!started) return t.skip('servers missing');
      const bytes = randomBytes(12 * 1024 * 1024 + 123);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const started_ = await editor.request('POST', '/uploads', { projectId: 'newsroom', filename: 'Informe anual.pdf', size: bytes.length, contentType: 'application/pdf', sha256 });
      assert.equal(started_.status, 201, JSON.stringify(started_.body));
      const plan = started_.body;
      assert.equal(plan.method, 'MULTIPART');
      const { partSize, partCount } = plan.multipart;
      assert.equal(partCount, Math.ceil(bytes.length / partSize));
      const put = async (part: { partNumber: number; url: string }) => {
        const start = (part.partNumber - 1) * partSize;
        const response = await fetch(part.url, { method: 'PUT', body: new Uint8Array(bytes.subarray(start, start + partSize)) });
        assert.equal(response.status, 200);
        return { partNumber: part.partNumber, etag: response.headers.get('etag')! };
      };
      // The connection drops after the first part; the client asks where it stands and sends the rest.
      const first = await put(plan.multipart.parts[0]);
      const resumed = (await editor.request('GET', `/uploads/${plan.uploadId}`)).body;
      assert.deepEqual(resumed.multipart.received.map((p: any) => p.partNumber), [1]);
      assert.deepEqual(resumed.multipart.parts.map((p: any) => p.partNumber), Array.from({ length: partCount - 1 }, (_, i) => i + 2));
      const rest = await Promise.all(resumed.multipart.parts.map(put));
      const complete = await editor.request('POST', `/uploads/${plan.uploadId}/complete`, { parts: [first, ...rest] });
      assert.equal(complete.status, 202, JSON.stringify(complete.body));
      const asset = await editor.waitForAsset(plan.assetId, (a) => a.state === 'ready' || a.state === 'failed');
      assert.equal(asset.state, 'ready', asset.stateReason);
      assert.equal(asset.sha256, sha256);
      const tail = await fetch(asset.downloadUrl, { headers: { range: 'bytes=-100' } });
      assert.equal(tail.status, 206);
      assert.deepEqual(Buffer.from(await tail.arrayBuffer()), bytes.subarray(bytes.length - 100));
    });

    test('oversized uploads, bad input and path tricks get problem+json', async (t) => {
      if (!started) return t.skip('servers missing');
      const huge = await editor.request('POST', '/uploads', { projectId: 'newsroom', filename: 'huge.mov', size: 10 * 1024 ** 4, contentType: 'video/quicktime' });
      assert.equal(huge.status, 413);
      assert.match(huge.body.detail, /limit/);
      const bad = await editor.request('POST', '/uploads', { projectId: 'newsroom', filename: '', size: -1, contentType: 'nonsense' });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get('content-type'), 'application/problem+json');
      assert.ok(bad.body.issues.length >= 3, 'every invalid field is reported');
      const notJson = await fetch(`${host.url}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${editor.token}`, 'content-type': 'application/json' }, body: '{oops' });
      assert.equal(notJson.status, 400);
      const manyTags = await editor.request('POST', '/uploads', { projectId: 'newsroom', filename: 'tags.jpg', size: 10, contentType: 'image/jpeg', tags: Array.from({ length: 1_000_000 }, (_, i) => `tag${i}`) });
      assert.equal(manyTags.status, 413);
      assert.match(manyTags.body.detail, /larger than/);
      const nul = await editor.request('POST', '/uploads', { projectId: 'newsroom', filename: 'nul.jpg', size: 10, contentType: 'image/jpeg', title: 'a\u0000b' });
      assert.equal(nul.status, 400);
      assert.equal(nul.body.issues[0].path, 'title');
      for (const query of ['q=a%00b', 'from=0000-01-01', 'from=2024-02-31', `cursor=${Buffer.from(JSON.stringify(['1', randomUUID()])).toString('base64url')}`]) {
        const search = await editor.request('GET', `/search?${query}`);
        assert.equal(search.status, 400, query);
        assert.equal(search.headers.get('content-type'), 'application/problem+json');
      }
      const tricky = await editor.upload(await makeJpegWithExif({ seed: 21, width: 400, height: 300 }), '../../../etc/passwd.jpg', 'image/jpeg');
      const asset = await editor.waitForAsset(tricky.assetId, (a) => a.state === 'ready' || a.state === 'failed');
      assert.equal(asset.filename, 'passwd.jpg');
      assert.equal(asset.state, 'ready', asset.stateReason);
      assert.equal((await editor.request('GET', '/assets/not-a-uuid')).status, 404);
    });

    test('edits are versioned, conflict-checked and searchable; history keeps every change', async (t) => {
      if (!started) return t.skip('servers missing');
      const { assetId } = await editor.upload(await makeJpegWithExif({ seed: 31, width: 400, height: 300 }), 'edit-me.jpg', 'image/jpeg');
      const ready = await editor.waitForAsset(assetId, (a) => a.state === 'ready');
      const edited = await editor.request('PATCH', `/assets/${assetId}`, { title: 'Rueda de prensa del ministro', tags: ['política'] }, { 'if-match': `"${ready.version}"` });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
      assert.equal(edited.body.version, ready.version + 1);
      const stale = await editor.request('PATCH', `/assets/${assetId}`, { title: 'stale' }, { 'if-match': `"${ready.version}"` });
      assert.equal(stale.status, 412);
      await editor.waitForSearch('q=ministro', (r) => r.hits?.some((h: any) => h.assetId === assetId));
      const history = (await editor.request('GET', `/assets/${assetId}/history`)).body.events.map((e: any) => e.type);
      assert.deepEqual(history, ['created', 'uploaded', 'processing', 'rendered', 'edited']);
    });

    test('zero-byte files are refused with a clear problem', async (t) => {
      if (!started) return t.skip('servers missing');
      const response = await editor.request('POST', '/uploads', { projectId: 'newsroom', filename: 'empty.jpg', size: 0, contentType: 'image/jpeg' });
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      assert.match(response.body.detail, /empty/);
    });

    test('a non-image posing as .jpg fails with a reason', async (t) => {
      if (!started) return t.skip('servers missing');
      const text = Buffer.from('this is not a picture at all, just some text\n'.repeat(50));
      const { assetId } = await editor.upload(text, 'fake.jpg', 'image/jpeg');
      const failed = await editor.waitForAsset(assetId, (a) => a.state === 'failed');
      assert.match(failed.stateReason, /not a readable image/);
    });

    test('an image above the pixel limit is rejected without decoding it', async (t) => {
      if (!started) return t.skip('servers missing');
      const bomb = makeDecompressionBomb(20000);
      const before = process.memoryUsage().rss;
      const { assetId } = await editor.upload(bomb, 'bomb.png', 'image/png');
      const failed = await editor.waitForAsset(assetId, (a) => a.state === 'failed');
      assert.match(failed.stateReason, /above the limit/);
      assert.ok(process.memoryUsage().rss - before < 512 * 1024 * 1024, 'the bomb was not decoded');
    });

    test('requests for another project’s asset get 404, and bad tokens 401', async (t) => {
      if (!started) return t.skip('servers missing');
      const photo = await makeJpegWithExif({ seed: 5 });
      const { assetId } = await editor.upload(photo, 'private.jpg', 'image/jpeg');
      const outsider = new Client(host.url, await host.platform.signer!.mint('outsider', { sports: 'admin' }));
      const response = await outsider.request('GET', `/assets/${assetId}`);
      assert.equal(response.status, 404);
      assert.equal((await outsider.request('GET', '/search?q=private')).body.hits.length, 0);
      const anonymous = new Client(host.url, 'not-a-jwt');
      assert.equal((await anonymous.request('GET', `/assets/${assetId}`)).status, 401);
      const viewer = new Client(host.url, await host.platform.signer!.mint('viewer', { newsroom: 'viewer' }));
      assert.equal((await viewer.request('POST', '/uploads', { projectId: 'newsroom', filename: 'a.jpg', size: 10, contentType: 'image/jpeg' })).status, 403);
    });
  });
}
