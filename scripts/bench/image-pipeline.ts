// Image pipeline overhead: `npm run bench:image`. Prints numbers, never fails on them.
//
// A 24 MP photo-like JPEG with EXIF (6000×4000; BENCH_IMAGE_WIDTH / BENCH_IMAGE_HEIGHT change it).
//   baseline   sharp written directly: the file decoded once from disk to a 1200 px raw buffer, then the
//              300 px thumbnail JPEG, the 1200 px preview JPEG and the WebP derived from it (what renderImage does)
//   renderImage  the library call alone (shared/media/image.ts), for the split between library and function
//   download, inspectImage  two of the function's own steps alone (store.localFile: the master as a local file; header + EXIF), so that
//              what is left of the overhead (storing renditions, database writes) can be read off
//   function   the whole transcode function: an io.mediateca.asset.uploaded CloudEvent POSTed over HTTP to the
//              transcode app on the embedded platform (PGlite in a data folder, fsync on; filesystem store), which
//              downloads the master, inspects it, renders, stores the renditions and the metadata, moves the asset
//              to `ready` and writes the outbox. The same asset is reprocessed each round (`reprocess: true`, the
//              asset moved back to `processing` through the repository, outside the timing).
// The variants run interleaved (A B C D E A B C D E …) for BENCH_IMAGE_ROUNDS rounds (default 10) after one warm-up,
// each after a full garbage collection (outside the timing): the baseline ran right after the function and paid for
// its garbage (175 ms against renderImage's 155 ms for the same work, before).
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { serve } from '@hono/node-server';
import sharp from 'sharp';
import { createApp as transcodeApp } from '../../functions/transcode/index.ts';
import { loadConfig } from '../../shared/config.ts';
import { changeAsset, createUploadingAsset, findAsset, listRenditions } from '../../shared/db/assets.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { EVENTS_SECRET_HEADER, eventsSecretOf } from '../../shared/events/secret.ts';
import { inspectImage, renderImage } from '../../shared/media/image.ts';
import { createPlatform, type Platform } from '../../shared/platform.ts';
import { sha256Of } from '../../shared/storage/checksum.ts';
import { makeJpegWithExif } from '../../test/support/images.ts';
import { envNumber, interleave, loadAverage, machineLine, MiB, median, percentile, table } from './lib.ts';

