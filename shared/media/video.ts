// Video renditions: poster, waveform, browser preview, editing proxy, scrubbing sprite + WebVTT, and an
// optional HLS ladder, in the order people wait for them: the poster first (search shows it), then the preview in a
// pass of its own (it can be played as soon as it is published), then proxy, sprite and HLS out of ONE decode of
// the master (`-filter_complex split`): decoding a camera master costs as much as a small encode, so only the
// preview pays a decode of its own.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  DEFAULT_LIMITS,
  even,
  isUrl,
  keyframesBefore,
  keyframesNear,
  MediaError,
  type MediaLimits,
  readableSeconds,
  type RenderCallbacks,
  RenderJob,
  type RenderResult,
  type Rendition,
  type SkippedRendition,
} from './ffmpeg.ts';
import { type MediaProbe, mediaDurationSeconds, type VideoStreamInfo } from './probe.ts';
import { renderWaveform } from './waveform.ts';

export interface VideoRenderOptions extends RenderCallbacks, MediaLimits {
  /** also render the HLS ladder (a per-project setting) */
  hls?: boolean;
  /** rendition names that already exist; a group (sprite + sprite-vtt, waveform + waveform-peaks) is skipped when all its names are here */
  skip?: ReadonlySet<string>;
}

/** Renditions by group: the names a group produces together. */
export const VIDEO_RENDITION_GROUPS = {
  poster: ['poster'],
  waveform: ['waveform', 'waveform-peaks'],
  preview: ['preview'],
  proxy: ['proxy'],
  sprite: ['sprite', 'sprite-vtt'],
  hls: ['hls'],
} as const;
type Group = keyof typeof VIDEO_RENDITION_GROUPS;

export const SPRITE_TILE_WIDTH = 160;
export const SPRITE_MAX_TILES = 100;
const SPRITE_COLUMNS = 10;
const HLS_SEGMENT_SECONDS = 4;
const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p'];
/**
 * The preview is what people wait for: veryfast with the cheapest motion search (diamond, subpixel refinement 1)
 * spends about a fifth less CPU for about a fifth more bytes; superfast would save less and cost 3× the bytes, as
 * it drops macroblock-tree rate control (docs/benchmarks.md, bench:video section (e)).
 */
export const PREVIEW_X264_SPEED = ['-x264-params', 'me=dia:subme=1'];
// Previews are for the web and for sharing: no GPS or device tags, no chapters.
const NO_METADATA = ['-map_metadata', '-1', '-map_chapters', '-1'];

/** Renders a video master's renditions into outDir. Throws MediaError when the master is too long, too large or damaged. */
export async function renderVideo(file: string, probe: MediaProbe, outDir: string, options: VideoRenderOptions = {}): Promise<RenderResult> {
  const { video, duration } = checkVideo(probe, options);
  const { groups, skipped } = planGroups(probe, options);
  const job = await RenderJob.start(outDir, options, { file, durationSeconds: duration, durationEstimated: probe.durationEstimated });
  try {
    if (groups.has('poster')) await renderPoster(job, file, video, duration);
    // The audio stream may rightly end before the picture: hold its decode to the stream's own duration.
    if (groups.has('waveform') && probe.audio) await renderWaveform(job, file, probe.audio, duration, job.declaredSeconds === undefined ? undefined : probe.audio.durationSeconds);
    if (groups.has('preview')) await renderEncodes(job, 'preview', file, probe, video, duration, new Set(['preview']));
    const rest = new Set([...groups].filter((group) => group === 'proxy' || group === 'sprite' || group === 'hls'));
    if (rest.size > 0) await renderEncodes(job, 'encode', file, probe, video, duration, rest);
    return { renditions: job.renditions, skipped };
  } finally {
    await job.close();
  }
}

/**
 * Renders only the poster, e.g. from the store's URL while the master still downloads (search shows the video
 * before the master is here); renderVideo later skips it. Throws MediaError as renderVideo does.
 */
export async function renderVideoPoster(file: string, probe: MediaProbe, outDir: string, options: RenderCallbacks & MediaLimits = {}): Promise<Rendition> {
  const { video, duration } = checkVideo(probe, options);
  const job = await RenderJob.start(outDir, options, { file, durationSeconds: duration, durationEstimated: probe.durationEstimated });
  try {
    await renderPoster(job, file, video, duration);
    return job.renditions[0]!;
  } finally {
    await job.close();
  }
}

