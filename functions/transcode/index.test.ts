// transcode's progressive steps, on a real (small) video: what it records and announces, and in which order,
// including a redelivered upload event after the set was recorded and an attempt resumed after its poster; and the
// progress a job shows (none for a photo rendered at once).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { changeAsset, createUploadingAsset, findAsset, getMetadata, listRenditions, putRendition, setProgress } from '../../shared/db/assets.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { deliverToFunction } from '../../shared/events/deliver.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { type MediaCorpus, mediaCorpus } from '../../test/support/media-corpus.ts';
import { makeJpegWithExif } from '../../test/support/images.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createApp } from './index.ts';

type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;

let platform: TestPlatform;
let corpus: MediaCorpus;
before(async () => {
  corpus = await mediaCorpus();
  platform = await createTestPlatform();
});
after(() => platform.dispose());

/** An uploaded video (the corpus's 3 s 640×360 clip without sound) whose master is stored, in `state`. */
async function uploadedVideo(state: 'uploaded' | 'processing' = 'uploaded') {
  return uploaded('video', await readFile(corpus.vfr), state);
}

async function uploaded(mediaType: 'video' | 'image', bytes: Buffer, state: 'uploaded' | 'processing' = 'uploaded') {
  const assetId = randomUUID();
  const [extension, contentType] = mediaType === 'video' ? ['mp4', 'video/mp4'] : ['jpg', 'image/jpeg'];
  const storageKey = `newsroom/${assetId}/original.${extension}`;
  await platform.store.put(platform.store.buckets.masters, storageKey, bytes, contentType);
  let asset = await createUploadingAsset(platform.db, {
    id: assetId, project_id: 'newsroom', media_type: mediaType, title: 'Pleno', description: '', tags: [], filename: `pleno.${extension}`, content_type: contentType,
    size_bytes: 3, expected_sha256: null, sha256: 'ab', storage_key: storageKey, duplicate_of: null, state_reason: null, progress: null, owner: 'tester',
  }, { id: randomUUID(), bucket: 'incoming', storage_key: `newsroom/${assetId}/incoming.${extension}`, multipart_upload_id: null, part_size: null, part_count: null, expires_at: new Date(Date.now() + 60_000) });
  for (const to of state === 'uploaded' ? (['uploaded'] as const) : (['uploaded', 'processing'] as const)) {
    asset = await changeAsset(platform.db, asset, { expectedVersion: asset.version, set: { state: to }, history: { type: to, actor: 'test' } });
  }
  return asset;
}

async function deliverUploaded(assetId: string, mediaType: 'video' | 'image' = 'video') {
  const event = newEvent('io.mediateca.asset.uploaded', EVENT_SOURCE, { assetId, projectId: 'newsroom', version: 2, mediaType, contentType: mediaType === 'video' ? 'video/mp4' : 'image/jpeg', sha256: 'ab', size: 3 }, assetId);
  const result = await deliverToFunction((request) => createApp(platform).fetch(request), event, platform.eventsSecret);
  assert.equal(result.outcome, 'ack', result.reason);
}

const historyOf = (assetId: string) => platform.db.selectFrom('asset_events').select(['type', 'data']).where('asset_id', '=', assetId).orderBy('version').execute();
const eventsOf = async (assetId: string) =>
  (await platform.db.selectFrom('outbox').select(['type', 'data']).where('subject', '=', assetId).orderBy(sql`id::bigint`).execute())
    .filter((row) => row.type.startsWith('io.mediateca.asset.'))
    .map((row) => ({ type: row.type, stage: (row.data as any).stage as string | undefined, renditions: (row.data as any).renditions as string[] | undefined }));

