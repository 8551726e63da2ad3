// transcode: technical metadata and renditions for an uploaded asset, by media type.
// Idempotent at rendition granularity: renditions already stored are not made again unless reprocessing.
import { createReadStream, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { ConcurrentModification, factsOf, findAsset, listRenditions, putMetadata, putRendition, setProgress } from '../../shared/db/assets.ts';
import { currentSchema } from '../../shared/db/metadata-schemas.ts';
import { projectSettings } from '../../shared/db/projects.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { type AssetFacts, type Decision, type EmbeddedMetadata, type PartialStage, type Recorded, failAsset as failedDecision, fillFromEmbedded, recordRenditionsPartial, recordRendered, startProcessing } from '../../shared/domain/asset-commands.ts';
import type { MediaTechnical } from '../../shared/domain/metadata.ts';
import { readEmbeddedMetadata } from '../../shared/media/embedded-metadata.ts';
import { recordDecision } from '../../shared/events/asset-decisions.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import { type EventHandler } from '../../shared/events/handle.ts';
import { acceptEvents } from '../../shared/http/events.ts';
import type { Platform } from '../../shared/platform.ts';
import { versionRenditionKey } from '../../shared/storage/keys.ts';
import { PermanentMediaError, type RenderedFile, announcePosterFromUrl, renderAsset } from './render.ts';

const CONSUMER = 'transcode';
/** how long ffmpeg may read the master through its presigned URL: the probe and the poster take seconds */
const MASTER_URL_SECONDS = 15 * 60;

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, CONSUMER);
  acceptEvents(app, platform, CONSUMER, { 'io.mediateca.asset.uploaded': transcodeUploaded });
  return app;
}

const transcodeUploaded: EventHandler<'io.mediateca.asset.uploaded'> = async (event, platform) => {
  let asset = await findAsset(platform.db, event.data.assetId);
  if (!asset || !['uploaded', 'processing', 'failed'].includes(asset.state)) return;
  if (asset.state === 'failed' && !event.data.reprocess) return;
  if (asset.state !== 'processing') {
    asset = await recordDecision(platform.db, asset, startProcessing(factsOf(asset)), { actor: CONSUMER });
  }
  const workDir = await mkdtemp(join(tmpdir(), 'mediateca-transcode-'));
  const progress = progressWriter(platform, asset);
  try {
    progress.report('downloading', 0);
    const download = platform.store.localFile(platform.store.buckets.masters, asset.storage_key, join(workDir, 'master'));
    download.catch(() => {}); // awaited (and its failure thrown) once the poster is out of the way
    const [existing, settings] = await Promise.all([
      event.data.reprocess ? [] : listRenditions(platform.db, asset.id),
      projectSettings(platform.db, asset.project_id),
    ]);
    const made: string[] = [];
    const store = async (main: RenderedFile, extraFiles: RenderedFile[] = []) => {
      const key = (path: string) => versionRenditionKey(asset!.project_id, asset!.id, asset!.file_version, path);
      for (const file of [...extraFiles, main]) {
        const body = typeof file.body === 'string' ? createReadStream(file.body) : file.body;
        await platform.store.put(platform.store.buckets.renditions, key(file.path), body, file.contentType, file.size);
      }
      await putRendition(platform.db, {
        asset_id: asset!.id,
        name: main.name,
        storage_key: key(main.path),
        content_type: main.contentType,
        size_bytes: main.size + extraFiles.reduce((sum, f) => sum + f.size, 0),
        width: main.width ?? null,
        height: main.height ?? null,
        duration_seconds: main.durationSeconds ?? null,
      });
      made.push(main.name);
    };
    // progressive rendering: search finds the asset with its poster and technical metadata, then its preview plays,
    // while the rest still encodes
    const announced = new Set<PartialStage>();
    const announce = async (stage: PartialStage, technical: MediaTechnical) => {
      // once per attempt: the poster may have been announced from the store's URL already
      if (announced.has(stage)) return;
      await putMetadata(platform.db, asset!.id, 'technical', technical);
      const names = [...new Set([...existing.map((r) => r.name), ...made])].sort();
      const rows = JSON.parse(JSON.stringify(await listRenditions(platform.db, asset!.id))) as Record<string, unknown>[];
      asset = await decideOnLatest(platform, asset!, (facts) => recordRenditionsPartial(facts, stage, names, { renditionRows: rows, technical }));
      announced.add(stage);
    };
    const stored = new Set(existing.map((r) => r.name));
    // A multi-GB master takes longer to download than the poster takes to make from the store's URL: the video is
    // searchable with its poster while the download runs, and the other renditions come from the downloaded file.
    const url = asset.media_type === 'video' && !stored.has('poster') ? await platform.store.readUrl(platform.store.buckets.masters, asset.storage_key, MASTER_URL_SECONDS) : undefined;
    if (url && (await announcePosterFromUrl(platform, asset, url, workDir, progress.report, store, announce))) stored.add('poster');
    const master = await download;
    // read while the renditions render: exifr works on this thread, libvips and ffmpeg on their own
    const embedded = asset.media_type === 'image' ? readEmbeddedMetadata(master) : Promise.resolve({} as EmbeddedMetadata);
    const outcome = await renderAsset(platform, asset, master, workDir, stored, progress.report, store, { hls: settings.hls === true, announce });
    await putMetadata(platform.db, asset.id, 'technical', outcome.technical);
    asset = await fillFromFile(platform, asset, embedded);
    const names = [...new Set([...existing.map((r) => r.name), ...made])].sort();
    // the rows and metadata go into the history too: the read models replay from it (npm run rebuild)
    const rows = JSON.parse(JSON.stringify(await listRenditions(platform.db, asset.id))) as Record<string, unknown>[];
    await finish(platform, asset, names, outcome.skipped, { renditionRows: rows, technical: outcome.technical });
  } catch (error) {
    if (!(error instanceof PermanentMediaError)) throw error;
    await failAsset(platform, asset, error.message);
  } finally {
    await progress.done();
    // synchronously: the folder holds at most a downloaded master and a few hundred renditions, and an asynchronous rm's
    // steps waited 20–30 ms for a thread after a photo's render (the collector freeing its buffers meanwhile)
    rmSync(workDir, { recursive: true, force: true });
  }
};

