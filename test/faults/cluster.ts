// A small cluster on this machine, run the way OpenFaaS runs Mediateca: every pipeline function in its own process
// (`functions/<fn>/main.ts`, as the container's entrypoint starts it), a gateway routing /function/<fn> to them,
// jetstream-bridge delivering events through that gateway, and a supervisor doing the kubelet's part: a process
// that exits is started again, and one whose /_/health fails (or does not answer) three probes in a row is killed
// and started again. PostgreSQL 15 and nats-server are private instances the scenarios may kill; Ceph RGW (shared)
// holds the objects in buckets of this run's own, with its bucket notification pushed through the gateway.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { type Kysely, sql } from 'kysely';
import { loadConfig } from '../../shared/config.ts';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import type { DB } from '../../shared/db/schema.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { deliverToFunction, remoteFunction } from '../../shared/events/deliver.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { pushEndpointWithSecret } from '../../shared/events/secret.ts';
import { type LocalSigner, localSigner } from '../../shared/http/auth.ts';
import { openStore } from '../../shared/platform.ts';
import { ensureUploadNotifications, removeRgwNotifications, uploadNotificationTopic } from '../../shared/storage/rgw-notifications.ts';
import type { S3ObjectStore } from '../../shared/storage/s3.ts';
import { type PrivateNats, type PrivatePostgres, startPrivateNats, startPrivatePostgres } from '../support/private-servers.ts';
import { S3, emptyAndDeleteBuckets, freePort } from '../support/servers.ts';

/** The pipeline, as deployed: HTTP functions, event consumers and the two always-on workers. */
export const PIPELINE = ['upload', 'upload-complete', 'transcode', 'enrich', 'index', 'outbox-relay', 'jetstream-bridge'] as const;
export type FunctionName = (typeof PIPELINE)[number];

export interface ClusterOptions {
  /** DELIVERY_CONCURRENCY for the bridge */
  deliveryConcurrency?: number;
  /** seconds between the sweep CronJob's runs (0: no sweep) */
  sweepEverySeconds?: number;
  log?: (line: string) => void;
}

interface Supervised {
  name: FunctionName;
  port: number;
  child?: ChildProcess;
  /** exits the supervisor did not cause (a crash) */
  crashes: number;
  /** kills by the liveness probe */
  livenessKills: number;
  expectedExit: boolean;
  failedProbes: number;
  /** ready once since its start: only then does the liveness probe watch it (a startup probe's job) */
  started: boolean;
  /** scaled to zero on purpose: not restarted */
  held: boolean;
  /** variables of this process only (a different setting for one run) */
  env: Record<string, string>;
}