describe('transcode: progressive rendering of a video', () => {
  test('poster step (with the technical metadata), preview step, then the whole set; each says what is stored so far', async () => {
    const asset = await uploadedVideo();
    await deliverUploaded(asset.id);

    const history = await historyOf(asset.id);
    assert.deepEqual(history.map((entry) => [entry.type, (entry.data as any).stage]).slice(2), [
      ['processing', undefined], ['renditions-partial', 'poster'], ['renditions-partial', 'preview'], ['rendered', undefined],
    ]);
    const poster = history.find((entry) => (entry.data as any).stage === 'poster')!.data as any;
    assert.equal(poster.technical.kind, 'video', 'the probe\'s technical metadata is recorded with the poster');
    assert.deepEqual(poster.renditionRows.map((row: any) => row.name), ['poster'], 'its rows replay (asset-projections.ts)');

    assert.deepEqual(await eventsOf(asset.id), [
      { type: 'io.mediateca.asset.renditions-partial', stage: 'poster', renditions: ['poster'] },
      { type: 'io.mediateca.asset.renditions-partial', stage: 'preview', renditions: ['poster', 'preview'] },
      { type: 'io.mediateca.asset.rendered', stage: undefined, renditions: ['poster', 'preview', 'proxy', 'sprite', 'sprite-vtt'] },
    ]);
    assert.equal((await findAsset(platform.db, asset.id))?.state, 'ready');
    assert.equal((await getMetadata(platform.db, asset.id)).technical?.kind, 'video');

    // the same upload event again (a redelivery under another id): the set is recorded, nothing is decided again
    await deliverUploaded(asset.id);
    assert.equal((await historyOf(asset.id)).length, history.length);
    assert.equal((await eventsOf(asset.id)).length, 3);
  });

  test('an attempt resumed after its poster was stored announces the poster step before encoding anything', async () => {
    const asset = await uploadedVideo('processing');
    await platform.store.put(platform.store.buckets.renditions, `newsroom/${asset.id}/v1/poster.jpg`, Buffer.from('jpeg'), 'image/jpeg');
    await putRendition(platform.db, { asset_id: asset.id, name: 'poster', storage_key: `newsroom/${asset.id}/v1/poster.jpg`, content_type: 'image/jpeg', size_bytes: 4, width: 640, height: 360, duration_seconds: null });
    await deliverUploaded(asset.id);

    assert.deepEqual((await eventsOf(asset.id)).map((event) => [event.stage ?? event.type, event.renditions]), [
      ['poster', ['poster']],
      ['preview', ['poster', 'preview']],
      ['io.mediateca.asset.rendered', ['poster', 'preview', 'proxy', 'sprite', 'sprite-vtt']],
    ]);
    assert.deepEqual((await listRenditions(platform.db, asset.id)).find((r) => r.name === 'poster')?.size_bytes, 4, 'the poster made before is kept');
  });

  test('two attempts at once (a redelivery while the first still encodes): both succeed, the set is recorded and announced once', async () => {
    const asset = await uploadedVideo('processing');
    await Promise.all([deliverUploaded(asset.id), deliverUploaded(asset.id)]);
    assert.equal((await historyOf(asset.id)).filter((entry) => entry.type === 'rendered').length, 1);
    assert.equal((await eventsOf(asset.id)).filter((event) => event.type === 'io.mediateca.asset.rendered').length, 1);
    assert.equal((await findAsset(platform.db, asset.id))?.state, 'ready');
  });
});

describe('transcode: progress', () => {
  test('a photo rendered within the progress delay still clears the progress an interrupted attempt left', async () => {
    const asset = await uploaded('image', await makeJpegWithExif({ width: 640, height: 480 }), 'processing');
    await setProgress(platform.db, asset.id, { stage: 'renditions', percent: 30 });
    await deliverUploaded(asset.id, 'image');
    const done = await findAsset(platform.db, asset.id);
    assert.equal(done?.state, 'ready');
    assert.equal(done?.progress, null, 'the interrupted attempt\'s progress is cleared');
    assert.deepEqual((await listRenditions(platform.db, asset.id)).map((r) => r.name), ['preview', 'preview-webp', 'thumbnail']);
  });
});
