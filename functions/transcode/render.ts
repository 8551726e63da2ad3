// Chooses the media pipeline for an asset and hands each finished rendition to `store` as soon as it
// exists, so a job that dies half-way keeps what it made. Heavy modules (sharp, the ffmpeg wrappers) load
// lazily: the function starts fast and pays only for the pipeline it uses.
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Asset } from '../../shared/db/schema.ts';
import type { PartialStage } from '../../shared/domain/asset-commands.ts';
import type { MediaTechnical, TechnicalMetadata } from '../../shared/domain/metadata.ts';
import type { Rendition } from '../../shared/media/ffmpeg.ts';
import { SpanKind, inSpan } from '../../shared/observability/tracing.ts';
import type { Platform } from '../../shared/platform.ts';

/** A problem with the file itself: retrying cannot help, the asset fails with this reason. */
export class PermanentMediaError extends Error {}

export interface RenderedFile {
  name: string;
  /** path under the asset's rendition folder, e.g. `poster.jpg` or `hls/720p/seg-001.ts` */
  path: string;
  /** bytes in memory (images) or a file on disk (audio/video) */
  body: Buffer | string;
  contentType: string;
  size: number;
  width?: number;
  height?: number;
  durationSeconds?: number;
}

export interface RenderOutcome {
  technical: TechnicalMetadata;
  /** rendition name → why it was not made */
  skipped: Record<string, string>;
}

export type Progress = (stage: string, percent: number) => void;
export type Store = (rendition: RenderedFile, extraFiles?: RenderedFile[]) => Promise<void>;
/** Called once the renditions of a progressive step are stored (poster, preview), one call at a time, in order. */
export type Announce = (stage: PartialStage, technical: MediaTechnical) => Promise<void>;

export interface RenderOptions {
  hls: boolean;
  announce: Announce;
}

export async function renderAsset(platform: Platform, asset: Asset, master: string, workDir: string, existing: Set<string>, progress: Progress, untracedStore: Store, options: RenderOptions): Promise<RenderOutcome> {
  if ((await stat(master)).size === 0) throw new PermanentMediaError('the master file is empty');
  const store = traced(untracedStore);
  if (asset.media_type === 'image') return renderImageAsset(platform, master, existing, progress, store);
  if (asset.media_type === 'video' || asset.media_type === 'audio') return renderTimeBased(platform, asset, master, workDir, existing, progress, store, options);
  // Documents and other files are kept and searchable by their descriptive metadata; no renditions.
  return { technical: { contentType: asset.content_type, size: Number(asset.size_bytes) }, skipped: {} };
}

/** A poster read over HTTP takes seconds; a stalled read must not hold back the renditions of the downloaded master. */
const POSTER_FROM_URL_TIMEOUT_MS = 120_000;

/**
 * A video's poster and technical metadata read from `url` (the master in the store, by HTTP range requests) while
 * the master downloads, announced as soon as the poster is stored: a video is searchable in seconds whatever its
 * length. True once announced; false when the file is no video or the URL could not give the poster (a warning),
 * and renderAsset then makes it from the downloaded master: nothing is lost or announced twice.
 */
export async function announcePosterFromUrl(platform: Platform, asset: Asset, url: string, workDir: string, progress: Progress, untracedStore: Store, announce: Announce): Promise<boolean> {
  const { probeMedia } = await import('../../shared/media/probe.ts');
  const { renderVideoPoster } = await import('../../shared/media/video.ts');
  const outDir = `${workDir}/renditions`;
  try {
    progress('probe', 0);
    const probe = await probeMedia(url);
    if (probe.kind !== 'video') return false;
    const { maxDurationSeconds, maxPixels } = platform.config.transcode;
    const poster = await renderVideoPoster(url, probe, outDir, { onProgress: progress, timeoutMs: POSTER_FROM_URL_TIMEOUT_MS, maxDurationSeconds, maxPixels });
    await storeRendition(poster, outDir, traced(untracedStore));
    await announce('poster', { ...probe });
    return true;
  } catch (error) {
    // ffmpeg's messages quote the URL, whose signature reads the master for a while: not in the logs
    const reason = String((error as Error).message).replaceAll(url, '<master URL>');
    platform.logger.warn({ assetId: asset.id, reason }, 'no poster from the master in the store: made from the downloaded master instead');
    return false;
  }
}

/** Each finished rendition's upload (and its rows) is one span in the asset's trace. */
function traced(store: Store): Store {
  return (rendition, extraFiles) => inSpan(`rendition ${rendition.name}`, { kind: SpanKind.INTERNAL, attributes: { 'mediateca.rendition': rendition.name, 'mediateca.rendition.bytes': rendition.size } }, () => store(rendition, extraFiles));
}