/** The video stream and duration to render, within the limits. */
function checkVideo(probe: MediaProbe, options: MediaLimits): { video: VideoStreamInfo; duration: number } {
  const video = probe.video;
  if (probe.kind !== 'video' || !video) throw new MediaError('unsupported', `not a video file (detected ${probe.kind})`);
  const duration = probe.durationSeconds;
  if (!duration) throw new MediaError('unreadable', 'the video does not say how long it is');
  const { maxDurationSeconds, maxPixels } = { ...DEFAULT_LIMITS, ...options };
  if (duration > maxDurationSeconds) {
    throw new MediaError('too-long', `the video lasts ${Math.round(duration)} s, longer than the ${maxDurationSeconds} s limit`);
  }
  if (video.width * video.height > maxPixels) {
    throw new MediaError('too-large', `the frame is ${video.width}×${video.height}, more than the ${maxPixels}-pixel limit`);
  }
  return { video, duration };
}

function planGroups(probe: MediaProbe, options: VideoRenderOptions): { groups: Set<Group>; skipped: SkippedRendition[] } {
  const groups = new Set<Group>();
  const skipped: SkippedRendition[] = [];
  for (const [group, names] of Object.entries(VIDEO_RENDITION_GROUPS) as [Group, readonly string[]][]) {
    // HLS switched off is a choice, not a missing rendition: it is neither made nor reported.
    if (group === 'hls' && !options.hls) continue;
    const reason =
      group === 'waveform' && !probe.audio
          ? 'the video has no audio'
          : names.every((name) => options.skip?.has(name))
            ? 'already rendered (skipped on request)'
            : undefined;
    if (reason) skipped.push(...names.map((name) => ({ name, reason })));
    else groups.add(group);
  }
  return { groups, skipped };
}

/** Fits the display size into a long × short box, keeping orientation and aspect, never enlarging; even sides. */
export function fitWithin(width: number, height: number, longSide: number, shortSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height), shortSide / Math.min(width, height));
  return { width: even(width * scale), height: even(height * scale) };
}

// ---- poster ----------------------------------------------------------------------------------------

const POSTER_CANDIDATES = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85];
const PROBE_FRAME = { width: 64, height: 36 };

/**
 * Picks the poster among a few frames across the video (one ffmpeg run, an input seek each): every candidate
 * is written as a JPEG and as a tiny grey thumbnail, and the one with the most contrast wins, which
 * passes over black, faded and blank frames. A candidate with a keyframe near its time (within half the spacing
 * of the candidates) is that keyframe, decoded alone; one without is decoded from the keyframe before it up to
 * its exact time (an accurate seek: on a 20 s 1080p clip with keyframes every 2–3 s, six accurate seeks took
 * 2.9 s and six keyframes 1.2 s, and the poster is what makes a video searchable).
 */