export class Cluster {
  readonly run = randomBytes(4).toString('hex');
  readonly project = `faults-${this.run}`;
  postgres!: PrivatePostgres;
  nats!: PrivateNats;
  database!: Database;
  store!: S3ObjectStore;
  gatewayUrl = '';
  private gateway?: ServerType;
  private signer!: LocalSigner;
  private token = '';
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'mediateca-faults-'));
  private readonly eventsSecret = randomBytes(24).toString('hex');
  private readonly processes = new Map<FunctionName, Supervised>();
  private env: Record<string, string> = {};
  private supervising = true;
  private probeTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private sweepPaused = false;
  private readonly log: (line: string) => void;

  constructor(private readonly options: ClusterOptions = {}) {
    this.log = options.log ?? (() => {});
  }

  get db(): Kysely<DB> {
    return this.database.db;
  }

  async start(): Promise<void> {
    [this.postgres, this.nats] = await Promise.all([startPrivatePostgres(), startPrivateNats()]);
    const databaseUrl = await this.postgres.database('mediateca');
    const gatewayPort = await freePort();
    this.gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const buckets = { BUCKET_INCOMING: `mtf-${this.run}-incoming`, BUCKET_MASTERS: `mtf-${this.run}-masters`, BUCKET_RENDITIONS: `mtf-${this.run}-renditions` };
    this.env = {
      MEDIATECA_DATA: this.dataDir,
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '4',
      NATS_URL: this.nats.url,
      NATS_STREAM: `FAULTS_${this.run.toUpperCase()}`,
      S3_ENDPOINT: S3.endpoint,
      S3_ACCESS_KEY: S3.accessKeyId,
      S3_SECRET_KEY: S3.secretAccessKey,
      S3_REGION: S3.region,
      ...buckets,
      EVENTS_SECRET: this.eventsSecret,
      OPENFAAS_GATEWAY_URL: this.gatewayUrl,
      NOTIFY_ENDPOINT: 'none',
      HOST: '127.0.0.1',
      ENRICH_PARTS: 'none',
      LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'error',
      UPLOAD_SWEEP_GRACE: '3s',
      RATE_LIMIT_PER_MINUTE: '0',
      RATE_LIMIT_PER_IP_PER_MINUTE: '0',
      RATE_LIMIT_UPLOADS_PER_MINUTE: '0',
      DELIVERY_CONCURRENCY: String(this.options.deliveryConcurrency ?? 4),
      LOOP_STALL_SECONDS: '60s',
      SHUTDOWN_TIMEOUT_MS: '5s',
      // the processes need nothing else from the test's environment
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
    };
    const config = loadConfig({ ...this.env, PUBLIC_URL: this.gatewayUrl });
    // migrated once here, so the functions do not all race to create the schema
    this.database = await openDatabase(databaseUrl, { poolSize: 4 });
    this.store = (await openStore(config)) as S3ObjectStore;
    await this.store.ensureBuckets();
    this.signer = await localSigner(join(this.dataDir, 'keys', 'signing-key.json'), config.auth);
    this.token = await this.signer.mint('fault-client', { [this.project]: 'editor' }, 24 * 3600);
    this.gateway = await this.startGateway(gatewayPort);
    // a test run that is cut short leaves no function processes behind
    process.once('exit', () => { for (const p of this.processes.values()) p.child?.kill('SIGKILL'); });
    for (const name of PIPELINE) this.processes.set(name, { name, port: await freePort(), crashes: 0, livenessKills: 0, expectedExit: false, failedProbes: 0, started: false, held: false, env: {} });
    await Promise.all([...this.processes.values()].map((p) => this.spawn(p)));
    await Promise.all([...this.processes.values()].map((p) => this.untilReady(p)));
    await this.wireNotifications();
    this.probeTimer = setInterval(() => void this.probe(), 2_000);
    const every = this.options.sweepEverySeconds ?? 5;
    if (every > 0) this.sweepTimer = setInterval(() => void this.sweep(), every * 1000);
  }

  /** The gateway: /function/<fn>/<path> → that function's process, as the OpenFaaS gateway forwards. */
  private async startGateway(port: number): Promise<ServerType> {
    const app = new Hono();
    app.all('/function/:fn/*', async (c) => this.forward(c.req.param('fn'), c.req.raw));
    app.all('/function/:fn', async (c) => this.forward(c.req.param('fn'), c.req.raw));
    return new Promise((resolve) => {
      const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(server));
    });
  }

  private async forward(fn: string, request: Request): Promise<Response> {
    const target = this.processes.get(fn as FunctionName);
    if (!target) return new Response(`no function ${fn}`, { status: 404 });
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/function\/[^/]+/, '') || '/';
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    try {
      const response = await fetch(`http://127.0.0.1:${target.port}${path}${url.search}`, { method: request.method, headers: request.headers, body, redirect: 'manual' });
      return new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers });
    } catch (error) {
      return new Response(`${fn} is unreachable: ${(error as Error).message}`, { status: 502 });
    }
  }

  private async spawn(p: Supervised): Promise<void> {
    p.expectedExit = false;
    p.failedProbes = 0;
    p.started = false;
    const child = spawn(process.execPath, ['--import', 'tsx', `functions/${p.name}/main.ts`], {
      cwd: new URL('../../', import.meta.url).pathname,
      // uploads expire 5 s after their plan, so the expiry scenario need not wait a day (expiry runs only when it asks)
      env: { ...this.env, PORT: String(p.port), PUBLIC_URL: `${this.gatewayUrl}/function/upload`, ...(p.name === 'upload' ? { UPLOAD_EXPIRE_AFTER: '5s' } : {}), ...p.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    p.child = child;
    child.stderr?.on('data', (chunk: Buffer) => this.log(`[${p.name}] ${chunk.toString().trimEnd()}`));
    child.once('exit', (code, signal) => {
      if (p.child !== child) return;
      p.child = undefined;
      if (!p.expectedExit) {
        p.crashes++;
        this.log(`[${p.name}] exited unexpectedly (${signal ?? code})`);
      }
      // the kubelet's restart (without its growing back-off)
      if (this.supervising && !p.held) setTimeout(() => { if (this.supervising && !p.held && !p.child) void this.spawn(p); }, 300);
    });
    void this.untilReady(p).then(() => { if (p.child === child) p.started = true; }, () => {
      this.log(`[${p.name}] never became ready: killing it`);
      p.expectedExit = true;
      child.kill('SIGKILL');
    });
  }

  private async untilReady(p: Supervised, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const ok = await fetch(`http://127.0.0.1:${p.port}/_/ready`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${p.name} not ready after ${timeoutMs} ms`);
  }

  /** The liveness probe: three failed or silent probes in a row, and the process is killed (and restarted). */
  private async probe(): Promise<void> {
    await Promise.all([...this.processes.values()].map(async (p) => {
      if (!p.child || !p.started) return;
      const ok = await fetch(`http://127.0.0.1:${p.port}/_/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      p.failedProbes = ok ? 0 : p.failedProbes + 1;
      if (p.failedProbes >= 3 && p.child) {
        this.log(`[${p.name}] liveness failed 3 times: killing it`);
        p.livenessKills++;
        p.expectedExit = true;
        p.child.kill('SIGKILL');
      }
    }));
  }

  /** The sweep CronJob. */
  private async sweep(): Promise<void> {
    if (this.sweepPaused) return;
    await deliverToFunction(remoteFunction(`${this.gatewayUrl}/function/upload-complete`, 60_000), newEvent('io.mediateca.uploads.sweep-requested', EVENT_SOURCE, {}), this.eventsSecret).catch(() => {});
  }

  pauseSweep(paused: boolean): void {
    this.sweepPaused = paused;
  }

  /** The expiry CronJob, once. */
  async expire(): Promise<void> {
    const result = await deliverToFunction(remoteFunction(`${this.gatewayUrl}/function/upload`, 60_000), newEvent('io.mediateca.uploads.expire-requested', EVENT_SOURCE, {}), this.eventsSecret);
    if (result.outcome !== 'ack') throw new Error(`expiry failed: ${result.reason}`);
  }

  notificationTarget() {
    return { bucket: this.store.buckets.incoming, topicName: uploadNotificationTopic(this.store.buckets.incoming) };
  }

  async wireNotifications(): Promise<void> {
    const config = loadConfig(this.env);
    await ensureUploadNotifications(config, pushEndpointWithSecret(`${this.gatewayUrl}/function/upload-complete/`, this.eventsSecret));
  }

  async dropNotifications(): Promise<void> {
    await removeRgwNotifications(S3, this.notificationTarget());
  }

  /** Stops a function for good (SIGTERM), until startFunction. */
  async stopFunction(name: FunctionName): Promise<void> {
    const p = this.processes.get(name)!;
    p.held = true;
    const child = p.child;
    if (!child) return;
    p.expectedExit = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Starts a stopped function, with `env` on top of the cluster's variables; resolves once it is ready. */
  async startFunction(name: FunctionName, env: Record<string, string> = {}): Promise<void> {
    const p = this.processes.get(name)!;
    p.held = false;
    p.env = env;
    await this.spawn(p);
    await this.untilReady(p);
  }

  /** kill -9, as a node failure or the OOM killer would; the supervisor starts it again. */
  kill(name: FunctionName): void {
    const p = this.processes.get(name)!;
    p.expectedExit = true;
    p.child?.kill('SIGKILL');
  }

  /** A process that stops answering (SIGSTOP): only the liveness probe gets it going again. */
  hang(name: FunctionName): void {
    this.processes.get(name)!.child?.kill('SIGSTOP');
  }

  /** Exits nobody asked for (crashes) and liveness kills, per function. */
  stats(): Record<string, { crashes: number; livenessKills: number }> {
    return Object.fromEntries([...this.processes.values()].map((p) => [p.name, { crashes: p.crashes, livenessKills: p.livenessKills }]));
  }

  /** Every process up and ready again (after a fault). */
  async allReady(timeoutMs = 180_000): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => this.untilReady(p, timeoutMs)));
  }

  /** POST /uploads through the gateway, as a client. */
  async createUpload(body: Record<string, unknown>): Promise<Response> {
    return fetch(`${this.gatewayUrl}/function/upload/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ projectId: this.project, ...body }),
      signal: AbortSignal.timeout(30_000),
    });
  }

  /** States of these assets (the database may be restarting: the caller retries). */
  async states(assetIds: string[]): Promise<Map<string, string>> {
    if (assetIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('assets').select(['id', 'state']).where('id', 'in', assetIds).execute();
    return new Map(rows.map((row) => [row.id, row.state]));
  }

  /** Assets of this project per SHA-256 of their file: more than one ready asset for one file is a duplicate. */
  async readyPerFile(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('assets').select(['sha256', sql<number>`count(*)::int`.as('n')]).where('project_id', '=', this.project).where('state', '=', 'ready').groupBy('sha256').execute();
    return new Map(rows.map((row) => [row.sha256 ?? '', row.n]));
  }

  async stop(): Promise<void> {
    this.supervising = false;
    clearInterval(this.probeTimer);
    clearInterval(this.sweepTimer);
    await Promise.all([...this.processes.values()].map(async (p) => {
      const child = p.child;
      if (!child) return;
      p.expectedExit = true;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }));
    await new Promise((resolve) => (this.gateway ? this.gateway.close(resolve) : resolve(undefined)));
    await this.dropNotifications().catch(() => {});
    if (this.store) await emptyAndDeleteBuckets(this.store).catch((error) => this.log(`bucket cleanup failed: ${error}`));
    await this.database?.close().catch(() => {});
    await this.nats?.dispose();
    await this.postgres?.dispose();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
