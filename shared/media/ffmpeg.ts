// ffmpeg and ffprobe: where they are, how a command runs (progress, threads, timeout, cancellation),
// how a render job stages its files, and how failures read. Commands are spawned directly (no builder
// library): the renditions need multi-output filter graphs, `-var_stream_map`, progress on a side pipe and
// PCM on stdout, which are plainer as argument lists than as builder calls.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MEDIA, type MediaConfig } from '../config.ts';
import { SpanKind, inSpan } from '../observability/tracing.ts';

let tools: MediaConfig = DEFAULT_MEDIA;

/**
 * Where ffmpeg and ffprobe are and how many threads they get (FFMPEG_PATH, FFPROBE_PATH, FFMPEG_THREADS): set
 * once at start from the configuration (createPlatform); until then, the defaults.
 */
export function configureMedia(media: MediaConfig): void {
  tools = { ...media };
}

export const ffmpegPath = (): string => tools.ffmpegPath;
export const ffprobePath = (): string => tools.ffprobePath;

export type MediaErrorCode =
  | 'empty'
  | 'unreadable'
  | 'no-media-stream'
  | 'unsupported'
  | 'too-long'
  | 'too-large'
  | 'truncated'
  | 'ffmpeg-failed'
  | 'timeout'
  | 'environment';

/**
 * A media file that cannot be processed, with a reason a person can read.
 * `permanent` is true when the file itself is the problem (retrying cannot help: mark the asset failed);
 * false for timeouts and machine trouble (full disk, out of memory, ffmpeg missing), which a retry may fix.
 */
export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    readonly reason: string,
    readonly permanent = true,
  ) {
    super(reason);
    this.name = 'MediaError';
  }
}

/** Threads for ffmpeg: the CPUs this process may use, including a cgroup CPU quota (containers). FFMPEG_THREADS overrides. */
export function ffmpegThreads(): number {
  if (tools.ffmpegThreads) return tools.ffmpegThreads;
  return Math.max(1, Math.min(availableParallelism(), cgroupCpuLimit() ?? Infinity));
}

function cgroupCpuLimit(): number | undefined {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota === 'max' || !quota || !period) return undefined;
    return Math.ceil(Number(quota) / Number(period));
  } catch {
    return undefined;
  }
}

export interface RunOptions {
  /** media seconds the command produces; progress is ffmpeg's out_time against it */
  durationSeconds?: number;
  onProgress?: (percent: number) => void;
  /** receives stdout (for commands that write PCM or raw frames to pipe:1) */
  onStdout?: (chunk: Buffer) => void;
  /** aborting kills ffmpeg; the promise rejects with the signal's reason */
  signal?: AbortSignal;
}

export interface RunResult {
  /** the last out_time ffmpeg reported: how much media it produced */
  outTimeSeconds?: number;
  /** ffmpeg met the end of the input before the media its index announces (a truncated file) */
  inputEndedEarly: boolean;
}

// What demuxers say when a file stops before the data its header or index promises (mov: a sample past the end
// of the file; matroska: a cluster cut short). Decoding errors alone do not count: damaged but complete files have them too.
const INPUT_ENDED_EARLY = /partial file|File ended prematurely|Truncating packet/i;

const BASE_ARGS = ['-hide_banner', '-nostdin', '-nostats', '-y', '-v', 'error', '-progress', 'pipe:3'];

/** Runs ffmpeg with `args` (after the common flags), reporting progress from `-progress pipe:3`; one span per run. */
export function runFfmpeg(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return inSpan('ffmpeg', { kind: SpanKind.INTERNAL, attributes: { 'process.command_args': tracedCommandLine(args) } }, () => ffmpeg(args, options));
}

/** The command line a span records: URL query strings left out (a presigned URL's signature reads the master for a while). */
export function tracedCommandLine(args: string[]): string {
  return args.map((arg) => (isUrl(arg) ? arg.replace(/\?.*$/, '?…') : arg)).join(' ').slice(0, 1000);
}

