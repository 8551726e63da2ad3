// bench:distribute — assets to four channels (webhook, s3 on Ceph RGW, sftp on OpenSSH, ftp on vsftpd, all on this
// machine), interleaved with the same files sent by the raw clients (fetch, the S3 SDK, ssh2-sftp-client, basic-ftp;
// one connection per lane, TCP_NODELAY on SSH as the adapter sets it, no database), read from the same store, and:
//   throughput: distribute's time / the raw clients' time, the raw clients keeping the same contract by hand (each
//     file with its JSON sidecar, drop folders through a temporary name and a rename, the webhook signed) (goal ≤ 1.2),
//     and, for reference, / the file bytes alone (no sidecar, no rename, unsigned);
//   request → delivered p50 / p95 per publication (the publication is what approval or a rule creates);
//   isolation: the other channels' median delivery latency with the webhook answering 500 / with none failing (≈ 1.0).
// BENCH_ASSETS (200; rounds of BENCH_ROUNDS, 4, after a warm-up round of the same size, not counted), BENCH_ASSET_KIB (256), BENCH_ISOLATION_ASSETS (20 per variant),
// BENCH_CHANNELS (all four; e.g. sftp,ftp: only those), BENCH_DB (postgres: a fresh database on this machine's PostgreSQL, as distribute-worker runs; pglite: in-process).
// Needs root (sshd and vsftpd log a system user in), Ceph RGW, openssh-server and vsftpd.
import { createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Client as FtpClient } from 'basic-ftp';
import SftpClient from 'ssh2-sftp-client';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createChannel, findChannel } from '../../shared/db/distribution.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { publishAll } from '../../shared/distribution/publish.ts';
import { secretBoxOf } from '../../shared/distribution/secrets.ts';
import { DistributionWorker } from '../../shared/distribution/worker.ts';
import { S3ObjectStore } from '../../shared/storage/s3.ts';
import { startSshd, startVsftpd } from '../../test/support/drop-servers.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { S3, createRgwUser, createTestDatabase, requireServer } from '../../test/support/servers.ts';
import { startWebhookReceiver } from '../../test/support/webhook-receiver.ts';
import { envNumber, machineBusySeconds, machineLine, median, percentile, table } from './lib.ts';

const ASSETS = envNumber('BENCH_ASSETS', 200);
const ROUNDS = envNumber('BENCH_ROUNDS', 4);
const KIB = envNumber('BENCH_ASSET_KIB', 256);
const ISOLATION = envNumber('BENCH_ISOLATION_ASSETS', 20);
const DB = process.env.BENCH_DB === 'pglite' ? 'pglite' : 'postgres';
/** the channels' default concurrency (DISTRIBUTE_CONCURRENCY), and the raw clients' lanes per channel */
const LANES = 2;
/** approvals arriving at once (editors, a bulk approval through the API): each its own statement, BENCH_APPROVERS (8) at a time */
const APPROVERS = envNumber('BENCH_APPROVERS', 8);
/** how long requesting the publications took in each distribute run (approvals: part of distribute's time) */
const requestingMs: number[] = [];

await requireServer('Ceph RGW', S3.endpoint);
console.log(`bench:distribute · ${ASSETS} assets × 4 channels (${KIB} KiB originals) in ${ROUNDS} interleaved rounds after a warm-up · database ${DB} · ${machineLine()}\n`);

const database = DB === 'postgres' ? await createTestDatabase() : undefined;
// the worker is woken when publications are requested (as the distribute function wakes an in-process worker) and
// pumps each channel when an attempt ends: the poll interval is left at its default and is not in the hot path
const platform = await createTestPlatform({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'error', DISTRIBUTE_ALLOW_PRIVATE_NETWORKS: 'true', ...(database ? { DATABASE_URL: database.url } : {}) });
const [webhook, sshd, ftpd] = await Promise.all([startWebhookReceiver(), startSshd(), startVsftpd()]);
const bucket = `bench-distribute-${Date.now().toString(36)}`;
const s3Credentials = createRgwUser() ?? { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey };
const s3 = new S3ObjectStore({ endpoint: S3.endpoint, region: S3.region, ...s3Credentials }, { incoming: bucket, masters: bucket, renditions: bucket, analytics: bucket });
await (await s3.client()).send(new CreateBucketCommand({ Bucket: bucket }));
const secrets = secretBoxOf(platform.config);
const worker = new DistributionWorker(platform, secrets).start();

