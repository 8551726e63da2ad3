// Video rendition benchmark: `npm run bench:video`. Prints numbers, never fails on them.
// (a) renderVideo (full set, HLS on) against the very same ffmpeg commands run directly: the library's overhead;
// (b) realtime factor (media seconds per wall second) of each rendition and of the whole set;
// (c) one decode feeding proxy + sprite + HLS against a separate pass per rendition (the preview has a pass of its own,
//     so it is published before them).
// (d) the pipeline where users wait (issue 15): a clip uploaded through the HTTP API of the embedded host (enrich
//     off), from the upload's end to the moment search finds it (time-to-searchable; goal < 5 s) and to the moment
//     its preview rendition exists (time-to-playable; goal ≤ 1× the clip's duration), each round interleaved with
//     its raw baselines on the same clip: ffprobe + the poster command run straight (what searchable needs at the
//     least) and the preview encode run straight (what playable needs at the least). A round starts once the
//     previous clip's remaining renditions are done.
// (e) preview encode tuning: the preview command renderVideo runs against the same command with x264's veryfast
//     defaults (the settings before the tuning) and with superfast, interleaved: wall and CPU seconds, realtime
//     factor and the bytes each writes (BENCH_VIDEO_PREVIEW_ROUNDS, 3, on the (d) clip).
// BENCH_VIDEO_PARTS (renditions,pipeline,preview) picks the sections; BENCH_VIDEO_E2E_ROUNDS (3, after 1 warm-up) and
// BENCH_VIDEO_E2E_SECONDS (20, a 1080p30 clip like the issue's) size (d).
// The source is a 1080p30 H.264 + AAC clip at 16 Mbit/s (test pattern with grain, 60 s; BENCH_VIDEO_SECONDS changes it),
// generated once into the temp folder.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startHost } from '../host.ts';
import { loadConfig } from '../../shared/config.ts';
import { Client } from '../../test/support/client.ts';
import { envNumber, percentile } from './lib.ts';
import { ffmpegPath, ffmpegThreads } from '../../shared/media/ffmpeg.ts';
import { probeMedia } from '../../shared/media/probe.ts';
import { PREVIEW_X264_SPEED, renderVideo, VIDEO_RENDITION_GROUPS, type VideoRenderOptions } from '../../shared/media/video.ts';

const seconds = Number(process.env.BENCH_VIDEO_SECONDS ?? 60);
const parts = new Set((process.env.BENCH_VIDEO_PARTS ?? 'renditions,pipeline,preview').split(','));
const previewRounds = envNumber('BENCH_VIDEO_PREVIEW_ROUNDS', 3);
const e2eRounds = envNumber('BENCH_VIDEO_E2E_ROUNDS', 3);
const e2eSeconds = envNumber('BENCH_VIDEO_E2E_SECONDS', 20);
const groups = Object.keys(VIDEO_RENDITION_GROUPS) as (keyof typeof VIDEO_RENDITION_GROUPS)[];
const allNames = Object.values(VIDEO_RENDITION_GROUPS).flat();