process.env.LOG_LEVEL ??= 'warn';
const width = envNumber('BENCH_IMAGE_WIDTH', 6000);
const height = envNumber('BENCH_IMAGE_HEIGHT', 4000);
const rounds = envNumber('BENCH_IMAGE_ROUNDS', 10);
const GOAL = 1.15;
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** The three renditions exactly as renderImage makes them, written straight against sharp. */
async function sharpDirect(file: string, maxPixels: number): Promise<void> {
  const { data, info } = await sharp(file, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true })
    .autoOrient()
    .resize({ width: 1200, height: 1200, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  await Promise.all([
    sharp(data, raw).flatten({ background: '#ffffff' }).jpeg({ quality: 82, progressive: true }).toBuffer(),
    sharp(data, raw).webp({ quality: 80 }).toBuffer(),
    sharp(data, raw).resize({ width: 300, height: 300, fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer(),
  ]);
}

/** An asset in state `uploaded` whose master lies in the masters bucket, as upload-complete leaves it. */
async function uploadedAsset(platform: Platform, file: string, bytes: Buffer): Promise<{ id: string; key: string; sha256: string }> {
  const id = crypto.randomUUID();
  const key = `bench/${id}/original.jpg`;
  const created = await createUploadingAsset(platform.db, {
    id, project_id: 'bench', media_type: 'image', title: 'bench photo', description: '', tags: [], filename: 'photo.jpg', content_type: 'image/jpeg',
    size_bytes: bytes.length, expected_sha256: null, sha256: null, storage_key: key, duplicate_of: null, state_reason: null, progress: null, owner: 'bench',
  }, { id: crypto.randomUUID(), bucket: platform.store.buckets.incoming, storage_key: key, multipart_upload_id: null, part_size: null, part_count: null, expires_at: new Date(Date.now() + 3600_000) });
  await platform.store.put(platform.store.buckets.masters, key, bytes, 'image/jpeg');
  const sha256 = await sha256Of(createReadStream(file));
  await changeAsset(platform.db, created, { expectedVersion: created.version, set: { state: 'uploaded', sha256 }, history: { type: 'uploaded', actor: 'bench' } });
  return { id, key, sha256 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mediateca-bench-image-'));
  const platform = await createPlatform({ name: 'bench', config: loadConfig({ MEDIATECA_DATA: dir }) });
  const app = transcodeApp(platform);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const secret = eventsSecretOf(platform.config);
  try {
    await platform.store.ensureBuckets();
    console.log(`generating a ${width}×${height} JPEG with EXIF …`);
    const bytes = await makeJpegWithExif({ width, height });
    const file = join(dir, 'photo.jpg');
    await writeFile(file, bytes);
    const { id: assetId, key: masterKey, sha256 } = await uploadedAsset(platform, file, bytes);
    const maxPixels = platform.config.images.maxPixels;
    console.log(`${machineLine()}\nsource: ${width}×${height} JPEG, ${(bytes.length / MiB).toFixed(1)} MiB · ${rounds} interleaved rounds after 1 warm-up\n`);

    let first = true;
    let version = 2;
    const samples = await interleave({
      baseline: () => sharpDirect(file, maxPixels),
      renderImage: () => renderImage(file, maxPixels),
      download: () => platform.store.localFile(platform.store.buckets.masters, masterKey, join(dir, 'downloaded.jpg')),
      inspectImage: () => inspectImage(file, maxPixels),
      function: async () => {
        const event = newEvent('io.mediateca.asset.uploaded', EVENT_SOURCE, {
          assetId, projectId: 'bench', version, mediaType: 'image', contentType: 'image/jpeg', sha256, size: bytes.length, reprocess: !first,
        }, assetId);
        first = false;
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json', [EVENTS_SECRET_HEADER]: secret }, body: JSON.stringify(event) });
        const body = await response.json() as { status?: string };
        if (!response.ok || body.status !== 'processed') throw new Error(`transcode answered ${response.status}: ${JSON.stringify(body)}`);
      },
    }, {
      rounds,
      // Reprocessing, as an admin's POST /assets/:id/reprocess does it: ready → processing, then the event.
      between: async (name) => {
        collectGarbage();
        if (name !== 'function') return;
        const asset = (await findAsset(platform.db, assetId))!;
        if (asset.state === 'ready') {
          ({ version } = await changeAsset(platform.db, asset, { expectedVersion: asset.version, set: { state: 'processing' }, history: { type: 'reprocess-requested', actor: 'bench' } }));
        }
      },
      onRound: (round) => process.stdout.write(round === rounds ? '.\n\n' : '.'),
    });

    const asset = (await findAsset(platform.db, assetId))!;
    const renditions = await listRenditions(platform.db, assetId);
    if (asset.state !== 'ready' || renditions.length !== 3) throw new Error(`the function did not finish the asset: state ${asset.state}, ${renditions.length} renditions`);

    const base = median(samples.baseline);
    const labels = {
      baseline: 'baseline: sharp direct, 1 decode → 3 outputs',
      renderImage: 'renderImage (library alone)',
      function: 'transcode function (event → ready)',
      download: '  of which: the master as a local file',
      inspectImage: '  of which: inspectImage (header + EXIF)',
    } as const;
    table([
      ['variant', 'median ms', 'p10 ms', 'p90 ms', '× baseline'],
      ...(Object.keys(labels) as (keyof typeof labels)[]).map((name) => [
        labels[name], median(samples[name]), percentile(samples[name], 10), percentile(samples[name], 90), median(samples[name]) / base,
      ]),
    ]);
    const ratio = median(samples.function) / base;
    const rest = median(samples.function) - median(samples.renderImage) - median(samples.download) - median(samples.inspectImage);
    console.log(`overhead of the function path: ${ratio.toFixed(3)} × the raw sharp work (goal ≤ ${GOAL}: ${ratio <= GOAL ? 'met' : 'not met'} in this run); ${(median(samples.function) / median(samples.renderImage)).toFixed(3)} × renderImage`);
    console.log(`left after render + download + inspect: ${rest.toFixed(1)} ms (storing 3 renditions, database writes, HTTP, event handling)`);
    console.log(`load average at the end: ${loadAverage()}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