function ffmpeg(args: string[], options: RunOptions): Promise<RunResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), [...BASE_ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    let outTimeSeconds: number | undefined;
    let inputEndedEarly = false;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ outTimeSeconds, inputEndedEarly });
    };
    const onAbort = () => {
      child.kill('SIGKILL');
      finish(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout!.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      if (INPUT_ENDED_EARLY.test(text)) inputEndedEarly = true;
      if (stderr.length < 50) stderr.push(...text.split('\n').filter((line) => line.trim()));
    });
    let pending = '';
    let reported = -1;
    const report = (percent: number) => {
      if (percent <= reported) return;
      reported = percent;
      options.onProgress?.(percent);
    };
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (text: string) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^out_time_us=(\d+)$/.exec(line);
        if (!match) continue;
        outTimeSeconds = Number(match[1]) / 1e6;
        if (options.durationSeconds) report(Math.min(100, Math.round((1000 * outTimeSeconds) / options.durationSeconds) / 10));
      }
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish(new MediaError('environment', `ffmpeg could not be started (${ffmpegPath()}): ${error.message}`, false)),
    );
    child.on('close', (code, killedBy) => {
      if (code === 0) {
        report(100);
        return finish();
      }
      if (killedBy) return finish(new MediaError('environment', `ffmpeg was killed by ${killedBy} (out of memory?)`, false));
      finish(ffmpegFailure(stderr));
    });
  });
}

function ffmpegFailure(stderr: string[]): MediaError {
  const text = stderr.join('\n');
  if (/No space left on device/i.test(text)) return new MediaError('environment', 'no space left on device for the renditions', false);
  if (/Cannot allocate memory/i.test(text)) return new MediaError('environment', 'ffmpeg ran out of memory', false);
  return new MediaError('ffmpeg-failed', `ffmpeg could not process the file: ${firstLine(stderr) ?? 'unknown error'}`);
}

/** The first stderr line, without ffmpeg's `[demuxer @ 0x…]` prefix. */
export function firstLine(lines: string[]): string | undefined {
  const line = lines.find((candidate) => candidate.trim());
  return line?.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '').trim();
}

/** An http(s) URL rather than a file: a master ffmpeg reads from the store by range requests while it downloads. */
export const isUrl = (input: string): boolean => /^https?:\/\//.test(input);

export interface FfprobeOutput {
  stdout: string;
  /** ffprobe's warnings, e.g. "Estimating duration from bitrate, this may be inaccurate" */
  warnings: string[];
}

