// Notification to search: `npm run bench:search-latency`. Prints numbers, never fails on them.
//
// For each of BENCH_SEARCH_IMAGES photos (default 50; distinct photo-like JPEGs with EXIF, 4000×3000 by default,
// BENCH_SEARCH_WIDTH / BENCH_SEARCH_HEIGHT change it), uploaded one at a time through the API:
//   notification → searchable   from the object-created notification until GET /search (by a word unique to the
//                               asset's title, polled every 20 ms) returns the asset
//     embedded: the filesystem store's onObjectCreated, wrapped (fires as the PUT lands)
//     servers:  the moment upload-complete receives Ceph RGW's push (the function's fetch, wrapped)
//   PUT → searchable            from the end of the client's PUT, the figure a user sees
//   baseline                    the pure work: renderImage alone on the same file, run just before each upload
// Modes: embedded (PGlite, filesystem store, in-process events) and servers (PostgreSQL, NATS JetStream, Ceph RGW
// with real bucket notifications; skipped with a message when one is missing). BENCH_SEARCH_MODES=embedded,servers.
// One photo goes through first, uncounted: it warms the process and RGW's new persistent topic (≤ 30 s to first push).
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Host, startHost } from '../host.ts';
import { loadConfig } from '../../shared/config.ts';
import { renderImage } from '../../shared/media/image.ts';
import { FilesystemObjectStore } from '../../shared/storage/filesystem.ts';
import { Client } from '../../test/support/client.ts';
import { makeJpegWithExif } from '../../test/support/images.ts';
import { envNumber, loadAverage, machineLine, median, MiB, percentile, startServerHost, table, timeMs } from './lib.ts';

process.env.LOG_LEVEL ??= 'warn';
const count = envNumber('BENCH_SEARCH_IMAGES', 50);
const width = envNumber('BENCH_SEARCH_WIDTH', 4000);
const height = envNumber('BENCH_SEARCH_HEIGHT', 3000);
const modes = (process.env.BENCH_SEARCH_MODES ?? 'embedded,servers').split(',').map((m) => m.trim());
const POLL_MS = 20;
const TIMEOUT_MS = 90_000;

interface Photo {
  file: string;
  /** a made-up word that only this photo's title holds */
  word: string;
}

interface Sample {
  notificationMs: number;
  putMs: number;
  renderMs: number;
}

/** Arrival time of the first object-created notification per asset id (keys are `<project>/<asset>/original.<ext>`). */
class Arrivals {
  private readonly at = new Map<string, number>();

  record(key: string, time: number): void {
    const assetId = decodeURIComponent(key).split('/')[1] ?? '';
    if (this.at.has(assetId)) return; // a redelivery; the first push is the one that counts
    this.at.set(assetId, time);
  }

  get(assetId: string): number | undefined {
    return this.at.get(assetId);
  }
}

async function makePhotos(dir: string, total: number): Promise<Photo[]> {
  const photos: Photo[] = [];
  for (let i = 0; i < total; i++) {
    const file = join(dir, `photo-${i}.jpg`);
    await writeFile(file, await makeJpegWithExif({ width, height, seed: i + 1 }));
    photos.push({ file, word: uniqueWord() });
  }
  return photos;
}

/** Letters only, so the text search parser sees one plain word. */
function uniqueWord(): string {
  return Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
}