const allChannelSpecs = [
  { name: 'webhook', type: 'webhook', target: { url: webhook.url }, credentials: { secret: webhook.secret } },
  { name: 's3', type: 's3', target: { endpoint: S3.endpoint, region: S3.region, bucket, prefix: 'distribute' }, credentials: s3Credentials },
  { name: 'sftp', type: 'sftp', target: { host: '127.0.0.1', port: sshd.port, directory: sshd.directory }, credentials: { username: sshd.username, password: sshd.password } },
  { name: 'ftp', type: 'ftp', target: { host: '127.0.0.1', port: ftpd.port, directory: ftpd.directory }, credentials: { username: ftpd.username, password: ftpd.password } },
];
// BENCH_CHANNELS (e.g. "sftp,ftp"): only these channels, on both sides (to see where a ratio comes from)
const only = process.env.BENCH_CHANNELS?.split(',');
const channelSpecs = allChannelSpecs.filter((spec) => !only || only.includes(spec.name));
const channels: NonNullable<Awaited<ReturnType<typeof createChannel>>>[] = [];
for (const spec of channelSpecs) {
  // a failing receiver is retried quickly and trips the breaker after 3 failures (the isolation run)
  const settings = { retryBaseMs: 200, retryMaxMs: 1000, breakerThreshold: 3, breakerHalfOpenMs: 2000, maxAttempts: 50 };
  channels.push((await createChannel(platform.db, { id: crypto.randomUUID(), project_id: 'newsroom', name: spec.name, type: spec.type, target: spec.target, credentials: secrets.encrypt(spec.credentials), renditions: ['original'], settings }))!);
}

async function makeAssets(count: number): Promise<{ asset: Asset; bytes: Buffer }[]> {
  const made = [];
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(KIB * 1024);
    // the original's recorded size is what an S3 PUT declares as its Content-Length: it must be the real one
    const asset = await seedAsset(platform, { state: 'ready', editorialState: 'approved', sizeBytes: bytes.length });
    await platform.store.put(platform.config.buckets.masters, asset.storage_key, bytes, 'application/octet-stream');
    made.push({ asset, bytes });
  }
  return made;
}

/**
 * Publishes every asset to the given channels and waits until each publication settles: its latencies in ms, and
 * when the last one was delivered (the worker's clock, which is this process's: the poll's interval is not timed).
 */