async function renderPoster(job: RenderJob, file: string, video: VideoStreamInfo, duration: number): Promise<void> {
  const size = fitWithin(video.displayWidth, video.displayHeight, 1920, 1080);
  const times = duration < 1 ? [{ time: 0, keyframe: false }] : await posterTimes(file, video.index, POSTER_CANDIDATES.map((fraction) => fraction * duration), (POSTER_CANDIDATES[1]! - POSTER_CANDIDATES[0]!) * duration / 2);
  const inputs = times.flatMap(({ time, keyframe }) => [...(keyframe ? ['-noaccurate_seek'] : []), '-ss', time.toFixed(3), '-t', '1', '-threads', String(job.threads), '-i', file]);
  const graph = times.map(
    (_, i) =>
      `[${i}:${video.index}]trim=end_frame=1${video.hdr ? `,${toneMap(size)}` : ''},split=2[full${i}][small${i}];` +
      `[full${i}]scale=${size.width}:${size.height},setsar=1[poster${i}];` +
      `[small${i}]scale=${PROBE_FRAME.width}:${PROBE_FRAME.height},format=gray[grey${i}]`,
  );
  const outputs = times.flatMap((_, i) => [
    ...['-map', `[poster${i}]`, '-frames:v', '1', '-q:v', '3', job.tmp(`poster-${i}.jpg`)],
    ...['-map', `[grey${i}]`, '-frames:v', '1', '-c:v', 'rawvideo', '-f', 'rawvideo', job.tmp(`poster-${i}.grey`)],
  ]);
  await job.run('poster', [...inputs, '-filter_complex', graph.join(';'), ...outputs]);

  let best: { index: number; score: number } | undefined;
  let missing = 0;
  for (let i = 0; i < times.length; i++) {
    const grey = await readFile(job.tmp(`poster-${i}.grey`)).catch(() => undefined);
    if (!grey || grey.length !== PROBE_FRAME.width * PROBE_FRAME.height) {
      missing++;
      continue;
    }
    const score = posterScore(grey);
    if (!best || score > best.score) best = { index: i, score };
  }
  // A time with no frame may be past the end of a truncated file: see how far its data really goes.
  if (missing > 0) job.assertComplete(await readableSeconds(file), job.declaredSeconds);
  if (!best) throw new MediaError('ffmpeg-failed', 'no frame of the video could be decoded for the poster');
  await rename(job.tmp(`poster-${best.index}.jpg`), job.tmp('poster.jpg'));
  await job.publish('poster.jpg', { name: 'poster', contentType: 'image/jpeg', ...size });
}

/**
 * Each candidate time, moved to the nearest keyframe within `within` seconds when there is one (a keyframe two
 * candidates share is taken once). Seeking to a keyframe's time without accuracy lands on that keyframe exactly;
 * the time is nudged past it so that rounding cannot land on the one before.
 */
async function posterTimes(file: string, streamIndex: number, candidates: number[], within: number): Promise<{ time: number; keyframe: boolean }[]> {
  // over HTTP only the keyframe before each candidate: keyframesNear's stretches would read most of the master
  const keyframes = await (isUrl(file) ? keyframesBefore(file, streamIndex, candidates) : keyframesNear(file, streamIndex, candidates, within)).catch(() => []);
  const taken = new Set<number>();
  const times: { time: number; keyframe: boolean }[] = [];
  for (const candidate of candidates) {
    const nearest = keyframes.filter((k) => Math.abs(k - candidate) <= within).sort((a, b) => Math.abs(a - candidate) - Math.abs(b - candidate))[0];
    if (nearest === undefined) times.push({ time: candidate, keyframe: false });
    else if (!taken.has(nearest)) {
      taken.add(nearest);
      times.push({ time: nearest + 0.001, keyframe: true });
    }
  }
  return times;
}

/** Luma contrast (standard deviation), discounted for frames that are nearly black or nearly white. */
export function posterScore(grey: Uint8Array): number {
  let sum = 0;
  let squares = 0;
  for (const value of grey) {
    sum += value;
    squares += value * value;
  }
  const mean = sum / grey.length;
  const deviation = Math.sqrt(Math.max(0, squares / grey.length - mean * mean));
  return mean < 24 || mean > 232 ? deviation / 4 : deviation;
}

// ---- preview; proxy, sprite, HLS from one decode ----------------------------------------------------

interface Output {
  /** the filter chain after the shared decode, ending in `[label]` */
  chain: string;
  args: string[];
}