async function renderImageAsset(platform: Platform, master: string, existing: Set<string>, progress: Progress, store: Store): Promise<RenderOutcome> {
  const { inspectImage, renderImage, ImageError } = await import('../../shared/media/image.ts');
  try {
    progress('metadata', 5);
    // Inspection (header, EXIF: JavaScript on this thread) overlaps the render (libvips on its own threads). The
    // render refuses what is above the pixel limit before decoding, as the inspection does; the inspection's reason is
    // the one reported, it is the clearer.
    const inspected = inspectImage(master, platform.config.images.maxPixels);
    const rendered = ['thumbnail', 'preview', 'preview-webp'].every((name) => existing.has(name)) ? undefined : renderImage(master, platform.config.images.maxPixels);
    rendered?.catch(() => {});
    const technical = await inspected;
    if (!rendered) return { technical: { ...technical }, skipped: {} };
    progress('renditions', 30);
    const renditions = await rendered;
    await Promise.all(renditions.map((r) => store({ name: r.name, path: `${r.name}.${r.extension}`, body: r.data, contentType: r.contentType, size: r.data.length, width: r.width, height: r.height })));
    return { technical: { ...technical }, skipped: {} };
  } catch (error) {
    if (error instanceof ImageError) throw new PermanentMediaError(error.message);
    throw error;
  }
}

async function renderTimeBased(platform: Platform, asset: Asset, master: string, workDir: string, existing: Set<string>, progress: Progress, store: Store, options: RenderOptions): Promise<RenderOutcome> {
  const { probeMedia } = await import('../../shared/media/probe.ts');
  const { MediaError } = await import('../../shared/media/ffmpeg.ts');
  const outDir = `${workDir}/renditions`;
  const pending: Promise<void>[] = [];
  let technical: MediaTechnical | undefined;
  // progressive steps are announced in order, each once its renditions (and those before) are stored
  let announced = Promise.resolve();
  const announceAfter = (stored: Promise<void>, stage: PartialStage) => {
    announced = Promise.all([announced, stored]).then(() => options.announce(stage, technical!));
    pending.push(announced);
  };
  const callbacks = {
    onProgress: progress,
    // Each rendition is stored as soon as ffmpeg finishes it; the next one is already encoding.
    onRendition: (r: Rendition) => {
      const stored = storeRendition(r, outDir, store);
      pending.push(stored);
      if (r.name === 'poster' || r.name === 'preview') announceAfter(stored, r.name);
    },
    timeoutMs: platform.config.transcode.timeoutMs,
    skip: existing,
  };
  try {
    progress('probe', 0);
    const probe = await probeMedia(master);
    technical = { ...probe };
    if (probe.kind !== asset.media_type && (probe.kind === 'video' || probe.kind === 'audio')) technical.note = `uploaded as ${asset.media_type} but the file is ${probe.kind}: rendered as ${probe.kind}`;
    // made by an earlier attempt: search can have the asset before this one encodes anything
    if (probe.kind === 'video' && existing.has('poster')) announceAfter(Promise.resolve(), 'poster');
    let result;
    if (probe.kind === 'video') {
      const { renderVideo } = await import('../../shared/media/video.ts');
      result = await renderVideo(master, probe, outDir, { ...callbacks, hls: options.hls, maxDurationSeconds: platform.config.transcode.maxDurationSeconds, maxPixels: platform.config.transcode.maxPixels });
    } else if (probe.kind === 'audio') {
      const { renderAudio } = await import('../../shared/media/audio.ts');
      result = await renderAudio(master, probe, outDir, { ...callbacks, maxDurationSeconds: platform.config.transcode.maxDurationSeconds });
    } else {
      throw new PermanentMediaError(`the file was uploaded as ${asset.media_type} (${asset.content_type}) but holds ${probe.kind === 'image' ? 'a still image' : 'no playable audio or video'}`);
    }
    await Promise.all(pending);
    const skipped = Object.fromEntries(result.skipped.filter((s) => !existing.has(s.name)).map((s) => [s.name, s.reason]));
    return { technical, skipped };
  } catch (error) {
    await Promise.allSettled(pending);
    if (error instanceof MediaError && error.permanent) throw new PermanentMediaError(error.reason);
    throw error;
  }
}

async function storeRendition(r: Rendition, outDir: string, store: Store): Promise<void> {
  const toFile = async (file: string, contentType: string): Promise<RenderedFile> => ({
    name: r.name, path: relative(outDir, file), body: file, contentType, size: (await stat(file)).size, width: r.width, height: r.height, durationSeconds: r.durationSeconds,
  });
  const main = await toFile(r.file, r.contentType);
  const others = await Promise.all((r.files ?? []).filter((f) => f.file !== r.file).map((f) => toFile(f.file, f.contentType)));
  await store(main, others);
}
