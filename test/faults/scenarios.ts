// The fault scenarios: a batch of unique 640×480 JPEGs uploaded by 4 clients while one fault strikes, then the
// count of what became of every file whose bytes reached the store. Clients behave like real ones: a failed
// POST /uploads (5xx, a dropped connection) is asked again after a second; the bytes go once per plan.
import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { type Cluster, PIPELINE } from './cluster.ts';

export interface BatchResult {
  scenario: string;
  /** files whose bytes reached the store (a plan and a 2xx PUT) */
  uploads: number;
  ready: number;
  /** failed, or no asset at all */
  lost: number;
  /** more than one ready asset for one file */
  duplicated: number;
  /** neither ready nor failed when the batch gave up waiting */
  stuck: number;
  /** from the end of the fault (and of the uploads) to the last file ready */
  recoverySeconds: number;
  /** from the first upload to the last file ready */
  totalSeconds: number;
  /** process exits nobody asked for, per function; liveness kills */
  crashes: number;
  livenessKills: number;
}

export interface Scenario {
  name: string;
  /** runs once this fraction of the batch has been planned, alongside the rest of the batch */
  at?: number;
  fault?: (cluster: Cluster) => Promise<void>;
  /** before the first upload */
  setUp?: (cluster: Cluster) => Promise<void>;
  /** after every upload is in the store and the fault is over: what recovery needs from outside, if anything */
  afterUploads?: (cluster: Cluster) => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** NATS stays down this long (60 s by default; FAULT_NATS_DOWN_SECONDS for a quicker local run). */
const NATS_DOWN_MS = Number(process.env.FAULT_NATS_DOWN_SECONDS ?? 60) * 1000;

export const SCENARIOS: Scenario[] = [
  { name: 'baseline' },
  {
    name: 'kill -9 of every function, twice',
    at: 0.25,
    fault: async (cluster) => {
      for (let round = 0; round < 2; round++) {
        for (const fn of PIPELINE) cluster.kill(fn);
        await sleep(1_000);
        await cluster.allReady();
        await sleep(3_000);
      }
    },
  },
  {
    name: `NATS down ${NATS_DOWN_MS / 1000} s`,
    at: 0.25,
    fault: async (cluster) => {
      await cluster.nats.kill();
      await sleep(NATS_DOWN_MS);
      await cluster.nats.start();
    },
  },
  {
    name: 'PostgreSQL restart (10 s down)',
    at: 0.25,
    fault: async (cluster) => {
      await cluster.postgres.stop();
      await sleep(10_000);
      await cluster.postgres.start();
    },
  },
  {
    name: 'notifications dropped for a batch',
    setUp: (cluster) => cluster.dropNotifications(),
    afterUploads: (cluster) => cluster.wireNotifications(),
  },
  {
    name: 'transcode hangs (SIGSTOP)',
    at: 0.25,
    fault: async (cluster) => {
      cluster.hang('transcode');
      // the liveness probe kills it after three silent probes; the supervisor starts it again
      await cluster.allReady();
    },
  },
  {
    name: 'expiry over arrived objects',
    setUp: async (cluster) => {
      cluster.pauseSweep(true);
      await cluster.dropNotifications();
    },
    afterUploads: async (cluster) => {
      // every plan is past its 5 s expiry, no notification came and no sweep ran: expiry must verify, not delete
      await sleep(6_000);
      await cluster.expire();
      cluster.pauseSweep(false);
      await cluster.wireNotifications();
    },
  },
];

/** A JPEG no other upload has: a random colour with a random 16×16 patch. */
async function uniqueJpeg(): Promise<Buffer> {
  const [r, g, b] = randomBytes(3);
  const patch = await sharp(randomBytes(16 * 16 * 3), { raw: { width: 16, height: 16, channels: 3 } }).png().toBuffer();
  return sharp({ create: { width: 640, height: 480, channels: 3, background: { r: r!, g: g!, b: b! } } })
    .composite([{ input: patch, left: randomBytes(1)[0]! % 600, top: randomBytes(1)[0]! % 440 }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

export interface Uploaded {
  assetId: string;
  sha256: string;
}

/** One client upload: ask for a plan until one comes (the platform may be failing), then PUT the bytes. */
async function uploadOne(cluster: Cluster, index: number, deadline: number): Promise<Uploaded | undefined> {
  const bytes = await uniqueJpeg();
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  while (Date.now() < deadline) {
    const plan = await cluster
      .createUpload({ filename: `fault-${index}.jpg`, size: bytes.length, contentType: 'image/jpeg', sha256 })
      .then(async (response) => (response.ok ? ((await response.json()) as { assetId: string; url: string }) : undefined), () => undefined);
    if (!plan) {
      await sleep(1_000);
      continue;
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const put = await fetch(plan.url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(bytes) }).then((r) => r.ok, () => false);
      if (put) return { assetId: plan.assetId, sha256 };
      await sleep(1_000);
    }
  }
  return undefined;
}

/** `count` uploads by `clients` clients at once; `beforeEach(index)` runs as each one starts. */
export async function uploadAll(cluster: Cluster, count: number, clients = 4, beforeEach: (index: number) => void = () => {}): Promise<Uploaded[]> {
  const uploaded: Uploaded[] = [];
  const deadline = Date.now() + 15 * 60_000;
  let planned = 0;
  const client = async () => {
    while (planned < count) {
      const index = planned++;
      beforeEach(index);
      const done = await uploadOne(cluster, index, deadline);
      if (done) uploaded.push(done);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return uploaded;
}

export interface BatchOptions {
  uploads: number;
  clients?: number;
  /** give up when no file changed state for this long */
  stallMs?: number;
  log?: (line: string) => void;
}

/** Runs one scenario on the cluster and counts what became of each file. */
export async function runScenario(cluster: Cluster, scenario: Scenario, options: BatchOptions): Promise<BatchResult> {
  const { uploads, clients = 4, stallMs = 180_000, log = () => {} } = options;
  const before = cluster.stats();
  await scenario.setUp?.(cluster);
  const started = Date.now();
  let fault: Promise<void> | undefined;
  const faultAt = Math.floor(uploads * (scenario.at ?? 0));
  const uploaded = await uploadAll(cluster, uploads, clients, (index) => {
    if (scenario.fault && !fault && index >= faultAt) {
      log(`${scenario.name}: fault starts after ${index} uploads`);
      fault = scenario.fault(cluster);
    }
  });
  await fault;
  await scenario.afterUploads?.(cluster);
  const faultEnded = Date.now();
  log(`${scenario.name}: ${uploaded.length} uploads in the store; fault over after ${Math.round((faultEnded - started) / 1000)} s`);

  // wait while files keep moving; a state that stops changing for stallMs ends the wait
  const ids = uploaded.map((u) => u.assetId);
  let states = new Map<string, string>();
  let lastChange = Date.now();
  let lastReadyAt = faultEnded;
  let ready = 0;
  let terminal = 0;
  for (;;) {
    states = await cluster.states(ids).catch(() => states);
    const nowReady = ids.filter((id) => states.get(id) === 'ready').length;
    const nowTerminal = ids.filter((id) => ['ready', 'failed'].includes(states.get(id) ?? '')).length;
    if (nowReady !== ready || nowTerminal !== terminal) lastChange = Date.now();
    if (nowReady > ready) lastReadyAt = Date.now();
    [ready, terminal] = [nowReady, nowTerminal];
    if (terminal === ids.length || Date.now() - lastChange > stallMs) break;
    await sleep(500);
  }

  const perFile = await cluster.readyPerFile();
  const stuck = ids.filter((id) => states.has(id) && !['ready', 'failed'].includes(states.get(id)!)).length;
  const lost = ids.filter((id) => !states.has(id) || states.get(id) === 'failed').length;
  const duplicated = uploaded.reduce((sum, u) => sum + Math.max(0, (perFile.get(u.sha256) ?? 0) - 1), 0);
  const after = cluster.stats();
  const delta = (key: 'crashes' | 'livenessKills') => Object.keys(after).reduce((sum, fn) => sum + after[fn]![key] - before[fn]![key], 0);
  return {
    scenario: scenario.name,
    uploads: uploaded.length,
    ready,
    lost,
    duplicated,
    stuck,
    recoverySeconds: Math.max(0, Math.round((lastReadyAt - faultEnded) / 100) / 10),
    totalSeconds: Math.round((lastReadyAt - started) / 100) / 10,
    crashes: delta('crashes'),
    livenessKills: delta('livenessKills'),
  };
}

/** The table docs/benchmarks.md keeps. */
export function formatTable(results: BatchResult[]): string {
  const header = '| scenario | uploads | ready | lost | duplicated | stuck | recovery (s) | first upload → last ready (s) | crashes | liveness restarts |';
  const rule = '|---|---|---|---|---|---|---|---|---|---|';
  const rows = results.map((r) => `| ${r.scenario} | ${r.uploads} | ${r.ready} | ${r.lost} | ${r.duplicated} | ${r.stuck} | ${r.recoverySeconds} | ${r.totalSeconds} | ${r.crashes} | ${r.livenessKills} |`);
  return [header, rule, ...rows].join('\n');
}
