// Cold start of every function bundle: time from process spawn to the first 200 on /_/health (and on
// /_/ready, which needs the database), and resident memory once ready and idle, against a bare Hono
// hello-world bundled the same way in the same run. In the cluster configuration a second baseline runs beside
// them: Hono with kysely over postgres.js and one query, the least a function of the design libraries does.
//
//   npm run bench:cold-start [-- --runs 7] [--embedded] [--only search,upload] [--node-options=--enable-source-maps]
//
// Configured as in a cluster: the PostgreSQL server (a throwaway database), an S3 store and a remote JWKS
// (neither contacted at start); --embedded is the embedded default instead: PGlite in a data folder (its
// WebAssembly start-up then dominates), the filesystem store and the local signing key. Each bundle gets one warm-up
// run first (page cache, migrations), not counted. Timings on a busy shared machine are noisy: compare
// medians within one run, not across machines.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { type BundleReport, ROOT, buildFunctions, listFunctions } from '../build.ts';
import { S3, freePort } from '../../test/support/servers.ts';

/** Functions clients call directly; the goal below applies to them. */
const HTTP_FUNCTIONS = ['upload', 'assets', 'search'];
const GOAL = { ratio: 1.5, ms: 300 };
const BARE = 'bare-hono';
const DB_FLOOR = 'db-hono';
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'mediateca-cold-start');

interface Sample {
  /** spawn → first 200 on /_/health */
  ms: number;
  /** spawn → first 200 on /_/ready */
  readyMs: number;
  rssBytes: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, embedded: { type: 'boolean', default: false }, only: { type: 'string' }, 'node-options': { type: 'string' } },
  });
  const runs = Number(values.runs);
  const names = values.only ? values.only.split(',') : listFunctions();
  console.log(`building ${names.join(', ')} and the baselines...`);
  const baselines = { [BARE]: join(ROOT, 'scripts/bench/bare-hono.ts'), ...(values.embedded ? {} : { [DB_FLOOR]: join(ROOT, 'scripts/bench/db-hono.ts') }) };
  const reports = await buildFunctions({ only: names, outDir: OUT_DIR, extraEntries: baselines });

  const data = mkdtempSync(join(tmpdir(), 'mt-cold-start-'));
  const database = values.embedded ? undefined : await createDatabase();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    MEDIATECA_DATA: data,
    // a cluster's configuration: /_/ready checks the database and the object store (Ceph RGW here); the JWKS loads lazily
    ...(database
      ? { DATABASE_URL: database.url, NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', EVENTS_SECRET: 'cold-start-bench-secret', CHANNEL_SECRETS_KEY: `bench:${Buffer.alloc(32, 7).toString('base64')}`, K_SINK: 'http://127.0.0.1:9', S3_ENDPOINT: S3.endpoint, S3_REGION: S3.region, S3_ACCESS_KEY: S3.accessKeyId, S3_SECRET_KEY: S3.secretAccessKey, AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json' }
      : {}),
    ...(values['node-options'] ? { NODE_OPTIONS: values['node-options'] } : {}),
  };
  console.log(`${database ? 'cluster configuration: PostgreSQL server (throwaway database), S3 store, remote JWKS' : `embedded: PGlite in ${data}, filesystem store`}; ${runs} runs per bundle after 1 warm-up\n`);

  const results = new Map<string, Sample[]>(reports.map((report) => [report.fn, []]));
  try {
    // Rounds of every bundle in turn (A B C … A B C …), so a burst of load on the machine hits all of them
    // alike instead of one row; round 0 warms the file cache and is not counted.
    for (let round = 0; round <= runs; round++) {
      for (const report of reports) {
        const sample = await coldStart(join(report.outDir, 'index.mjs'), !(report.fn in baselines), env);
        if (round > 0) results.get(report.fn)!.push(sample);
      }
      if (round > 0) process.stdout.write(`  round ${round}/${runs} done\n`);
    }
  } finally {
    rmSync(data, { recursive: true, force: true });
    await database?.drop();
  }
  console.log(`\n${formatTable(reports, results)}`);
  const eager = reports.filter((r) => r.eagerHeavy.length > 0);
  console.log(eager.length === 0 ? '\nheavy modules (sharp, ffmpeg, onnxruntime, tfjs): none loaded at start-up' : `\nloaded eagerly at start-up (must be lazy): ${eager.map((r) => `${r.fn} → ${r.eagerHeavy.join(', ')}`).join('; ')}`);
}

/** Spawn → first 200 on /_/health; then, for functions, wait for /_/ready, let it idle, read VmRSS. */
async function coldStart(entry: string, isFunction: boolean, env: NodeJS.ProcessEnv): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [entry], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => { stderr += chunk; });
  try {
    await untilOk(`http://127.0.0.1:${port}/_/health`, child, () => stderr, 2);
    const ms = performance.now() - started;
    if (isFunction) await untilOk(`http://127.0.0.1:${port}/_/ready`, child, () => stderr, 2);
    const readyMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { ms, readyMs, rssBytes: residentBytes(child.pid!) };
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  }
}

async function untilOk(url: string, child: ChildProcess, stderr: () => string, pauseMs: number): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}\n${stderr()}`);
    if ((await status(url)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`${url}: no 200 within 60 s\n${stderr()}`);
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', () => resolve(0));
  });
}

function residentBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const name = `mt_cold_start_${process.pid}`;
  const admin = postgres(`${server}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  return {
    url: `${server}/${name}`,
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function formatTable(reports: BundleReport[], results: Map<string, Sample[]>): string {
  const bare = results.get(BARE)!;
  const bareMs = median(bare.map((s) => s.ms));
  const bareRss = median(bare.map((s) => s.rssBytes));
  const floor = results.get(DB_FLOOR);
  const floorMs = floor && median(floor.map((s) => s.ms));
  const header = ['bundle', 'JS at start', 'to /_/health (median)', 'min-max', 'vs bare', ...(floorMs ? [`vs ${DB_FLOOR}`] : []), 'to /_/ready', 'vs bare', 'RSS idle', 'vs bare', `goal: ≤${GOAL.ratio}× bare and <${GOAL.ms} ms`];
  const rows = reports.map((report) => {
    const samples = results.get(report.fn)!;
    const times = samples.map((s) => s.ms);
    const ms = median(times);
    const rss = median(samples.map((s) => s.rssBytes));
    const goal = HTTP_FUNCTIONS.includes(report.fn) ? (ms <= GOAL.ratio * bareMs && ms < GOAL.ms ? 'met' : 'MISSED') : '';
    return [
      report.fn,
      `${(report.startupBytes / 1024).toFixed(0)} KiB`,
      `${ms.toFixed(0)} ms`,
      `${Math.min(...times).toFixed(0)}-${Math.max(...times).toFixed(0)} ms`,
      `${(ms / bareMs).toFixed(2)}×`,
      ...(floorMs ? [`${(ms / floorMs).toFixed(2)}×`] : []),
      ...(report.fn === BARE || report.fn === DB_FLOOR ? ['', ''] : [`${median(samples.map((s) => s.readyMs)).toFixed(0)} ms`, `${(median(samples.map((s) => s.readyMs)) / bareMs).toFixed(2)}×`]),
      `${(rss / 1024 ** 2).toFixed(0)} MiB`,
      `${(rss / bareRss).toFixed(2)}×`,
      goal,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

await main();
