// File versions through the whole pipeline (the embedded host: upload, verification, transcode): a new file for
// the same asset is verified and rendered, the older one stays listed and downloadable, and reverting brings its
// master and renditions back; a refused file fails its version only; a stale If-Match is refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as v from 'valibot';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { Client } from '../../test/support/client.ts';
import { makeJpegWithExif } from '../../test/support/images.ts';
import { rebuildReadModels } from '../index/rebuild.ts';
import * as S from '../web/api-schemas.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-versions-'));
let host: Host;
let client: Client;
before(async () => {
  host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, PORT: '0', ENRICH_PARTS: 'none' }), 0);
  client = new Client(host.url, await host.platform.signer!.mint('ed', { newsroom: 'editor' }));
});
after(async () => {
  await host.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function putVersion(assetId: string, bytes: Buffer, filename: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const started = await client.request('POST', `/assets/${assetId}/versions`, { filename, size: bytes.length, contentType: 'image/jpeg', ...extra }, headers);
  if (started.status !== 201) return started;
  const put = await fetch(started.body.url, { method: 'PUT', headers: started.body.headers, body: new Uint8Array(bytes) });
  assert.ok(put.ok, `PUT → ${put.status}`);
  return started;
}

test('a new file version is verified and rendered; the older one stays downloadable; revert brings it back', async () => {
  const first = await makeJpegWithExif({ width: 64, height: 48, seed: 1 });
  const second = await makeJpegWithExif({ width: 80, height: 60, seed: 2 });
  const { assetId } = await client.upload(first, 'harbour.jpg', 'image/jpeg', { title: 'Harbour' });
  const ready = await client.waitForAsset(assetId, (a) => a.state === 'ready');
  assert.equal(ready.fileVersion, 1);
  assert.equal((await client.request('PATCH', `/assets/${assetId}`, { description: 'kept across versions' })).status, 200);

  const started = await putVersion(assetId, second, 'harbour-retouched.jpg', { sha256: sha(second) });
  assert.equal(started.status, 201);
  assert.equal(started.body.assetId, assetId, 'the same asset');
  const renewed = await client.waitForAsset(assetId, (a) => a.fileVersion === 2 && a.state === 'ready');
  assert.deepEqual([renewed.sha256, renewed.size, renewed.filename, renewed.title, renewed.description], [sha(second), second.length, 'harbour-retouched.jpg', 'Harbour', 'kept across versions']);
  assert.equal(renewed.renditions.find((r: { name: string }) => r.name === 'preview').width, 80, 'rendered from the new file');
  const keys = await host.platform.db.selectFrom('renditions').select('storage_key').where('asset_id', '=', assetId).execute();
  assert.ok(keys.length > 0 && keys.every((k) => k.storage_key.startsWith(`newsroom/${assetId}/v2/`)), 'the new renditions beside, not over, the old ones');

  const listed = await client.request('GET', `/assets/${assetId}/versions`);
  assert.equal(listed.status, 200);
  v.parse(S.FileVersions, listed.body);
  assert.deepEqual(listed.body.versions.map((x: any) => [x.fileVersion, x.state, x.current, x.sha256]), [[1, 'previous', false, sha(first)], [2, 'current', true, sha(second)]]);
  const older = listed.body.versions[0];
  assert.deepEqual(Buffer.from(await (await fetch(older.downloadUrl)).arrayBuffer()), first, 'the first master is still downloadable');
  const olderPreview = older.renditions.find((r: { name: string }) => r.name === 'preview');
  assert.equal(olderPreview.width, 64);
  assert.equal((await fetch(olderPreview.url)).status, 200, "the first version's renditions too");

  const reverted = await client.request('POST', `/assets/${assetId}/versions/1/revert`);
  assert.equal(reverted.status, 200);
  v.parse(S.Asset, reverted.body);
  assert.deepEqual([reverted.body.fileVersion, reverted.body.sha256, reverted.body.filename, reverted.body.state, reverted.body.description], [1, sha(first), 'harbour.jpg', 'ready', 'kept across versions']);
  assert.equal(reverted.body.renditions.find((r: { name: string }) => r.name === 'preview').width, 64, 'renditions follow the version');
  assert.deepEqual(Buffer.from(await (await fetch(reverted.body.downloadUrl)).arrayBuffer()), first);
  const after = (await client.request('GET', `/assets/${assetId}/versions`)).body;
  assert.deepEqual(after.versions.map((x: any) => [x.fileVersion, x.state]), [[1, 'current'], [2, 'previous']]);
  assert.ok(after.versions[1].renditions.length > 0, 'version 2 keeps its renditions for a revert back');
  assert.equal((await client.request('POST', `/assets/${assetId}/versions/1/revert`)).status, 409, 'already current');
  assert.equal((await client.request('POST', `/assets/${assetId}/versions/7/revert`)).status, 404);

  const history = (await client.request('GET', `/assets/${assetId}/history`)).body.events.map((e: { type: string }) => e.type);
  for (const type of ['file-version-started', 'file-version-added', 'file-version-reverted']) assert.ok(history.includes(type), type);

  // the renditions and metadata are projections of that history: rebuilt from it, they are what the run left
  const { db } = host.platform;
  const readModels = async () => ({
    renditions: await db.selectFrom('renditions').selectAll().where('asset_id', '=', assetId).orderBy('name').execute(),
    metadata: await db.selectFrom('asset_metadata').select(['kind', 'data']).where('asset_id', '=', assetId).orderBy('kind').execute(),
  });
  const before = await readModels();
  assert.ok(before.renditions.length >= 2 && before.metadata.some((m) => m.kind === 'technical'));
  await db.deleteFrom('renditions').where('asset_id', '=', assetId).execute();
  await db.deleteFrom('asset_metadata').where('asset_id', '=', assetId).execute();
  await rebuildReadModels(host.platform, 'newsroom');
  assert.deepEqual(await readModels(), before);
});

test("a refused file fails its version only; a stale If-Match is 412; a version can't start while one uploads", async () => {
  const bytes = await makeJpegWithExif({ width: 32, height: 32, seed: 3 });
  const { assetId } = await client.upload(bytes, 'boat.jpg', 'image/jpeg');
  const ready = await client.waitForAsset(assetId, (a) => a.state === 'ready');
  assert.equal((await client.request('POST', `/assets/${assetId}/versions`, { filename: 'same.jpg', size: bytes.length, contentType: 'image/jpeg', sha256: sha(bytes) })).status, 409, 'the same file, known up front');
  assert.equal((await putVersion(assetId, bytes, 'same.jpg')).status, 201, 'the same file, not announced');
  const deadline = Date.now() + 30_000;
  let versions: any[] = [];
  while (Date.now() < deadline) {
    versions = (await client.request('GET', `/assets/${assetId}/versions`)).body.versions;
    if (versions.at(-1).state !== 'uploading') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual([versions.at(-1).state, versions.at(-1).reason], ['failed', 'the file is identical to the asset’s current version']);
  const still = (await client.request('GET', `/assets/${assetId}`)).body;
  assert.deepEqual([still.state, still.fileVersion, still.sha256], ['ready', 1, sha(bytes)]);

  const other = await makeJpegWithExif({ width: 40, height: 40, seed: 4 });
  assert.equal((await client.request('POST', `/assets/${assetId}/versions`, { filename: 'b.jpg', size: other.length, contentType: 'image/jpeg' }, { 'if-match': `"${ready.version}"` })).status, 412);
  assert.equal((await client.request('POST', `/assets/${assetId}/versions`, { filename: 'b.jpg', size: other.length, contentType: 'image/jpeg' })).status, 201);
  const second = await client.request('POST', `/assets/${assetId}/versions`, { filename: 'c.jpg', size: other.length, contentType: 'image/jpeg' });
  assert.equal(second.status, 409);
  assert.match(second.body.detail, /still uploading/);
  assert.equal((await client.request('POST', `/assets/${assetId}/versions`, { filename: 'c.jpg', size: 0, contentType: 'image/jpeg' })).status, 400);
});