/** How long a job runs before its progress is written: a photo rendered within it writes none (each write is a transaction). */
const PROGRESS_DELAY_MS = 500;

/**
 * Progress lands on the asset (GET /assets/:id) once the job has run PROGRESS_DELAY_MS, then when the stage changes
 * or every 5 %, not on every ffmpeg tick; writes are chained so `done()` clears it only after the last one (or
 * clears what an earlier, interrupted attempt left).
 */
function progressWriter(platform: Platform, asset: Asset) {
  const started = Date.now();
  let last = { stage: '', percent: -100 };
  let delayed: NodeJS.Timeout | undefined;
  let shown = asset.progress !== null;
  let writes = Promise.resolve();
  const save = (progress: { stage: string; percent: number } | null) => {
    shown = progress !== null;
    writes = writes.then(() => setProgress(platform.db, asset.id, progress)).catch((error) => platform.logger.warn({ err: error, assetId: asset.id }, 'progress not saved'));
  };
  return {
    report(stage: string, percent: number) {
      const rounded = Math.round(percent);
      if (stage === last.stage && rounded - last.percent < 5) return;
      last = { stage, percent: rounded };
      const waited = Date.now() - started;
      if (waited >= PROGRESS_DELAY_MS) save(last);
      else delayed ??= setTimeout(() => save(last), PROGRESS_DELAY_MS - waited);
    },
    async done() {
      clearTimeout(delayed);
      if (shown) save(null);
      await writes;
    },
  };
}

/**
 * What an image's IPTC/XMP/EXIF says (headline, caption, keywords, creator, credit, copyright, usage terms, place)
 * fills what the uploader left empty, and the project's schema defaults the fields with no value; one decision,
 * decided again on the asset as it is now if an editor changed it meanwhile.
 */
async function fillFromFile(platform: Platform, asset: Asset, read: Promise<EmbeddedMetadata>): Promise<Asset> {
  const [embedded, schema] = await Promise.all([read, currentSchema(platform.db, asset.project_id)]);
  const defaultTitle = asset.filename.replace(/\.[^.]+$/, ''); // what an upload without a title is called (uploads/start.ts)
  return decideOnLatest(platform, asset, (facts) => fillFromEmbedded(facts, embedded, schema, defaultTitle));
}

/**
 * Records a decision that does not depend on what an editor may change meanwhile: decided again on the asset as it
 * is now when it changed since it was read (three tries); nothing when the command decides nothing.
 */
async function decideOnLatest(platform: Platform, asset: Asset, decide: (facts: AssetFacts) => Decision | undefined): Promise<Asset> {
  let current = asset;
  for (let attempt = 0; attempt < 3; attempt++) {
    const decision = decide(factsOf(current));
    if (!decision) return current;
    try {
      const recorded = await recordDecision(platform.db, current, decision, { actor: CONSUMER });
      platform.outboxWritten();
      return recorded;
    } catch (error) {
      if (!(error instanceof ConcurrentModification)) throw error;
      current = (await findAsset(platform.db, asset.id)) ?? current;
    }
  }
  return current;
}

/**
 * The whole set, on the asset as it is now: an editor's change or a concurrent attempt's partial step meanwhile
 * does not throw the work away; an attempt that finds the asset no longer processing (another one recorded the set,
 * or it was deleted or failed meanwhile) records nothing, so asset.rendered is not sent twice.
 */
async function finish(platform: Platform, asset: Asset, renditions: string[], skipped: Record<string, string>, recorded: Recorded): Promise<void> {
  await decideOnLatest(platform, asset, (facts) => (facts.state === 'processing' ? recordRendered(facts, renditions, skipped, recorded) : undefined));
}

async function failAsset(platform: Platform, asset: Asset, reason: string): Promise<void> {
  await recordDecision(platform.db, asset, failedDecision(factsOf(asset), reason), { actor: CONSUMER });
  platform.outboxWritten();
  platform.logger.warn({ assetId: asset.id, reason }, 'transcode failed permanently');
}
