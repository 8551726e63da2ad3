// Video rendition benchmark: `npm run bench:video`. Prints numbers, never fails on them.
// (a) renderVideo (full set, HLS on) against the very same ffmpeg commands run directly: the library's overhead;
// (b) realtime factor (media seconds per wall second) of each rendition and of the whole set;
// (c) one decode feeding preview + proxy + sprite + HLS against a separate pass per rendition.
// The source is a 1080p30 H.264 + AAC clip at 16 Mbit/s (test pattern with grain, 60 s; BENCH_VIDEO_SECONDS changes it),
// generated once into the temp folder.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
  const file = join(tmpdir(), `mediateca-bench-${seconds}s-1080p30-16M.mp4`);
  if (existsSync(file)) return file;
  console.log(`generating a ${seconds} s 1080p30 source (once) …`);
  const partial = `${file}.partial.mp4`;
  await promisify(execFile)(ffmpegPath(), [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${seconds},noise=alls=8:allf=t`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
    // 16 Mbit/s, what a phone records 1080p30 at: at constant quality this grain would take ~64 Mbit/s, and
    // decoding that alone runs below 2× realtime here, so every rendition would measure the source, not the presets
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '16M', '-maxrate', '20M', '-bufsize', '32M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2', '-shortest', partial],
  ]);
  await rename(partial, file);
  return file;
}

/** Wall seconds and CPU seconds (this process plus the ffmpeg children it waited for). */
interface Cost {
  wall: number;
  cpu: number;
}

// CPU time hardly moves when other work shares the machine; wall time does. /proc/self/stat fields 14–17
// are utime, stime, cutime, cstime in clock ticks (100 per second on Linux).
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

const now = (): Cost => ({ wall: performance.now() / 1000, cpu: cpuSeconds() });
const since = (start: Cost): Cost => {
  const end = now();
  return { wall: end.wall - start.wall, cpu: end.cpu - start.cpu };
};
const add = (a: Cost | undefined, b: Cost): Cost => ({ wall: (a?.wall ?? 0) + b.wall, cpu: (a?.cpu ?? 0) + b.cpu });

interface Timed {
  total: Cost;
  /** per stage (poster, waveform, encode), split at each command's start */
  stages: Map<string, Cost>;
  commands: Array<{ stage: string; args: string[] }>;
}

async function timedRender(file: string, outDir: string, options: VideoRenderOptions): Promise<Timed> {
  const probe = await probeMedia(file);
  const commands: Timed['commands'] = [];
  const stages = new Map<string, Cost>();
  const started = now();
  let current: { stage: string; at: Cost } | undefined;
  const stop = () => current && stages.set(current.stage, add(stages.get(current.stage), since(current.at)));
  await renderVideo(file, probe, outDir, {
    // a benchmark measures how long it takes, even on a crowded machine, rather than giving up
    timeoutMs: 6 * 3600_000,
    ...options,
    onCommand: (stage, args) => {
      stop();
      current = { stage, at: now() };
      commands.push({ stage, args });
    },
  });
  stop();
  return { total: since(started), stages, commands };
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

const percent = (value: number, base: number): string => `${(100 * (value / base - 1)).toFixed(1)} %`;
const realtime = (cost: Cost) => [cost.wall, seconds / cost.wall, cost.cpu, seconds / cost.cpu];

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
    console.log(`source: ${seconds} s 1080p30 H.264 + AAC · ffmpeg threads ${ffmpegThreads()} · ${cpus().length} CPUs · load ${loadavg()[0]!.toFixed(2)}`);
    console.log('wall time suffers from whatever else runs on the machine; CPU time much less so.\n');

    // (a) + (b): the full set through the library, then the same commands straight to ffmpeg.
    const full = await timedRender(file, join(work, 'library'), { hls: true });
    const directDir = join(work, 'direct');
    const directStages = new Map<string, Cost>();
    const directStarted = now();
    for (const { stage, args } of full.commands) {
      const started = now();
      await runDirect(args, directDir);
      directStages.set(stage, add(directStages.get(stage), since(started)));
    }
    const direct = since(directStarted);

    const overhead = (library: Cost, plain: Cost) => [library.wall, plain.wall, percent(library.wall, plain.wall), library.cpu, plain.cpu, percent(library.cpu, plain.cpu)];
    console.log('(a) renderVideo vs the same ffmpeg commands run directly (target: ≤ 10 % overhead)');
    table([
      ['stage', 'library wall s', 'direct wall s', 'overhead', 'library CPU s', 'direct CPU s', 'CPU overhead'],
      ...[...full.stages].map(([stage, cost]) => [stage, ...overhead(cost, directStages.get(stage)!)]),
      ['whole set', ...overhead(full.total, direct)],
    ]);

    // (b) + (c): each rendition group in a pass of its own.
    const separate = new Map<string, Cost>();
    for (const group of groups) separate.set(group, (await timedRender(file, join(work, `only-${group}`), { hls: true, skip: onlyGroup(group) })).total);
    const encode = full.stages.get('encode')!;
    console.log('(b) realtime factor: media seconds per wall second (and per CPU second)');
    table([
      ['rendition', 'wall s', '× realtime', 'CPU s', '× per CPU s'],
      ...[...separate].map(([group, cost]) => [`${group} (own pass)`, ...realtime(cost)]),
      ['preview+proxy+sprite+hls (one decode)', ...realtime(encode)],
      ['whole set (renderVideo)', ...realtime(full.total)],
    ]);

    const separateEncodes = ['preview', 'proxy', 'sprite', 'hls'].reduce<Cost>((sum, group) => add(sum, separate.get(group)!), { wall: 0, cpu: 0 });
    console.log('(c) one decode feeding preview, proxy, sprite and hls vs a pass per rendition');
    table([
      ['', 'wall s', 'CPU s'],
      ['separate passes (sum)', separateEncodes.wall, separateEncodes.cpu],
      ['single decode (split)', encode.wall, encode.cpu],
      ['separate / single', separateEncodes.wall / encode.wall, separateEncodes.cpu / encode.cpu],
    ]);
    console.log(`load average at the end: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