async function distribute(items: { asset: Asset }[], channelIds: string[]): Promise<{ latencies: Map<string, number[]>; lastDeliveredAt: number }> {
  const ids: string[] = [];
  const targets = await Promise.all(channelIds.map(async (id) => (await findChannel(platform.db, id))!));
  const requesting = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: APPROVERS }, async () => {
    while (next < items.length) {
      const { asset } = items[next++]!;
      // as approval does: the publications are requested, and the worker is woken (functions/distribute)
      // (one transaction for the asset's channels, as the rule handler does on approval)
      const now = new Date();
      for (const answer of await publishAll(platform.db, asset, targets.map((channel) => ({ channel, request: { actor: 'bench', now } })))) ids.push((answer as { publication: { id: string } }).publication.id);
      worker.wake();
    }
  }));
  requestingMs.push(performance.now() - requesting);
  const latencies = new Map<string, number[]>();
  for (;;) {
    const rows = await platform.db.selectFrom('publications').select(['channel_id', 'state', 'created_at', 'delivered_at']).where('id', 'in', ids).execute();
    if (rows.every((r) => r.state === 'delivered' || r.state === 'failed')) {
      for (const r of rows) if (r.delivered_at) latencies.set(r.channel_id, [...(latencies.get(r.channel_id) ?? []), new Date(r.delivered_at).getTime() - new Date(r.created_at).getTime()]);
      return { latencies, lastDeliveredAt: Math.max(...rows.map((r) => (r.delivered_at ? new Date(r.delivered_at).getTime() : 0))) };
    }
    // the status query is work on the same machine: not too often
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** the JSON sidecar a raw client writes beside each file (the same fields distribute's sidecar carries) */
function sidecarOf(asset: Asset, bytes: Buffer): Buffer {
  return Buffer.from(JSON.stringify({ id: asset.id, projectId: asset.project_id, version: asset.version, title: asset.title, description: asset.description, tags: asset.tags, mediaType: asset.media_type, filename: asset.filename, metadata: { technical: {}, descriptive: {} }, idempotencyKey: `raw-${asset.id}`, files: [{ name: 'original', filename: `raw-${asset.id}`, contentType: 'application/octet-stream', size: bytes.length }] }, null, 2));
}

/** a Standard Webhooks signature, computed here with node:crypto (not distribute's own code) */
function sign(id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', Buffer.from(webhook.secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * The same files with the raw clients: LANES connections per destination, the four destinations at once, each file
 * read from the platform's store as distribute reads it. `contract`: what a delivery must do to be safe for its
 * receiver, done by hand (the JSON sidecar beside each file; on drop folders a temporary name and a rename, so a
 * watcher never sees half a file; a signed webhook). `files`: the file bytes alone, no sidecar, no rename, unsigned.
 */
async function raw(items: { asset: Asset; bytes: Buffer }[], variant: 'contract' | 'files'): Promise<void> {
  const contract = variant === 'contract';
  const open = (asset: Asset) => platform.store.getStream(platform.config.buckets.masters, asset.storage_key);
  const lanes = <T>(connect: () => Promise<T>, send: (client: T, item: { asset: Asset; bytes: Buffer }) => Promise<unknown>, close: (client: T) => Promise<unknown>) =>
    Promise.all(Array.from({ length: LANES }, async (_, lane) => {
      const client = await connect();
      for (let i = lane; i < items.length; i += LANES) await send(client, items[i]!);
      await close(client);
    }));
  /** a drop folder: the file (and its sidecar) under a temporary name, then renamed into place */
  const dropFolder = async (write: (source: Readable, path: string) => Promise<unknown>, rename: (from: string, to: string) => Promise<unknown>, directory: string, { asset, bytes }: { asset: Asset; bytes: Buffer }) => {
    if (!contract) return write(await open(asset), `${directory}/raw-${variant}-${asset.id}`);
    for (const [name, source] of [[`raw-${asset.id}`, await open(asset)], [`raw-${asset.id}.json`, Readable.from([sidecarOf(asset, bytes)])]] as const) {
      await write(source, `${directory}/.${name}.part`);
      await rename(`${directory}/.${name}.part`, `${directory}/${name}`);
    }
  };
  const wanted = (name: string) => channelSpecs.some((spec) => spec.name === name);
  await Promise.all([
    wanted('webhook') && lanes(async () => undefined, async (_c, { asset, bytes }) => {
      const url = await platform.store.presignGet(platform.config.buckets.masters, asset.storage_key, 3600);
      const id = `raw-${variant}-${asset.id}`;
      const body = JSON.stringify({ type: 'asset.published', asset: contract ? JSON.parse(sidecarOf(asset, bytes).toString()) : { id: asset.id }, files: [{ url }] });
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp) };
      if (contract) headers['webhook-signature'] = sign(id, timestamp, body);
      const response = await fetch(webhook.url, { method: 'POST', headers, body });
      await response.arrayBuffer();
    }, async () => {}),
    wanted('s3') && lanes(async () => undefined, async (_c, { asset, bytes }) => {
      await s3.put(bucket, `raw/${variant}/${asset.id}`, await open(asset), 'application/octet-stream', bytes.length);
      if (contract) await s3.put(bucket, `raw/${variant}/${asset.id}.json`, sidecarOf(asset, bytes), 'application/json');
    }, async () => {}),
    wanted('sftp') && lanes(async () => {
      const c = new SftpClient();
      await c.connect({ host: '127.0.0.1', port: sshd.port, username: sshd.username, password: sshd.password });
      // as the sftp adapter does: without it every request waits for a delayed ACK, and the baseline would be slow
      (c as unknown as { client: { setNoDelay(on: boolean): void } }).client.setNoDelay(true);
      return c;
    }, (c, item) => dropFolder((source, path) => c.put(source, path), (from, to) => c.posixRename(from, to), sshd.directory, item), (c) => c.end()),
    wanted('ftp') && lanes(async () => { const c = new FtpClient(); await c.access({ host: '127.0.0.1', port: ftpd.port, user: ftpd.username, password: ftpd.password }); return c; },
      (c, item) => dropFolder((source, path) => c.uploadFrom(source, path), (from, to) => c.rename(from, to), ftpd.directory, item), async (c) => c.close()),
  ]);
}

try {
  const perRound = Math.max(1, Math.round(ASSETS / ROUNDS));
  const times = { contract: [] as number[], files: [] as number[], distribute: [] as number[] };
  const cpu = { contract: 0, files: 0, distribute: 0 };
  const latencies: number[] = [];
  const byChannel = new Map<string, number[]>();
  // one warm-up round first, not counted: both sides' first connections and the JIT's first passes
  for (let round = -1; round < ROUNDS; round++) {
    const warmUp = round < 0;
    const items = await makeAssets(perRound);
    // alternate which goes first, so drift in the machine's load hits both alike
    const variants = ['contract', 'files', 'distribute'] as const;
    const first = (round + 3) % 3;
    const order = [...variants.slice(first), ...variants.slice(0, first)];
    const roundMs: Partial<Record<typeof variants[number], number>> = {};
    for (const variant of order) {
      const started = Date.now();
      const busy = machineBusySeconds();
      if (variant !== 'distribute') {
        await raw(items, variant);
        roundMs[variant] = Date.now() - started;
      } else {
        const { latencies: byThisChannel, lastDeliveredAt } = await distribute(items, channels.map((c) => c.id));
        roundMs[variant] = lastDeliveredAt - started;
        for (const [channelId, list] of warmUp ? [] : byThisChannel) {
          latencies.push(...list);
          byChannel.set(channelId, [...(byChannel.get(channelId) ?? []), ...list]);
        }
      }
      if (warmUp) continue;
      times[variant].push(roundMs[variant]!);
      cpu[variant] += machineBusySeconds() - busy;
    }
    if (warmUp) requestingMs.pop();
    console.log(`${warmUp ? 'warm-up (not counted)' : `round ${round + 1}/${ROUNDS}`}: raw (same contract) ${roundMs.contract!.toFixed(0)} ms, raw (files only) ${roundMs.files!.toFixed(0)} ms, distribute ${roundMs.distribute!.toFixed(0)} ms`);
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  console.log();
  table([
    ['throughput: distribute vs the raw clients', 'raw ms', 'distribute ms', 'ratio', 'machine CPU s raw / distribute'],
    ['same bytes and contract: file + sidecar, temporary name + rename, signed (goal ≤ 1.2)', sum(times.contract), sum(times.distribute), sum(times.distribute) / sum(times.contract), `${cpu.contract.toFixed(1)} / ${cpu.distribute.toFixed(1)}`],
    ['the file bytes alone (for reference: no sidecar, no rename, unsigned)', sum(times.files), sum(times.distribute), sum(times.distribute) / sum(times.files), `${cpu.files.toFixed(1)} / ${cpu.distribute.toFixed(1)}`],
  ], 2);
  console.log(`of distribute's time, requesting the publications (one statement per approved asset, ${APPROVERS} approvals at a time, the worker delivering meanwhile): ${sum(requestingMs).toFixed(0)} ms\n`);
  table([
    ['approval (publication requested) → delivered', 'p50 ms', 'p95 ms'],
    [`per publication (${latencies.length})`, percentile(latencies, 50), percentile(latencies, 95)],
    ...channels.map((c) => [`  ${c.name}`, percentile(byChannel.get(c.id) ?? [], 50), percentile(byChannel.get(c.id) ?? [], 95)]),
  ], 0);

  // isolation: the three others' latency while the webhook answers 500 (retries, then an open breaker) vs none failing
  const others = channels.filter((c) => c.name !== 'webhook').map((c) => c.id);
  const isolation = { healthy: [] as number[], failing: [] as number[] };
  for (const variant of others.length && channels.some((c) => c.name === 'webhook') ? (['healthy', 'failing', 'healthy', 'failing'] as const) : []) {
    webhook.mode = variant === 'failing' ? 500 : 'ok';
    const byChannel = await distributeWithout(variant, others);
    isolation[variant].push(...others.flatMap((id) => byChannel.get(id) ?? []));
  }
  webhook.mode = 'ok';
  table([
    ['other channels latency', 'none failing p50 ms', 'webhook failing p50 ms', 'ratio (goal ≈ 1.0)'],
    ['s3 + sftp + ftp', median(isolation.healthy), median(isolation.failing), median(isolation.failing) / median(isolation.healthy)],
  ], 2);
} finally {
  await worker.stop();
  await Promise.all([webhook.close(), sshd.stop(), ftpd.stop()]);
  const client = await s3.client();
  for await (const o of s3.list(bucket)) await s3.delete(bucket, o.key);
  const { DeleteBucketCommand } = await import('@aws-sdk/client-s3');
  await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
  await platform.dispose();
  await database?.drop();
}

/** publishes fresh assets to all four channels; waits for the three others (the failing webhook keeps retrying) */
async function distributeWithout(variant: string, wait: string[]): Promise<Map<string, number[]>> {
  const items = await makeAssets(ISOLATION / 2);
  for (const { asset } of items) {
    const now = new Date();
    await publishAll(platform.db, asset, channels.map((channel) => ({ channel, request: { actor: `bench-${variant}`, now } })));
    worker.wake();
  }
  const ids = items.map((i) => i.asset.id);
  for (;;) {
    const rows = await platform.db.selectFrom('publications').select(['channel_id', 'state', 'created_at', 'delivered_at']).where('asset_id', 'in', ids).where('channel_id', 'in', wait).execute();
    if (rows.every((r) => r.state === 'delivered')) {
      const latencies = new Map<string, number[]>();
      for (const r of rows) latencies.set(r.channel_id, [...(latencies.get(r.channel_id) ?? []), new Date(r.delivered_at!).getTime() - new Date(r.created_at).getTime()]);
      return latencies;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
