// The HLS ladder through its signed route: the asset's `hls` rendition hands out a signed master playlist URL; the
// variant playlists it names come back to the route with the same signature, the segments go to presigned store
// URLs; a wrong or missing signature, or a path out of the ladder, is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { putRendition } from '../../shared/db/assets.ts';
import { assetsHarness } from '../../test/support/assets-harness.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { pointPlaylistAt } from './hls.ts';

const harness = assetsHarness();
const { call } = harness;

const MASTER = '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/index.m3u8\n\n#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720\n720p/index.m3u8\n';
const VARIANT = '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nsegment-000.ts\n#EXTINF:2.0,\nsegment-001.ts\n#EXT-X-ENDLIST\n';

async function videoWithLadder() {
  const asset = await seedAsset(harness.platform, { mediaType: 'video', title: 'ladder' });
  const { store } = harness.platform;
  const folder = `newsroom/${asset.id}/hls`;
  const files: Record<string, string> = { 'master.m3u8': MASTER, '360p/index.m3u8': VARIANT, '720p/index.m3u8': VARIANT, '720p/segment-000.ts': 'segment zero', '720p/segment-001.ts': 'segment one', '720p/init.mp4': 'init' };
  for (const [path, body] of Object.entries(files)) await store.put(store.buckets.renditions, `${folder}/${path}`, Buffer.from(body), 'application/octet-stream');
  await putRendition(harness.platform.db, { asset_id: asset.id, name: 'hls', storage_key: `${folder}/master.m3u8`, content_type: 'application/vnd.apple.mpegurl', size_bytes: MASTER.length, width: 1280, height: 720 });
  return asset;
}

/** A request to the route by its absolute URL (as a player makes it: no token). */
const get = (url: string) => call(undefined, 'GET', new URL(url).pathname + new URL(url).search);

test('the master playlist, a variant playlist and its segments, all through the signed URL', async () => {
  const asset = await videoWithLadder();
  const described = (await call('viewer', 'GET', `/assets/${asset.id}`)).body;
  const hls = described.renditions.find((r: { name: string }) => r.name === 'hls');
  assert.match(hls.url, new RegExp(`/assets/${asset.id}/hls/master\\.m3u8\\?expires=\\d+&signature=[0-9a-f]{64}$`));

  const master = await get(hls.url);
  assert.equal(master.status, 200);
  assert.equal(master.type, 'application/vnd.apple.mpegurl');
  const query = new URL(hls.url).search;
  assert.deepEqual(master.body.split('\n').filter((line: string) => line && !line.startsWith('#')), [`360p/index.m3u8${query}`, `720p/index.m3u8${query}`]);

  const variant = await get(new URL(`720p/index.m3u8${query}`, hls.url).href);
  assert.equal(variant.status, 200);
  const uris = variant.body.split('\n').filter((line: string) => line && !line.startsWith('#'));
  assert.equal(uris.length, 2);
  // presigned store URLs (the harness serves no store: the browser test plays them through the embedded host)
  uris.forEach((uri: string, i: number) => assert.match(uri, new RegExp(`^https?://.+/newsroom/${asset.id}/hls/720p/segment-00${i}\\.ts\\?.+`)));
  assert.match(variant.body, /#EXT-X-MAP:URI="http[^"]+init\.mp4[^"]*"/);
});

test('refused: no signature, a signature of another asset, a path out of the ladder, a missing playlist', async () => {
  const asset = await videoWithLadder();
  const other = await videoWithLadder();
  const url = (await call('viewer', 'GET', `/assets/${asset.id}`)).body.renditions.find((r: { name: string }) => r.name === 'hls').url;
  const otherQuery = new URL((await call('viewer', 'GET', `/assets/${other.id}`)).body.renditions.find((r: { name: string }) => r.name === 'hls').url).search;
  assert.equal((await call(undefined, 'GET', `/assets/${asset.id}/hls/master.m3u8`)).status, 403);
  assert.equal((await call(undefined, 'GET', `/assets/${asset.id}/hls/master.m3u8${otherQuery}`)).status, 403);
  const query = new URL(url).search;
  assert.equal((await call(undefined, 'GET', `/assets/${asset.id}/hls/..%2F..%2Fother/index.m3u8${query}`)).status, 404);
  assert.equal((await call(undefined, 'GET', `/assets/${asset.id}/hls/1080p/index.m3u8${query}`)).status, 404, 'a rung the ladder lacks');
  const plain = await seedAsset(harness.platform, { mediaType: 'video' });
  assert.equal((await get(url.replace(asset.id, plain.id))).status, 403, 'signed for another asset');
});

test('pointPlaylistAt rewrites URI lines and URI attributes, and leaves tags and blank lines', async () => {
  const rewritten = await pointPlaylistAt(VARIANT, (uri) => `X/${uri}`);
  assert.equal(rewritten, '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="X/init.mp4"\n#EXTINF:4.0,\nX/segment-000.ts\n#EXTINF:2.0,\nX/segment-001.ts\n#EXT-X-ENDLIST\n');
});
