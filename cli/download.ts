// `mediateca download <asset>`: the original (or a rendition) to a file. Bytes go to `<file>.part` first; a
// later run finds it and asks only for the rest (HTTP Range), then checks the original's SHA-256 and renames.
import { createWriteStream, renameSync, statSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Api } from './api.ts';
import { createProgress } from './progress.ts';
import { sha256Of } from './transfer.ts';

export interface DownloadResult {
  assetId: string;
  file: string;
  bytes: number;
  /** bytes that were already in the .part file and not fetched again */
  resumedFrom: number;
  sha256?: string;
}

export async function download(api: Api, assetId: string, options: { output?: string; rendition?: string; progress: 'bars' | 'lines' | 'quiet' }): Promise<DownloadResult> {
  const asset = await api.get(`/assets/${encodeURIComponent(assetId)}`);
  let url: string | undefined;
  let size: number;
  let filename: string;
  if (options.rendition) {
    const rendition = (asset.renditions as any[]).find((r) => r.name === options.rendition);
    if (!rendition) throw new Error(`asset ${assetId} has no rendition "${options.rendition}"; it has: ${(asset.renditions as any[]).map((r) => r.name).join(', ') || 'none yet'}`);
    url = rendition.url;
    size = rendition.size;
    filename = `${asset.filename.replace(/\.[^.]+$/, '')}.${options.rendition}${extensionFor(rendition.contentType)}`;
  } else {
    url = asset.downloadUrl;
    size = asset.size;
    filename = asset.filename;
    if (!url) throw new Error(`asset ${assetId} has no original to download yet (state ${asset.state})`);
  }
  const file = options.output ?? filename;
  const partial = `${file}.part`;
  let have = 0;
  try {
    have = statSync(partial).size;
  } catch {
    // nothing yet
  }
  if (have > size) have = 0;
  const progress = createProgress(size, options.progress);
  const bar = progress.file(file, size);
  try {
    const response = await fetch(url!, { headers: have > 0 ? { range: `bytes=${have}-` } : {} });
    if (response.status === 416 && have === size) {
      await response.body?.cancel();
    } else {
      if (!response.ok || !response.body) throw new Error(`download failed: ${response.status} ${await response.text().catch(() => '')}`.trim());
      // 206: the server continues where the file stops; 200: it ignored the range, so start over
      if (response.status !== 206) have = 0;
      bar.advance(have);
      const counter = new Transform({ transform(chunk: Buffer, _e, done) { bar.advance(chunk.length); done(null, chunk); } });
      await pipeline(Readable.fromWeb(response.body as any), counter, createWriteStream(partial, { flags: have > 0 ? 'a' : 'w' }));
    }
    const got = statSync(partial).size;
    if (got !== size) throw new Error(`download incomplete: ${got} of ${size} bytes; run it again to continue`);
    let sha256: string | undefined;
    if (!options.rendition && asset.sha256) {
      sha256 = await sha256Of(partial);
      if (sha256 !== asset.sha256) {
        renameSync(partial, `${file}.corrupt`);
        throw new Error(`the downloaded bytes do not match the asset's SHA-256 (kept as ${file}.corrupt)`);
      }
    }
    renameSync(partial, file);
    bar.finish(`downloaded ${file}${have ? ` (resumed at byte ${have})` : ''}`);
    return { assetId, file, bytes: size, resumedFrom: have, sha256 };
  } finally {
    progress.stop();
  }
}

function extensionFor(contentType: string): string {
  const map: Record<string, string> = { 'image/jpeg': '.jpg', 'image/webp': '.webp', 'image/png': '.png', 'video/mp4': '.mp4', 'audio/mpeg': '.mp3', 'audio/mp4': '.m4a', 'text/vtt': '.vtt', 'application/json': '.json', 'application/vnd.apple.mpegurl': '.m3u8' };
  return map[contentType] ?? '';
}