async function source(seconds: number): Promise<string> {
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

/**
 * (d) Upload → searchable and upload → playable through the embedded host, each round after its raw baselines on
 * the same clip (a distinct copy per round: the same bytes twice would be refused as a duplicate).
 */
async function pipeline(work: string): Promise<void> {
  const clip = await source(e2eSeconds);
  const duration = (await probeMedia(clip)).durationSeconds!;
  // the exact poster and preview commands renderVideo runs, captured once, for the raw baselines
  const posterOnly = await timedRender(clip, join(work, 'capture-poster'), { skip: onlyGroup('poster') });
  const previewOnly = await timedRender(clip, join(work, 'capture-preview'), { skip: onlyGroup('preview') });
  const host = await startHost(loadConfig({ LOG_LEVEL: 'warn', ...process.env, MEDIATECA_DATA: join(work, 'host'), PORT: '0', ENRICH_PARTS: 'none' }), 0);
  const samples: Record<string, number[]> = {};
  const record = (name: string, ms: number) => (samples[name] ??= []).push(ms);
  try {
    const editor = new Client(host.url, await host.platform.signer!.mint('bench', { newsroom: 'editor' }));
    for (let round = 0; round <= e2eRounds; round++) {
      const counted = round > 0;
      const posterStarted = performance.now();
      await probeMedia(clip);
      for (const { args } of posterOnly.commands) await runDirect(args, join(work, `raw-poster-${round}`));
      const posterMs = performance.now() - posterStarted;
      const previewStarted = performance.now();
      for (const { args } of previewOnly.commands) await runDirect(args, join(work, `raw-preview-${round}`));
      const previewMs = performance.now() - previewStarted;

      const copy = join(work, `upload-${round}.mp4`);
      await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', clip, '-c', 'copy', '-metadata', `comment=round ${round} ${Date.now()}`, copy]);
      const word = `benchclip${round}x${Date.now().toString(36)}`;
      const { assetId } = await editor.upload(readFileSync(copy), `${word}.mp4`, 'video/mp4', { title: word });
      const uploaded = performance.now();
      let searchable: number | undefined;
      let playable: number | undefined;
      let poster = false;
      const deadline = Date.now() + 30 * 60_000;
      while (searchable === undefined || playable === undefined) {
        if (searchable === undefined) {
          const hit = (await editor.request('GET', `/search?q=${word}&facets=`)).body.hits?.find((h: any) => h.assetId === assetId);
          if (hit) { searchable = performance.now() - uploaded; poster = Boolean(hit.thumbnailUrl); }
        }
        if (playable === undefined) {
          const asset = (await editor.request('GET', `/assets/${assetId}`)).body;
          if (asset.renditions?.some((r: { name: string }) => r.name === 'preview')) playable = performance.now() - uploaded;
          if (asset.state === 'failed') throw new Error(`clip ${round} failed: ${asset.stateReason ?? JSON.stringify(asset).slice(0, 300)}`);
        }
        if (Date.now() > deadline) throw new Error(`clip ${round} was not searchable and playable within 30 min`);
        await new Promise((r) => setTimeout(r, 50));
      }
      console.error(`  clip ${round}${counted ? '' : ' (warm-up)'}: searchable ${Math.round(searchable)} ms${poster ? ' with its poster' : ''}, playable ${Math.round(playable)} ms`);
      // the rest of its renditions (proxy, sprite, HLS) encode on: the next round starts once they are done, so that
      // no round's poster and preview compete with the previous clip's encodes
      while ((await editor.request('GET', `/assets/${assetId}`)).body.state === 'processing') await new Promise((r) => setTimeout(r, 250));
      if (!counted) continue;
      record('upload → searchable', searchable);
      record('baseline: ffprobe + poster command', posterMs);
      record('upload → playable (preview stored)', playable);
      record('baseline: preview encode command', previewMs);
    }
  } finally {
    await host.stop();
  }
  const p = (name: string, q: number) => percentile(samples[name]!, q);
  const durationMs = duration * 1000;
  console.log(`(d) pipeline where users wait: a ${duration.toFixed(1)} s 1080p30 clip, ${e2eRounds} rounds after 1 warm-up, each after its raw baselines; embedded host, ENRICH_PARTS none`);
  table([
    ['per clip', 'p50 s', 'p95 s', 'p50 × raw', 'p95 × raw', 'p50 × clip duration'],
    ['upload → searchable', p('upload → searchable', 50) / 1000, p('upload → searchable', 95) / 1000, p('upload → searchable', 50) / p('baseline: ffprobe + poster command', 50), p('upload → searchable', 95) / p('baseline: ffprobe + poster command', 95), p('upload → searchable', 50) / durationMs],
    ['baseline: ffprobe + poster command', p('baseline: ffprobe + poster command', 50) / 1000, p('baseline: ffprobe + poster command', 95) / 1000, 1, 1, p('baseline: ffprobe + poster command', 50) / durationMs],
    ['upload → playable (preview stored)', p('upload → playable (preview stored)', 50) / 1000, p('upload → playable (preview stored)', 95) / 1000, p('upload → playable (preview stored)', 50) / p('baseline: preview encode command', 50), p('upload → playable (preview stored)', 95) / p('baseline: preview encode command', 95), p('upload → playable (preview stored)', 50) / durationMs],
    ['baseline: preview encode command', p('baseline: preview encode command', 50) / 1000, p('baseline: preview encode command', 95) / 1000, 1, 1, p('baseline: preview encode command', 50) / durationMs],
  ]);
  const verdict = (met: boolean) => (met ? 'met' : 'not met');
  console.log(`goals (issue 15), p95 in this run: searchable < 5 s: ${verdict(p('upload → searchable', 95) < 5000)}; playable ≤ 1× duration (${duration.toFixed(1)} s): ${verdict(p('upload → playable (preview stored)', 95) <= durationMs)}; preview encode ≥ 2× realtime: ${(duration / (p('baseline: preview encode command', 50) / 1000)).toFixed(2)}× (${verdict(duration / (p('baseline: preview encode command', 50) / 1000) >= 2)})`);
  console.log(`load average at the end: ${loadavg().map((value) => value.toFixed(2)).join(' ')}\n`);
}

/** (e) The preview command as renderVideo runs it against variants of it, interleaved round by round. */
async function previewTuning(work: string): Promise<void> {
  const clip = await source(e2eSeconds);
  const duration = (await probeMedia(clip)).durationSeconds!;
  const captured = (await timedRender(clip, join(work, 'capture-tuning'), { skip: onlyGroup('preview') })).commands.find((command) => command.stage === 'preview')!.args;
  const tuningAt = captured.indexOf(PREVIEW_X264_SPEED[0]!);
  const untuned = tuningAt < 0 ? captured : [...captured.slice(0, tuningAt), ...captured.slice(tuningAt + PREVIEW_X264_SPEED.length)];
  const variants: Array<[string, string[]]> = [
    ['veryfast defaults (before)', untuned],
    [`as rendered: veryfast ${PREVIEW_X264_SPEED.join(' ')}`, captured],
    ['superfast', untuned.map((arg) => (arg === 'veryfast' ? 'superfast' : arg))],
  ];
  const costs = new Map<string, Cost[]>();
  const bytes = new Map<string, number>();
  for (let round = 0; round < previewRounds; round++) {
    for (const [name, args] of variants) {
      const dir = join(work, `tuning-${round}-${variants.findIndex(([n]) => n === name)}`);
      const started = now();
      await runDirect(args, dir);
      (costs.get(name) ?? costs.set(name, []).get(name)!).push(since(started));
      bytes.set(name, statSync(join(dir, 'preview.mp4')).size);
    }
  }
  const median = (values: number[]) => percentile(values, 50);
  const before = median(costs.get(variants[0]![0])!.map((cost) => cost.wall));
  console.log(`(e) preview encode tuning: a ${duration.toFixed(1)} s 1080p30 clip to the 720p preview, ${previewRounds} interleaved rounds, medians`);
  table([
    ['variant', 'wall s', '× realtime', 'CPU s', 'media s per CPU s', 'Mbit/s', 'wall × before'],
    ...variants.map(([name]) => {
      const wall = median(costs.get(name)!.map((cost) => cost.wall));
      const cpu = median(costs.get(name)!.map((cost) => cost.cpu));
      return [name, wall, duration / wall, cpu, duration / cpu, (8 * bytes.get(name)!) / duration / 1e6, wall / before];
    }),
  ]);
  console.log(`load average at the end: ${loadavg().map((value) => value.toFixed(2)).join(' ')}\n`);
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'mediateca-bench-video-'));
  try {
    if (parts.has('preview')) await previewTuning(work);
    if (parts.has('pipeline')) await pipeline(work);
    if (parts.has('renditions')) await renditions(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function renditions(work: string): Promise<void> {
  const file = await source(seconds);
  {
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
      ['proxy+sprite+hls (one decode)', ...realtime(encode)],
      ['whole set (renderVideo)', ...realtime(full.total)],
    ]);

    const separateEncodes = ['proxy', 'sprite', 'hls'].reduce<Cost>((sum, group) => add(sum, separate.get(group)!), { wall: 0, cpu: 0 });
    console.log('(c) one decode feeding proxy, sprite and hls vs a pass per rendition');
    table([
      ['', 'wall s', 'CPU s'],
      ['separate passes (sum)', separateEncodes.wall, separateEncodes.cpu],
      ['single decode (split)', encode.wall, encode.cpu],
      ['separate / single', separateEncodes.wall / encode.wall, separateEncodes.cpu / encode.cpu],
    ]);
    console.log(`load average at the end: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
  }
}

await main();
