// transcode on the real Ceph RGW (scripts/services/ceph-rgw.sh): a video is announced with its poster and technical
// metadata, read from the store's presigned URL, while its master is still downloading; the other renditions follow
// from the downloaded file. A URL ffmpeg cannot read falls back to the downloaded master. Buckets of its own per run.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { changeAsset, createUploadingAsset, findAsset, getMetadata, listRenditions } from '../../shared/db/assets.ts';
import { loadConfig } from '../../shared/config.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { type DeliveryResult, deliverToFunction } from '../../shared/events/deliver.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { type Platform, createPlatform } from '../../shared/platform.ts';
import { S3ObjectStore } from '../../shared/storage/s3.ts';
import { createApp } from '../../functions/transcode/index.ts';
import { mediaCorpus } from '../support/media-corpus.ts';
import { S3, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';

const available = await requireServer('Ceph RGW (S3)', S3.endpoint);

/** The RGW store, with downloads (localFile) held until released, and a read URL that can be made unreadable. */
class HeldDownloadStore extends S3ObjectStore {
  downloadsFinished = 0;
  unreadableUrl = false;
  private held = Promise.resolve();
  private release = () => {};

  hold(): void {
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  releaseDownloads(): void {
    this.release();
  }

  override async localFile(bucket: string, key: string, file: string): Promise<string> {
    await this.held;
    const downloaded = await super.localFile(bucket, key, file);
    this.downloadsFinished++;
    return downloaded;
  }

  override async readUrl(bucket: string, key: string, expiresInSeconds: number): Promise<string> {
    return super.readUrl(bucket, this.unreadableUrl ? `${key}.missing` : key, expiresInSeconds);
  }
}

describe('transcode on Ceph RGW: the poster before the master is downloaded', { skip: !available }, () => {
  const run = `mt-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const store = new HeldDownloadStore(S3, { incoming: `${run}-incoming`, masters: `${run}-masters`, renditions: `${run}-renditions`, analytics: `${run}-analytics` });
  const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-transcode-s3-'));
  let platform: Platform;
  let video: Buffer;

  before(async () => {
    video = await readFile((await mediaCorpus()).vfr); // 3 s 640×360, no sound
    await store.ensureBuckets();
    platform = await createPlatform({ name: 'test', config: loadConfig({ MEDIATECA_DATA: dataDir, DATABASE_URL: 'memory://' }), store });
  });

  after(async () => {
    store.releaseDownloads();
    await platform?.close();
    await emptyAndDeleteBuckets(store);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** An uploaded video whose master is in the masters bucket. */
  async function uploadedVideo() {
    const assetId = randomUUID();
    const storageKey = `newsroom/${assetId}/original.mp4`;
    await store.put(store.buckets.masters, storageKey, video, 'video/mp4');
    let asset = await createUploadingAsset(platform.db, {
      id: assetId, project_id: 'newsroom', media_type: 'video', title: 'Pleno', description: '', tags: [], filename: 'pleno.mp4', content_type: 'video/mp4',
      size_bytes: video.length, expected_sha256: null, sha256: 'ab', storage_key: storageKey, duplicate_of: null, state_reason: null, progress: null, owner: 'tester',
    }, { id: randomUUID(), bucket: 'incoming', storage_key: `newsroom/${assetId}/incoming.mp4`, multipart_upload_id: null, part_size: null, part_count: null, expires_at: new Date(Date.now() + 60_000) });
    asset = await changeAsset(platform.db, asset, { expectedVersion: asset.version, set: { state: 'uploaded' }, history: { type: 'uploaded', actor: 'test' } });
    return asset;
  }

  const deliverUploaded = (assetId: string): Promise<DeliveryResult> => {
    const event = newEvent('io.mediateca.asset.uploaded', EVENT_SOURCE, { assetId, projectId: 'newsroom', version: 2, mediaType: 'video', contentType: 'video/mp4', sha256: 'ab', size: video.length }, assetId);
    return deliverToFunction((request) => createApp(platform).fetch(request), event, platform.eventsSecret);
  };

  const eventsOf = async (assetId: string) =>
    (await platform.db.selectFrom('outbox').select(['type', 'data']).where('subject', '=', assetId).orderBy(sql`id::bigint`).execute())
      .filter((row) => row.type.startsWith('io.mediateca.asset.'))
      .map((row) => [(row.data as any).stage ?? row.type, (row.data as any).renditions as string[]]);

  const ALL_EVENTS = [
    ['poster', ['poster']],
    ['preview', ['poster', 'preview']],
    ['io.mediateca.asset.rendered', ['poster', 'preview', 'proxy', 'sprite', 'sprite-vtt']],
  ];

  test('announced with its poster and technical metadata while the download is held; ready with every rendition once it ends', async () => {
    const asset = await uploadedVideo();
    store.hold();
    const delivery = deliverUploaded(asset.id);
    try {
      let posterStep: any;
      for (const started = Date.now(); !posterStep && Date.now() - started < 30_000; await sleep(100)) {
        const history = await platform.db.selectFrom('asset_events').select(['type', 'data']).where('asset_id', '=', asset.id).orderBy('version').execute();
        posterStep = history.find((entry) => entry.type === 'renditions-partial' && (entry.data as any).stage === 'poster')?.data;
      }
      assert.ok(posterStep, 'the poster step is announced within 30 s while the master download is held');
      assert.equal(store.downloadsFinished, 0, 'the master is still downloading');
      assert.equal(posterStep.technical.kind, 'video');
      assert.equal(posterStep.technical.video.width, 640);
      assert.equal(posterStep.technical.sizeBytes, video.length, 'the size comes from the store\'s answer');
      assert.deepEqual(posterStep.renditionRows.map((row: any) => row.name), ['poster']);
      assert.ok((await store.head(store.buckets.renditions, posterStep.renditionRows[0].storage_key))!.size > 1000, 'the poster is in the renditions bucket');
      assert.deepEqual(await eventsOf(asset.id), ALL_EVENTS.slice(0, 1));
    } finally {
      store.releaseDownloads();
    }
    const result = await delivery;
    assert.equal(result.outcome, 'ack', result.reason);
    assert.equal(store.downloadsFinished, 1);
    assert.equal((await findAsset(platform.db, asset.id))?.state, 'ready');
    assert.deepEqual(await eventsOf(asset.id), ALL_EVENTS, 'each step announced once, the poster included');
    assert.deepEqual((await listRenditions(platform.db, asset.id)).map((r) => r.name).sort(), ['poster', 'preview', 'proxy', 'sprite', 'sprite-vtt']);
    assert.equal((await getMetadata(platform.db, asset.id)).technical?.sizeBytes, video.length);
  });

  test('a read URL ffmpeg cannot read: the poster comes from the downloaded master, nothing is lost or announced twice', async () => {
    const asset = await uploadedVideo();
    store.unreadableUrl = true;
    try {
      const result = await deliverUploaded(asset.id);
      assert.equal(result.outcome, 'ack', result.reason);
    } finally {
      store.unreadableUrl = false;
    }
    assert.equal((await findAsset(platform.db, asset.id))?.state, 'ready');
    assert.deepEqual(await eventsOf(asset.id), ALL_EVENTS);
    assert.deepEqual((await listRenditions(platform.db, asset.id)).map((r) => r.name).sort(), ['poster', 'preview', 'proxy', 'sprite', 'sprite-vtt']);
  });
});