/** One decode of the master feeding the groups given; `stage` names the ffmpeg run (progress, benchmarks). */
async function renderEncodes(
  job: RenderJob,
  stage: 'preview' | 'encode',
  file: string,
  probe: MediaProbe,
  video: VideoStreamInfo,
  duration: number,
  groups: Set<Group>,
): Promise<void> {
  const frameRate = outputFrameRate(video);
  const fps = frameRate ? rate(frameRate) : (video.frameRate ?? 30);
  const audio = probe.audio;
  const audioMap = audio ? ['-map', `0:${audio.index}`] : [];
  const audioCodec = (kbps: number) =>
    audio ? ['-c:a', 'aac', '-b:a', `${capAudioKbps(kbps, audio.bitRate)}k`, '-ac', String(Math.min(2, audio.channels || 2))] : [];
  const sourceVideoBps = video.bitRate ?? (probe.bitRate ? probe.bitRate - (audio?.bitRate ?? 0) : undefined);
  const threads = ['-threads', String(job.threads)];
  const outputs: Output[] = [];

  const preview = fitWithin(video.displayWidth, video.displayHeight, 1280, 720);
  if (groups.has('preview')) {
    outputs.push({
      chain: scaleChain(preview, 'preview'),
      args: [
        ...['-map', '[preview]', ...H264, ...PREVIEW_X264_SPEED, '-crf', '23', '-level:v', '4.1', ...rateControl(5_000_000, sourceVideoBps), '-g', String(Math.round(fps * 2))],
        ...audioMap,
        ...audioCodec(128),
        ...threads,
        ...NO_METADATA,
        ...['-movflags', '+faststart', job.tmp('preview.mp4')],
      ],
    });
  }
  const proxy = fitWithin(video.displayWidth, video.displayHeight, 1920, 1080);
  if (groups.has('proxy')) {
    // Editing proxies: a keyframe every second keeps scrubbing in an editor responsive.
    outputs.push({
      chain: scaleChain(proxy, 'proxy'),
      args: [
        ...['-map', '[proxy]', ...H264, '-crf', '20', ...rateControl(20_000_000, sourceVideoBps), '-g', String(Math.round(fps))],
        ...audioMap,
        ...audioCodec(192),
        ...threads,
        ...NO_METADATA,
        ...['-movflags', '+faststart', job.tmp('proxy.mp4')],
      ],
    });
  }
  const sprite = spriteLayout(duration, video);
  if (groups.has('sprite')) {
    const { interval, columns, rows, tileWidth, tileHeight } = sprite;
    outputs.push({
      chain: `fps=1/${interval},scale=${tileWidth}:${tileHeight},setsar=1,tile=${columns}x${rows}[sprite]`,
      args: ['-map', '[sprite]', '-frames:v', '1', '-q:v', '5', job.tmp('sprite.jpg')],
    });
  }
  const ladder = hlsLadder(video);
  if (groups.has('hls')) {
    outputs.push(...ladder.map((rung, i) => ({ chain: scaleChain(rung, `hls${i}`), args: [] })));
    // The muxer takes one audio stream per variant: the same source audio is mapped once per rung.
    const args = [...ladder.flatMap((_, i) => ['-map', `[hls${i}]`]), ...ladder.flatMap(() => audioMap), ...audioCodec(128)];
    outputs.push({ chain: '', args: [...args, ...hlsArgs(job, ladder, Boolean(audio), sourceVideoBps), ...threads] });
    await mkdir(job.tmp('hls'));
  }

  const chains = outputs.filter((output) => output.chain);
  const base = [video.interlaced ? 'yadif' : '', frameRate ? `fps=${frameRate}` : '', video.hdr ? toneMap(proxy) : '']
    .filter(Boolean)
    .join(',');
  const split = `[0:${video.index}]${base ? `${base},` : ''}split=${chains.length}${chains.map((_, i) => `[s${i}]`).join('')}`;
  const graph = [split, ...chains.map((output, i) => `[s${i}]${output.chain}`)].join(';');
  const args = [...threads, '-i', file, '-filter_complex_threads', String(job.threads), '-filter_complex', graph];
  await job.run(stage, [...args, ...outputs.flatMap((output) => output.args)], { durationSeconds: duration });

  // What each output really holds: its duration is stored with it, and a master that decodes short of what its
  // container declares is truncated (some truncated files decode to their end without a word from ffmpeg).
  const decoded = {
    preview: groups.has('preview') ? await mediaDurationSeconds(job.tmp('preview.mp4')) : undefined,
    proxy: groups.has('proxy') ? await mediaDurationSeconds(job.tmp('proxy.mp4')) : undefined,
    hls: groups.has('hls') ? playlistSeconds(await readFile(job.tmp(`hls/${ladder.at(-1)!.name}/index.m3u8`), 'utf8')) : undefined,
  };
  for (const seconds of Object.values(decoded)) if (seconds !== undefined) job.assertComplete(seconds, job.declaredSeconds);

  if (groups.has('preview')) await job.publish('preview.mp4', { name: 'preview', contentType: 'video/mp4', ...preview, durationSeconds: decoded.preview });
  if (groups.has('proxy')) await job.publish('proxy.mp4', { name: 'proxy', contentType: 'video/mp4', ...proxy, durationSeconds: decoded.proxy });
  if (groups.has('sprite')) {
    await writeFile(job.tmp('sprite.vtt'), spriteVtt(sprite, duration, 'sprite.jpg'));
    const { columns, rows, tileWidth, tileHeight } = sprite;
    await job.publish('sprite.jpg', { name: 'sprite', contentType: 'image/jpeg', width: columns * tileWidth, height: rows * tileHeight });
    await job.publish('sprite.vtt', { name: 'sprite-vtt', contentType: 'text/vtt', durationSeconds: duration });
  }
  if (groups.has('hls')) {
    const files = (await readdir(job.tmp('hls'), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => relative(job.tmpDir, join(entry.parentPath, entry.name)))
      .sort()
      .map((path) => ({ file: path, contentType: path.endsWith('.m3u8') ? HLS_PLAYLIST : 'video/mp2t' }));
    const top = ladder[ladder.length - 1]!;
    await job.publish('hls', { name: 'hls', file: 'hls/master.m3u8', contentType: HLS_PLAYLIST, width: top.width, height: top.height, durationSeconds: decoded.hls, files });
  }
}

const HLS_PLAYLIST = 'application/vnd.apple.mpegurl';

/** Seconds a media playlist plays: the sum of its segments' #EXTINF durations. */
export function playlistSeconds(playlist: string): number {
  return [...playlist.matchAll(/^#EXTINF:([\d.]+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/**
 * Rate control for an H.264 output: CRF quality under the output's ceiling, and never above the source's own
 * video bit rate: re-encoding adds no detail, so a rendition must not cost more bits than its master. When the
 * source sets the ceiling, the buffer is one second and starts a tenth full, so even a short clip stays under
 * the source's total. `stream` is an output stream specifier (`v:1`) for multi-variant outputs.
 */
export function rateControl(ceilingBps: number, sourceBps: number | undefined, stream?: string): string[] {
  const option = (name: string) => (stream ? `-${name}:${stream}` : `-${name}`);
  const kbps = (bps: number) => `${Math.max(1, Math.floor(bps / 1000))}k`;
  if (!sourceBps || sourceBps >= ceilingBps) return [option('maxrate'), kbps(ceilingBps), option('bufsize'), kbps(2 * ceilingBps)];
  return [option('maxrate'), kbps(sourceBps), option('bufsize'), kbps(sourceBps), option('rc_init_occupancy'), String(Math.floor(sourceBps / 10))];
}

/** An audio bit rate for AAC: the rendition's own, or the source's when that is lower (never inflate the sound). */
export function capAudioKbps(kbps: number, sourceBps: number | undefined): number {
  return sourceBps ? Math.max(32, Math.min(kbps, Math.floor(sourceBps / 1000))) : kbps;
}

/**
 * HDR (PQ or HLG, e.g. iPhone footage) to SDR BT.709: without it, previews look grey and washed out.
 * Scales to the largest output first, so the costly float conversion runs on as few pixels as possible.
 */
function toneMap(size: { width: number; height: number }): string {
  return (
    `zscale=w=${size.width}:h=${size.height}:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,` +
    'tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p'
  );
}

function scaleChain(size: { width: number; height: number }, label: string): string {
  return `scale=${size.width}:${size.height},setsar=1,format=yuv420p[${label}]`;
}

/**
 * A constant output rate where the source needs one: variable-rate footage gets its average rate rounded to
 * a broadcast rate (players and editors expect constant rates), and rates above 60 are halved (H.264 level 4.1).
 */
export function outputFrameRate(video: VideoStreamInfo): string | undefined {
  const source = video.frameRate;
  if (!source) return undefined;
  let target = video.variableFrameRate ? nearestStandardRate(source) : undefined;
  let value = target ? rate(target) : source;
  while (value > 60) {
    target = halve(target ?? video.frameRateRational ?? String(value));
    value = rate(target);
  }
  return target;
}

const STANDARD_RATES = ['24000/1001', '24', '25', '30000/1001', '30', '50', '60000/1001', '60'];
const nearestStandardRate = (value: number): string =>
  STANDARD_RATES.reduce((best, candidate) => (Math.abs(rate(candidate) - value) < Math.abs(rate(best) - value) ? candidate : best));
const rate = (rational: string): number => {
  const [numerator, denominator = '1'] = rational.split('/');
  return Number(numerator) / Number(denominator);
};
const halve = (rational: string): string => {
  const [numerator, denominator = '1'] = rational.split('/');
  return `${numerator}/${Number(denominator) * 2}`;
};

export interface SpriteLayout {
  /** seconds between tiles */
  interval: number;
  count: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

/** One tile every `interval` whole seconds, at most SPRITE_MAX_TILES, in rows of SPRITE_COLUMNS. */
export function spriteLayout(duration: number, video: Pick<VideoStreamInfo, 'displayWidth' | 'displayHeight'>): SpriteLayout {
  const interval = Math.max(1, Math.ceil(duration / SPRITE_MAX_TILES));
  const count = Math.max(1, Math.ceil(duration / interval));
  const columns = Math.min(SPRITE_COLUMNS, count);
  return {
    interval,
    count,
    columns,
    rows: Math.ceil(count / columns),
    tileWidth: SPRITE_TILE_WIDTH,
    tileHeight: even((SPRITE_TILE_WIDTH * video.displayHeight) / video.displayWidth),
  };
}

/** WebVTT thumbnails track: one cue per tile, pointing into the sprite with a media fragment. */
export function spriteVtt(layout: SpriteLayout, duration: number, spriteUrl: string): string {
  const cues = ['WEBVTT', ''];
  for (let i = 0; i < layout.count; i++) {
    const start = i * layout.interval;
    const end = Math.min(duration, start + layout.interval);
    const x = (i % layout.columns) * layout.tileWidth;
    const y = Math.floor(i / layout.columns) * layout.tileHeight;
    cues.push(`${timestamp(start)} --> ${timestamp(end)}`, `${spriteUrl}#xywh=${x},${y},${layout.tileWidth},${layout.tileHeight}`, '');
  }
  return cues.join('\n');
}

function timestamp(seconds: number): string {
  const millis = Math.round(seconds * 1000);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(Math.floor(millis / 3_600_000))}:${pad(Math.floor(millis / 60_000) % 60)}:${pad(Math.floor(millis / 1000) % 60)}.${pad(millis % 1000, 3)}`;
}

interface Rung {
  name: string;
  width: number;
  height: number;
  maxrateBps: number;
}

/** 360p and 720p variants (never enlarged: a small source gives fewer rungs). */
export function hlsLadder(video: Pick<VideoStreamInfo, 'displayWidth' | 'displayHeight'>): Rung[] {
  const rungs: Rung[] = [];
  for (const [long, short, maxrateBps] of [[640, 360, 800_000], [1280, 720, 3_000_000]] as const) {
    const size = fitWithin(video.displayWidth, video.displayHeight, long, short);
    if (rungs.some((rung) => rung.width === size.width)) continue;
    rungs.push({ name: `${Math.min(size.width, size.height)}p`, ...size, maxrateBps });
  }
  return rungs;
}

function hlsArgs(job: RenderJob, ladder: Rung[], hasAudio: boolean, sourceVideoBps: number | undefined): string[] {
  return [
    ...H264,
    '-crf', '23',
    ...ladder.flatMap((rung, i) => rateControl(rung.maxrateBps, sourceVideoBps, `v:${i}`)),
    // Keyframes on segment boundaries, the same in every variant, so players can switch between them.
    '-force_key_frames', `expr:gte(t,n_forced*${HLS_SEGMENT_SECONDS})`,
    ...NO_METADATA,
    ...['-f', 'hls', '-hls_time', String(HLS_SEGMENT_SECONDS), '-hls_playlist_type', 'vod', '-hls_flags', 'independent_segments'],
    ...['-master_pl_name', 'master.m3u8', '-hls_segment_filename', job.tmp('hls/%v/segment-%03d.ts')],
    '-var_stream_map', ladder.map((rung, i) => `v:${i}${hasAudio ? `,a:${i}` : ''},name:${rung.name}`).join(' '),
    job.tmp('hls/%v/index.m3u8'),
  ];
}
