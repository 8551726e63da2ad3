// Video rendition benchmark: `npm run bench:video`. Prints numbers, never fails on them.
// (a) renderVideo (full set, HLS on) against the very same ffmpeg commands run directly: the library's overhead;
// (b) realtime factor (media seconds per wall second) of each rendition and of the whole set;
// (c) one decode feeding preview + proxy + sprite + HLS against a separate pass per rendition.
// The source is a 1080p30 H.264 + AAC clip (test pattern with grain, 60 s; BENCH_VIDEO_SECONDS changes it),
// generated once into the temp folder.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath, ffmpegThreads } from '../../shared/media/ffmpeg.ts';
import { probeMedia } from '../../shared/media/probe.ts';
import { renderVideo, VIDEO_RENDITION_GROUPS, type VideoRenderOptions } from '../../shared/media/video.ts';

const seconds = Number(process.env.BENCH_VIDEO_SECONDS ?? 60);
const groups = Object.keys(VIDEO_RENDITION_GROUPS) as (keyof typeof VIDEO_RENDITION_GROUPS)[];
const allNames = Object.values(VIDEO_RENDITION_GROUPS).flat();

async function source(): Promise<string> {
  const file = join(tmpdir(), `mediateca-bench-${seconds}s-1080p30.mp4`);
  if (existsSync(file)) return file;
  console.log(`generating a ${seconds} s 1080p30 source (once) …`);
  const partial = `${file}.partial.mp4`;
  await promisify(execFile)(ffmpegPath(), [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${seconds},noise=alls=8:allf=t`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2', '-shortest', partial],
  ]);
  await rename(partial, file);
  return file;
}

interface Timed {
  wallSeconds: number;
  /** wall seconds per stage (poster, waveform, encode), from the command start times */
  stages: Map<string, number>;
  commands: Array<{ stage: string; args: string[] }>;
}

async function timedRender(file: string, outDir: string, options: VideoRenderOptions): Promise<Timed> {
  const probe = await probeMedia(file);
  const commands: Timed['commands'] = [];
  const stages = new Map<string, number>();
  const started = performance.now();
  let current: { stage: string; at: number } | undefined;
  const stop = (at: number) => current && stages.set(current.stage, (stages.get(current.stage) ?? 0) + (at - current.at) / 1000);
  await renderVideo(file, probe, outDir, {
    ...options,
    onCommand: (stage, args) => {
      const now = performance.now();
      stop(now);
      current = { stage, at: now };
      commands.push({ stage, args });
    },
  });
  stop(performance.now());
  return { wallSeconds: (performance.now() - started) / 1000, stages, commands };
}

/** Runs ffmpeg with the same arguments, writing into `dir` instead of the render's (already removed) staging folder. */
async function runDirect(args: string[], dir: string): Promise<void> {
  const staged = args.map((arg) => arg.replace(/^.*\/\.render-[^/]+/, dir));
  await mkdir(join(dir, 'hls'), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', '-y', '-v', 'error', ...staged], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

const onlyGroup = (group: string): Set<string> =>
  new Set(allNames.filter((name) => !(VIDEO_RENDITION_GROUPS[group as keyof typeof VIDEO_RENDITION_GROUPS] as readonly string[]).includes(name)));

function table(rows: Array<Array<string | number>>): void {
  const text = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? cell.toFixed(2) : cell)));
  const widths = text[0]!.map((_, column) => Math.max(...text.map((row) => row[column]!.length)));
  for (const row of text) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('   '));
  console.log();
}

async function main(): Promise<void> {
  const file = await source();
  const work = await mkdtemp(join(tmpdir(), 'mediateca-bench-video-'));
  try {
    console.log(`source: ${seconds} s 1080p30 H.264 + AAC · ffmpeg threads ${ffmpegThreads()} · ${cpus().length} CPUs · load ${loadavg()[0]!.toFixed(2)}\n`);

    // (a) + (b): the full set through the library, then the same commands straight to ffmpeg.
    const full = await timedRender(file, join(work, 'library'), { hls: true });
    const directStarted = performance.now();
    const directDir = join(work, 'direct');
    await mkdir(directDir);
    const directStages = new Map<string, number>();
    for (const { stage, args } of full.commands) {
      const started = performance.now();
      await runDirect(args, directDir);
      directStages.set(stage, (directStages.get(stage) ?? 0) + (performance.now() - started) / 1000);
    }
    const directSeconds = (performance.now() - directStarted) / 1000;

    console.log('(a) library vs the same ffmpeg commands run directly');
    table([
      ['stage', 'renderVideo s', 'direct s', 'overhead %'],
      ...[...full.stages].map(([stage, wall]) => [stage, wall, directStages.get(stage)!, 100 * (wall / directStages.get(stage)! - 1)]),
      ['whole set', full.wallSeconds, directSeconds, 100 * (full.wallSeconds / directSeconds - 1)],
    ]);

    // (b) + (c): each rendition group in a pass of its own.
    const separate = new Map<string, number>();
    for (const group of groups) {
      const timed = await timedRender(file, join(work, `only-${group}`), { hls: true, skip: onlyGroup(group) });
      separate.set(group, timed.wallSeconds);
    }
    console.log('(b) realtime factor (media seconds per wall second)');
    table([
      ['rendition', 'wall s', '× realtime'],
      ...[...separate].map(([group, wall]) => [`${group} (own pass)`, wall, seconds / wall]),
      ['encode pass: preview+proxy+sprite+hls, one decode', full.stages.get('encode')!, seconds / full.stages.get('encode')!],
      ['whole set (renderVideo)', full.wallSeconds, seconds / full.wallSeconds],
    ]);

    const encodeGroups = ['preview', 'proxy', 'sprite', 'hls'];
    const separateEncodes = encodeGroups.reduce((sum, group) => sum + separate.get(group)!, 0);
    const single = full.stages.get('encode')!;
    console.log('(c) one decode, many outputs vs a pass per rendition (preview, proxy, sprite, hls)');
    table([
      ['', 'wall s'],
      ['separate passes (sum)', separateEncodes],
      ['single decode (split)', single],
      ['separate / single', separateEncodes / single],
    ]);
    console.log(`load average at the end: ${loadavg().map((value) => value.toFixed(2)).join(' ')} (other work on the machine skews every number)`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