/** Runs ffprobe and returns its stdout and warnings; a failure becomes a MediaError quoting ffprobe's first error. */
export function runFfprobe(args: string[], timeoutMs = 60_000): Promise<FfprobeOutput> {
  return new Promise((resolve, reject) => {
    // `level+` prefixes each message with its level, so warnings and errors can be told apart.
    const child = spawn(ffprobePath(), ['-hide_banner', '-v', 'level+warning', ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', (error) => reject(new MediaError('environment', `ffprobe could not be started (${ffprobePath()}): ${error.message}`, false)));
    child.on('close', (code, killedBy) => {
      const lines = stderr.split('\n');
      const atLevel = (level: string) => lines.filter((line) => line.includes(`[${level}] `)).map((line) => line.replace(/^(\[[^\]]*@ 0x[0-9a-f]+\]\s*)?\[\w+\]\s*/, ''));
      if (killedBy) return reject(new MediaError('timeout', `ffprobe did not finish within ${Math.round(timeoutMs / 1000)} s`, false));
      if (code !== 0) return reject(new MediaError('unreadable', `ffprobe could not read the file: ${firstLine(atLevel('error')) ?? `exit code ${code}`}`));
      resolve({ stdout: Buffer.concat(stdout).toString('utf8'), warnings: atLevel('warning') });
    });
  });
}

/**
 * How many seconds of a file can be read: the end of the last whole packet (demuxing only, no decoding).
 * For a truncated file, that is where its data stops.
 */
export async function readableSeconds(file: string): Promise<number> {
  const { stdout } = await runFfprobe(['-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file]);
  let end = 0;
  for (const line of stdout.split('\n')) {
    const [pts, duration] = line.split(',').map(Number);
    if (Number.isFinite(pts)) end = Math.max(end, pts! + (Number.isFinite(duration) ? duration! : 0));
  }
  return end;
}

/**
 * The keyframe times of a video stream around the given times (within ± `within` seconds of each), from the packets'
 * flags: demuxing only, and only those stretches of the file (a long video is not read whole). Times are counted from
 * the file's start, as `-ss` counts them; packets carry timestamps that begin at the file's start time (1.4 s in a
 * typical MPEG-TS), so that is read first and added to the stretches and taken off the keyframes.
 */
export function keyframesNear(file: string, streamIndex: number, times: number[], within: number): Promise<number[]> {
  return keyframesIn(file, streamIndex, (start) => times.map((time) => `${Math.max(0, start + time - within).toFixed(3)}%+${(2 * within).toFixed(3)}`));
}

/**
 * The keyframe at or before each of the times: one packet read after a seek to each. Over HTTP (a master read from
 * the store) that is a few small range requests, where keyframesNear's stretches add up to most of the file.
 * A demuxer that seeks to no keyframe (an MPEG-TS without an index) gives none for that time.
 */
export function keyframesBefore(file: string, streamIndex: number, times: number[]): Promise<number[]> {
  return keyframesIn(file, streamIndex, (start) => times.map((time) => `${(start + time).toFixed(3)}%+#1`));
}

/** The keyframe times in ffprobe's `-read_intervals`, made from the file's start time. */
async function keyframesIn(file: string, streamIndex: number, intervals: (start: number) => string[]): Promise<number[]> {
  const start = Number((await runFfprobe(['-show_entries', 'format=start_time', '-of', 'csv=p=0', file])).stdout.trim()) || 0;
  const { stdout } = await runFfprobe(['-select_streams', String(streamIndex), '-read_intervals', intervals(start).join(','), '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file]);
  const keyframes = new Set<number>();
  for (const line of stdout.split('\n')) {
    const [pts, flags] = line.split(',');
    if (flags?.startsWith('K') && pts && Number.isFinite(Number(pts))) keyframes.add(Number(pts) - start);
  }
  return [...keyframes].sort((a, b) => a - b);
}

/** What a render call reports back to its caller while it works. */
export interface RenderCallbacks {
  /** progress of the current stage, 0–100 */
  onProgress?: (stage: string, percent: number) => void;
  /** each rendition as soon as its files are final in outDir (upload it now: a later failure keeps it) */
  onRendition?: (rendition: Rendition) => void;
  /** each ffmpeg command before it runs (for debug logs) */
  onCommand?: (stage: string, args: string[]) => void;
  signal?: AbortSignal;
  /** the whole render call; ffmpeg is killed when it runs out (default: defaultTimeoutMs of the media's duration) */
  timeoutMs?: number;
}

export interface RenditionFile {
  file: string;
  contentType: string;
}

export interface Rendition {
  name: string;
  /** absolute path in outDir; store it under its path relative to outDir (the VTT and HLS playlists refer to siblings) */
  file: string;
  contentType: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
  /** renditions made of several files (HLS): every file, `file` included */
  files?: RenditionFile[];
}

export interface SkippedRendition {
  name: string;
  reason: string;
}

export interface RenderResult {
  renditions: Rendition[];
  skipped: SkippedRendition[];
}

/** What a render job works on: the master file and how long its container says it is. */
export interface RenderInput {
  file: string;
  durationSeconds: number;
  /** the container does not state its length and ffmpeg estimated it from the bit rate: nothing to hold the decode to */
  durationEstimated?: boolean;
}

/**
 * One render call: ffmpeg writes into a private temporary folder inside outDir, and each finished
 * rendition is moved into outDir. On failure the temporary folder goes; finished renditions stay.
 * A truncated master fails the job (MediaError 'truncated') before any rendition of it is published.
 */
export class RenderJob {
  readonly threads = ffmpegThreads();
  readonly signal: AbortSignal;
  readonly renditions: Rendition[] = [];
  private readonly timer?: NodeJS.Timeout;

  private constructor(
    readonly outDir: string,
    readonly tmpDir: string,
    readonly input: RenderInput,
    private readonly callbacks: RenderCallbacks,
    timeoutMs: number,
  ) {
    const controller = new AbortController();
    this.timer = setTimeout(
      () => controller.abort(new MediaError('timeout', `processing took longer than the ${timeoutMs / 1000} s limit`, false)),
      timeoutMs,
    );
    this.signal = callbacks.signal ? AbortSignal.any([callbacks.signal, controller.signal]) : controller.signal;
  }

  static async start(outDir: string, callbacks: RenderCallbacks, input: RenderInput): Promise<RenderJob> {
    await mkdir(outDir, { recursive: true });
    const timeoutMs = callbacks.timeoutMs ?? defaultTimeoutMs(input.durationSeconds);
    return new RenderJob(outDir, await mkdtemp(join(outDir, '.render-')), input, callbacks, timeoutMs);
  }

  tmp(name: string): string {
    return join(this.tmpDir, name);
  }

  /** Runs ffmpeg on the job's input; throws 'truncated' when the input ended before its index said it would. */
  async run(stage: string, args: string[], options: Omit<RunOptions, 'signal' | 'onProgress'> = {}): Promise<RunResult> {
    this.callbacks.onCommand?.(stage, args);
    const { onProgress } = this.callbacks;
    const result = await runFfmpeg(args, { ...options, signal: this.signal, onProgress: onProgress && ((percent) => onProgress(stage, percent)) });
    if (result.inputEndedEarly) throw truncated(await readableSeconds(this.input.file), this.input.durationSeconds);
    return result;
  }

  /** The container's duration, unless ffmpeg only estimated it (then nothing holds a decode to it). */
  get declaredSeconds(): number | undefined {
    return this.input.durationEstimated ? undefined : this.input.durationSeconds;
  }

  /**
   * Holds what was decoded to what the file declares: more than half a second or 1 % short means the file is
   * truncated. Nothing to hold it to (undefined) passes.
   */
  assertComplete(decodedSeconds: number, declaredSeconds: number | undefined): void {
    if (declaredSeconds === undefined) return;
    if (declaredSeconds - decodedSeconds > Math.max(0.5, declaredSeconds * 0.01)) throw truncated(decodedSeconds, declaredSeconds);
  }

  /**
   * Moves a finished file or folder from the temporary folder into outDir and records its rendition.
   * `file` and `files` are given relative to outDir; `file` defaults to the moved name.
   */
  async publish(moved: string, rendition: Omit<Rendition, 'file'> & { file?: string }): Promise<Rendition> {
    const target = join(this.outDir, moved);
    await rm(target, { recursive: true, force: true });
    await rename(this.tmp(moved), target);
    const published: Rendition = { ...rendition, file: join(this.outDir, rendition.file ?? moved) };
    if (rendition.files) published.files = rendition.files.map((part) => ({ ...part, file: join(this.outDir, part.file) }));
    this.renditions.push(published);
    this.callbacks.onRendition?.(published);
    return published;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

function truncated(decodedSeconds: number, declaredSeconds: number): MediaError {
  return new MediaError('truncated', `the file is truncated: only ${decodedSeconds.toFixed(1)} s of ${declaredSeconds.toFixed(1)} s could be decoded`);
}

/**
 * Time a render call gets unless told otherwise: two minutes plus ten times the media's duration, several
 * times what the full video set needs on a busy 2-core machine, so only a stuck ffmpeg meets it.
 */
export const defaultTimeoutMs = (durationSeconds: number): number => (120 + 10 * durationSeconds) * 1000;

/** Limits a render call checks before any work starts. */
export interface MediaLimits {
  maxDurationSeconds?: number;
  maxPixels?: number;
}

export const DEFAULT_LIMITS = { maxDurationSeconds: 6 * 3600, maxPixels: 8192 * 4320 };

/** The nearest even number (at least 2): H.264 in 4:2:0 needs even dimensions. */
export const even = (value: number): number => Math.max(2, Math.round(value / 2) * 2);