/** Uploads the photo and polls search every 20 ms (without facets: the poll itself should cost little) until it returns the asset. */
async function uploadUntilSearchable(client: Client, photo: Photo, arrivals: Arrivals): Promise<{ notificationMs: number; putMs: number }> {
  const bytes = await readFile(photo.file);
  const { assetId } = await client.upload(bytes, `${photo.word}.jpg`, 'image/jpeg', { title: `Bench ${photo.word}` });
  const putDone = performance.now();
  const deadline = putDone + TIMEOUT_MS;
  for (;;) {
    const result = await client.request('GET', `/search?q=${photo.word}&facets=`);
    const found = performance.now();
    if (result.status === 200 && result.body.hits.some((hit: { assetId: string }) => hit.assetId === assetId)) {
      const notified = arrivals.get(assetId);
      if (notified === undefined) throw new Error(`asset ${assetId} is searchable but no notification was seen for it`);
      return { notificationMs: found - notified, putMs: found - putDone };
    }
    if (found > deadline) {
      const asset = await client.request('GET', `/assets/${assetId}`);
      throw new Error(`asset ${assetId} not searchable after ${TIMEOUT_MS / 1000} s; state ${asset.body?.state} (${asset.body?.stateReason ?? ''}), notification ${arrivals.get(assetId) === undefined ? 'never seen' : 'seen'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function measure(host: Host, arrivals: Arrivals, warmUp: Photo, photos: Photo[]): Promise<Sample[]> {
  const client = new Client(host.url, await host.platform.signer!.mint('bench', { newsroom: 'editor' }));
  const maxPixels = host.platform.config.images.maxPixels;
  await renderImage(warmUp.file, maxPixels);
  await uploadUntilSearchable(client, warmUp, arrivals);
  const samples: Sample[] = [];
  for (const photo of photos) {
    const renderMs = await timeMs(() => renderImage(photo.file, maxPixels));
    samples.push({ ...(await uploadUntilSearchable(client, photo, arrivals)), renderMs });
    process.stdout.write(samples.length === photos.length ? '.\n' : '.');
  }
  return samples;
}

async function embedded(dir: string, warmUp: Photo, photos: Photo[]): Promise<Sample[]> {
  const host = await startHost(loadConfig({ MEDIATECA_DATA: join(dir, 'embedded'), PORT: '0', ENRICH_PARTS: 'none' }), 0);
  try {
    const store = host.platform.store as FilesystemObjectStore;
    const arrivals = new Arrivals();
    const deliver = store.onObjectCreated;
    store.onObjectCreated = (notification) => {
      for (const record of notification.Records) arrivals.record(record.s3?.object?.key ?? '', performance.now());
      deliver(notification);
    };
    return await measure(host, arrivals, warmUp, photos);
  } finally {
    await host.stop();
  }
}

async function servers(dir: string, warmUp: Photo, photos: Photo[]): Promise<Sample[] | undefined> {
  const started = await startServerHost({ dataDir: join(dir, 'servers'), nats: true, notifications: true });
  if (!started) return undefined;
  try {
    const arrivals = new Arrivals();
    // Wrapped in the host's functions map: the host routes /_fn/upload-complete/ through this property.
    const uploadComplete = started.host.functions['upload-complete']!;
    const handle = uploadComplete.fetch;
    uploadComplete.fetch = ((request: Request, ...rest: unknown[]) => {
      const receivedAt = performance.now();
      void request.clone().json().then(
        (body: { Records?: Array<{ s3: { object: { key: string } } }> }) => { for (const record of body.Records ?? []) arrivals.record(record.s3.object.key, receivedAt); },
        () => {},
      );
      return (handle as (...args: unknown[]) => Response | Promise<Response>)(request, ...rest);
    }) as typeof handle;
    return await measure(started.host, arrivals, warmUp, photos);
  } finally {
    await started.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mediateca-bench-search-'));
  try {
    console.log(`generating ${count + 1} distinct ${width}×${height} JPEGs with EXIF …`);
    const [warmUp, ...photos] = await makePhotos(dir, count + 1);
    const size = (await readFile(photos[0]!.file)).length;
    console.log(`${machineLine()}\n${count} photos of ${(size / MiB).toFixed(1)} MiB each, uploaded one at a time, search polled every ${POLL_MS} ms\n`);
    const results = new Map<string, Sample[]>();
    for (const mode of modes) {
      console.log(`${mode}:`);
      const samples = mode === 'embedded' ? await embedded(dir, warmUp!, photos) : mode === 'servers' ? await servers(dir, warmUp!, photos) : undefined;
      if (samples) results.set(mode, samples);
      else console.log(`  ${mode}: skipped\n`);
    }
    console.log();
    for (const [mode, samples] of results) {
      const render = median(samples.map((s) => s.renderMs));
      const notification = samples.map((s) => s.notificationMs);
      const put = samples.map((s) => s.putMs);
      // negative where the notification fires before the PUT's answer reaches the client (embedded)
      const delivery = samples.map((s) => s.putMs - s.notificationMs);
      console.log(`${mode} (${samples.length} photos)`);
      table([
        ['', 'p50 ms', 'p95 ms', 'p50 ÷ render', 'p95 ÷ render'],
        ['notification → searchable', median(notification), percentile(notification, 95), median(notification) / render, percentile(notification, 95) / render],
        ['PUT done → searchable', median(put), percentile(put, 95), median(put) / render, percentile(put, 95) / render],
        ['  PUT done → notification', median(delivery), percentile(delivery, 95), '', ''],
        ['baseline: renderImage alone', render, percentile(samples.map((s) => s.renderMs), 95), 1, percentile(samples.map((s) => s.renderMs), 95) / render],
      ]);
    }
    console.log(`load average at the end: ${loadAverage()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
