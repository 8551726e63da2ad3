// Key frames of a video for enrichment: the first frame and the frames where the scene changes, spread over
// the clip, as JPEGs with their timestamps. Models run on these instead of every frame.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runFfmpeg } from './ffmpeg.ts';

export interface Keyframe {
  file: string;
  /** seconds from the start of the video */
  time: number;
}

export interface KeyframeOptions {
  /** at most this many frames (default 12) */
  maxFrames?: number;
  /** ffmpeg scene score (0..1) above which a frame starts a new scene (default 0.3) */
  sceneThreshold?: number;
  /** long side of the JPEGs in pixels (default 1280) */
  longSide?: number;
  signal?: AbortSignal;
}

/**
 * Writes the key frames of `video` into `outDir` (which must exist and be empty) in one decode. Scene changes
 * closer than duration / maxFrames to the previous key frame are skipped, so a clip with many early cuts
 * still gets frames from its whole length.
 */
export async function extractKeyframes(video: string, durationSeconds: number, outDir: string, options: KeyframeOptions = {}): Promise<Keyframe[]> {
  const maxFrames = options.maxFrames ?? 12;
  const threshold = options.sceneThreshold ?? 0.3;
  const longSide = options.longSide ?? 1280;
  const minGap = Math.max(1, durationSeconds / maxFrames);
  const times = join(outDir, 'times.txt');
  const select = `select='isnan(prev_selected_t)+gt(scene\\,${threshold})*gte(t-prev_selected_t\\,${minGap.toFixed(3)})'`;
  const scale = `scale='if(gt(iw,ih),min(iw,${longSide}),-2)':'if(gt(iw,ih),-2,min(ih,${longSide}))'`;
  await runFfmpeg(
    ['-i', video, '-an', '-vf', `${select},metadata=print:file=${times},${scale}`, '-fps_mode', 'vfr', '-frames:v', String(maxFrames), '-q:v', '3', join(outDir, 'frame-%03d.jpg')],
    { signal: options.signal },
  );
  const frameTimes = parseFrameTimes(await readFile(times, 'utf8').catch(() => ''));
  const files = (await readdir(outDir)).filter((name) => /^frame-\d+\.jpg$/.test(name)).sort();
  return files.map((name, i) => ({ file: join(outDir, name), time: frameTimes[i] ?? 0 }));
}

/** The pts_time of each frame in the metadata filter's print output ("frame:0 pts:0 pts_time:0" lines). */
export function parseFrameTimes(text: string): number[] {
  return [...text.matchAll(/^frame:\d+\s+pts:\S+\s+pts_time:([\d.]+)/gm)].map((match) => Number(match[1]));
}
