// Chooses the media pipeline for an asset and returns what to store. Heavy modules load lazily, so the
// function starts fast and only pays for sharp or ffmpeg when it needs them.
import { stat } from 'node:fs/promises';
import type { Asset } from '../../shared/db/schema.ts';
import type { Platform } from '../../shared/platform.ts';

export class PermanentMediaError extends Error {}

export interface RenderedFile {
  name: string;
  data: Buffer;
  extension: string;
  contentType: string;
  size: number;
  width?: number;
  height?: number;
}

export interface RenderResult {
  technical: Record<string, unknown>;
  renditions: RenderedFile[];
  /** rendition name → why it was not made */
  skipped: Record<string, string>;
}

export type Progress = (stage: string, percent: number) => Promise<void>;

export async function renderAsset(platform: Platform, asset: Asset, master: string, _workDir: string, existing: Set<string>, progress: Progress): Promise<RenderResult> {
  if ((await stat(master)).size === 0) throw new PermanentMediaError('the master file is empty');
  if (asset.media_type === 'image') return renderImageAsset(platform, master, existing, progress);
  return { technical: { contentType: asset.content_type, size: Number(asset.size_bytes) }, renditions: [], skipped: {} };
}

async function renderImageAsset(platform: Platform, master: string, existing: Set<string>, progress: Progress): Promise<RenderResult> {
  const { inspectImage, renderImage, ImageError } = await import('../../shared/media/image.ts');
  try {
    await progress('metadata', 5);
    const technical = await inspectImage(master, platform.config.images.maxPixels);
    const wanted = ['thumbnail', 'preview', 'preview-webp'];
    if (wanted.every((name) => existing.has(name))) return { technical: { ...technical }, renditions: [], skipped: {} };
    await progress('renditions', 30);
    const renditions = await renderImage(master, platform.config.images.maxPixels);
    await progress('storing', 90);
    return {
      technical: { ...technical },
      renditions: renditions.map((r) => ({ name: r.name, data: r.data, extension: r.extension, contentType: r.contentType, size: r.data.length, width: r.width, height: r.height })),
      skipped: {},
    };
  } catch (error) {
    if (error instanceof ImageError) throw new PermanentMediaError(error.message);
    throw error;
  }
}

