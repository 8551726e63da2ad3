// Cold start of every function bundle: time from process spawn to the first 200 on /_/health, on /_/ready (what
// Knative and OpenFaaS route on: the database and the store answer) and, for the HTTP functions in the cluster
// configuration, to the answer of a client's first authenticated request (an upload started, a page of assets, a
// search, each with presigned URLs), and resident memory once ready and idle, against a bare Hono hello-world bundled
// the same way in the same run. In the cluster configuration a second baseline runs beside them: Hono with kysely
// over postgres.js and one query, the least a function of the design libraries does.
//
//   npm run bench:cold-start [-- --runs 7] [--embedded] [--only search,upload] [--node-options=--enable-source-maps]
//
// Configured as in a cluster: the PostgreSQL server (a throwaway database with 20 assets that have thumbnails), an S3
// store and a remote JWKS served by this script (fetched by the first request); --embedded is the embedded default
// instead: PGlite in a data folder (its WebAssembly start-up then dominates), the filesystem store and the local
// signing key. Each bundle gets one warm-up
// run first (page cache, migrations), not counted. Timings on a busy shared machine are noisy: compare
// medians within one run, not across machines.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, get, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import postgres from 'postgres';
import { type BundleReport, ROOT, buildFunctions, listFunctions } from '../build.ts';
import { toSearchDocument } from '../../functions/index/index.ts';
import { loadConfig } from '../../shared/config.ts';
import { createPlatform } from '../../shared/platform.ts';
import { seedAssetsInBulk } from '../../test/support/seed-assets.ts';
import { S3, freePort } from '../../test/support/servers.ts';

/** Functions clients call directly; the goal below applies to them. */
const HTTP_FUNCTIONS = ['upload', 'assets', 'search'];
const GOAL = { ratio: 1.5, ms: 300 };
const BARE = 'bare-hono';
const DB_FLOOR = 'db-hono';
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'mediateca-cold-start');
/** A client's first request to each HTTP function, and the status that answers it. */
const FIRST_REQUESTS: Record<string, { method: 'GET' | 'POST'; path: string; body?: unknown; status: number }> = {
  upload: { method: 'POST', path: '/uploads', body: { projectId: 'newsroom', filename: 'photo.jpg', size: 2_000_000, contentType: 'image/jpeg' }, status: 201 },
  assets: { method: 'GET', path: '/assets?projectId=newsroom&limit=20', status: 200 },
  search: { method: 'GET', path: '/search?q=faro', status: 200 },
};

interface Sample {
  /** spawn → first 200 on /_/health */
  ms: number;
  /** spawn → first 200 on /_/ready */
  readyMs: number;
  /** spawn → the answer to the first request (FIRST_REQUESTS), sent once ready */
  firstAnswerMs?: number;
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
  const identity = database ? await serveIdentity() : undefined;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    MEDIATECA_DATA: data,
    // a cluster's configuration: /_/ready checks the database and the object store (Ceph RGW here); the JWKS loads lazily
    ...(database
      ? { DATABASE_URL: database.url, NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', EVENTS_SECRET: 'cold-start-bench-secret', CHANNEL_SECRETS_KEY: `bench:${Buffer.alloc(32, 7).toString('base64')}`, K_SINK: 'http://127.0.0.1:9', S3_ENDPOINT: S3.endpoint, S3_REGION: S3.region, S3_ACCESS_KEY: S3.accessKeyId, S3_SECRET_KEY: S3.secretAccessKey, AUTH_JWKS_URL: identity!.jwksUrl }
      : {}),
    ...(values['node-options'] ? { NODE_OPTIONS: values['node-options'] } : {}),
  };
  if (database) await seedCatalogue(env);
  console.log(`${database ? 'cluster configuration: PostgreSQL server (throwaway database), S3 store, remote JWKS' : `embedded: PGlite in ${data}, filesystem store`}; ${runs} runs per bundle after 1 warm-up\n`);

  const results = new Map<string, Sample[]>(reports.map((report) => [report.fn, []]));
  try {
    // Rounds of every bundle in turn (A B C … A B C …), so a burst of load on the machine hits all of them
    // alike instead of one row; round 0 warms the file cache and is not counted.
    for (let round = 0; round <= runs; round++) {
      for (const report of reports) {
        const first = identity && FIRST_REQUESTS[report.fn] ? { ...FIRST_REQUESTS[report.fn]!, token: identity.token } : undefined;
        const sample = await coldStart(join(report.outDir, 'index.mjs'), !(report.fn in baselines), env, first);
        if (round > 0) results.get(report.fn)!.push(sample);
      }
      if (round > 0) process.stdout.write(`  round ${round}/${runs} done\n`);
    }
  } finally {
    rmSync(data, { recursive: true, force: true });
    await database?.drop();
    identity?.close();
  }
  console.log(`\n${formatTable(reports, results)}`);
  const eager = reports.filter((r) => r.eagerHeavy.length > 0);
  console.log(eager.length === 0 ? '\nheavy modules (sharp, ffmpeg, onnxruntime, tfjs): none loaded at start-up' : `\nloaded eagerly at start-up (must be lazy): ${eager.map((r) => `${r.fn} → ${r.eagerHeavy.join(', ')}`).join('; ')}`);
}

/** Spawn → first 200 on /_/health; then, for functions, wait for /_/ready, send the first request, let it idle, read VmRSS. */
async function coldStart(entry: string, isFunction: boolean, env: NodeJS.ProcessEnv, first?: (typeof FIRST_REQUESTS)[string] & { token: string }): Promise<Sample> {
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
    let firstAnswerMs: number | undefined;
    if (first) {
      const answer = await send(`http://127.0.0.1:${port}${first.path}`, first.method, first.token, first.body);
      if (answer.status !== first.status) throw new Error(`${first.method} ${first.path}: ${answer.status} ${answer.body}\n${stderr}`);
      firstAnswerMs = performance.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { ms, readyMs, firstAnswerMs, rssBytes: residentBytes(child.pid!) };
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  }
}

async function untilOk(url: string, child: ChildProcess, stderr: () => string, pauseMs: number): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}\n${stderr()}`);
    if ((await send(url, 'GET').then((answer) => answer.status, () => 0)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`${url}: no 200 within 60 s\n${stderr()}`);
}

function send(url: string, method: string, token?: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) };
    const outgoing = request(url, { method, headers, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    outgoing.once('error', reject);
    outgoing.end(payload);
  });
}

/** An identity provider's JWKS on loopback, and an editor's token for project newsroom signed with its key. */
async function serveIdentity(): Promise<{ jwksUrl: string; token: string; close(): void }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] });
  const server = createServer((_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { auth } = loadConfig({});
  const token = await new SignJWT({ [auth.rolesClaim]: { newsroom: 'editor' } })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setSubject('bench-editor').setIssuer(auth.issuer).setAudience(auth.audience).setIssuedAt().setExpirationTime('2h')
    .sign(privateKey);
  return { jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`, token, close: () => server.close() };
}

/** 20 ready assets with thumbnails, listed and found: a first page answers with 20 presigned thumbnail URLs. */
async function seedCatalogue(env: NodeJS.ProcessEnv): Promise<void> {
  const platform = await createPlatform({ name: 'cold-start-seed', config: loadConfig(env) });
  try {
    const assets = await seedAssetsInBulk(platform, Array.from({ length: 20 }, (_, i) => ({ title: `Faro ${i + 1}`, thumbnail: true })));
    await platform.search.upsertMany(assets.map((asset) => toSearchDocument(asset, {}, `${asset.project_id}/${asset.id}/thumbnail.jpg`)));
  } finally {
    await platform.close();
  }
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
  const header = ['bundle', 'JS at start', 'to /_/health (median)', 'min-max', 'vs bare', ...(floorMs ? [`vs ${DB_FLOOR}`] : []), 'to /_/ready', 'vs bare', 'first answer', 'vs bare', 'RSS idle', 'vs bare', `goal: ≤${GOAL.ratio}× bare and <${GOAL.ms} ms`];
  const againstBare = (values: (number | undefined)[]) => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length === 0 ? ['', ''] : [`${median(known).toFixed(0)} ms`, `${(median(known) / bareMs).toFixed(2)}×`];
  };
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
      ...(report.fn === BARE || report.fn === DB_FLOOR ? ['', ''] : againstBare(samples.map((s) => s.readyMs))),
      ...againstBare(samples.map((s) => s.firstAnswerMs)),
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
