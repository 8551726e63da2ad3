// bench:distribute — assets to four channels (webhook, s3 on Ceph RGW, sftp on OpenSSH, ftp on vsftpd, all on this
// machine), interleaved with the same bytes sent by the raw clients (fetch, the S3 SDK, ssh2-sftp-client, basic-ftp;
// one connection per lane, TCP_NODELAY on SSH as the adapter sets it, no sidecar, no rename, no database), and:
//   throughput: distribute's time / the raw clients' time for the same files (goal ≤ 1.2);
//   request → delivered p50 / p95 per publication (the publication is what approval or a rule creates);
//   isolation: the other channels' median delivery latency with the webhook answering 500 / with none failing (≈ 1.0).
// BENCH_ASSETS (200; rounds of BENCH_ROUNDS, 4), BENCH_ASSET_KIB (256), BENCH_ISOLATION_ASSETS (20 per variant),
// BENCH_DB (postgres: a fresh database on this machine's PostgreSQL, as distribute-worker runs; pglite: in-process).
// Needs root (sshd and vsftpd log a system user in), Ceph RGW, openssh-server and vsftpd.
import { randomBytes } from 'node:crypto';
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
import { envNumber, machineLine, median, percentile, table } from './lib.ts';

const ASSETS = envNumber('BENCH_ASSETS', 200);
const ROUNDS = envNumber('BENCH_ROUNDS', 4);
const KIB = envNumber('BENCH_ASSET_KIB', 256);
const ISOLATION = envNumber('BENCH_ISOLATION_ASSETS', 20);
const DB = process.env.BENCH_DB === 'pglite' ? 'pglite' : 'postgres';
const LANES = 2;
/** how long requesting the publications took in each distribute run (approvals: part of distribute's time) */
const requestingMs: number[] = []; // the channels' default concurrency (DISTRIBUTE_CONCURRENCY), and the raw clients' lanes per channel

await requireServer('Ceph RGW', S3.endpoint);
console.log(`bench:distribute · ${ASSETS} assets × 4 channels (${KIB} KiB originals) in ${ROUNDS} interleaved rounds · database ${DB} · ${machineLine()}\n`);

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

const channelSpecs = [
  { name: 'webhook', type: 'webhook', target: { url: webhook.url }, credentials: { secret: webhook.secret } },
  { name: 's3', type: 's3', target: { endpoint: S3.endpoint, region: S3.region, bucket, prefix: 'distribute' }, credentials: s3Credentials },
  { name: 'sftp', type: 'sftp', target: { host: '127.0.0.1', port: sshd.port, directory: sshd.directory }, credentials: { username: sshd.username, password: sshd.password } },
  { name: 'ftp', type: 'ftp', target: { host: '127.0.0.1', port: ftpd.port, directory: ftpd.directory }, credentials: { username: ftpd.username, password: ftpd.password } },
];
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

/** publishes every asset to the given channels and waits until each publication settles; its latencies in ms */
async function distribute(items: { asset: Asset }[], channelIds: string[]): Promise<Map<string, number[]>> {
  const ids: string[] = [];
  const targets = await Promise.all(channelIds.map(async (id) => (await findChannel(platform.db, id))!));
  const requesting = performance.now();
  for (const { asset } of items) {
    // as approval does: the publications are requested, and the worker is woken (functions/distribute)
    // (one transaction for the asset's channels, as the rule handler does on approval)
    const now = new Date();
    for (const answer of await publishAll(platform.db, asset, targets.map((channel) => ({ channel, request: { actor: 'bench', now } })))) ids.push((answer as { publication: { id: string } }).publication.id);
    worker.wake();
  }
  requestingMs.push(performance.now() - requesting);
  const latencies = new Map<string, number[]>();
  for (;;) {
    const rows = await platform.db.selectFrom('publications').select(['channel_id', 'state', 'created_at', 'delivered_at']).where('id', 'in', ids).execute();
    if (rows.every((r) => r.state === 'delivered' || r.state === 'failed')) {
      for (const r of rows) if (r.delivered_at) latencies.set(r.channel_id, [...(latencies.get(r.channel_id) ?? []), new Date(r.delivered_at).getTime() - new Date(r.created_at).getTime()]);
      return latencies;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** the same files with the raw clients: LANES connections per destination, the four destinations at once */
async function raw(items: { asset: Asset; bytes: Buffer }[]): Promise<void> {
  const lanes = <T>(open: () => Promise<T>, send: (client: T, item: { asset: Asset; bytes: Buffer }) => Promise<unknown>, close: (client: T) => Promise<unknown>) =>
    Promise.all(Array.from({ length: LANES }, async (_, lane) => {
      const client = await open();
      for (let i = lane; i < items.length; i += LANES) await send(client, items[i]!);
      await close(client);
    }));
  await Promise.all([
    lanes(async () => undefined, async (_c, { asset }) => {
      const url = await platform.store.presignGet(platform.config.buckets.masters, asset.storage_key, 3600);
      const response = await fetch(webhook.url, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': `raw-${asset.id}` }, body: JSON.stringify({ asset: { id: asset.id, title: asset.title }, files: [{ url }] }) });
      await response.arrayBuffer();
    }, async () => {}),
    lanes(async () => undefined, (_c, { asset, bytes }) => s3.put(bucket, `raw/${asset.id}`, bytes, 'application/octet-stream'), async () => {}),
    lanes(async () => {
      const c = new SftpClient();
      await c.connect({ host: '127.0.0.1', port: sshd.port, username: sshd.username, password: sshd.password });
      // as the sftp adapter does: without it every request waits for a delayed ACK, and the baseline would be slow
      (c as unknown as { client: { setNoDelay(on: boolean): void } }).client.setNoDelay(true);
      return c;
    }, (c, { asset, bytes }) => c.put(Readable.from([bytes]), `${sshd.directory}/raw-${asset.id}`), (c) => c.end()),
    lanes(async () => { const c = new FtpClient(); await c.access({ host: '127.0.0.1', port: ftpd.port, user: ftpd.username, password: ftpd.password }); return c; }, (c, { asset, bytes }) => c.uploadFrom(Readable.from([bytes]), `${ftpd.directory}/raw-${asset.id}`), async (c) => c.close()),
  ]);
}

try {
  const perRound = Math.max(1, Math.round(ASSETS / ROUNDS));
  const times = { raw: [] as number[], distribute: [] as number[] };
  const latencies: number[] = [];
  const byChannel = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const items = await makeAssets(perRound);
    // alternate which goes first, so drift in the machine's load hits both alike
    const order = round % 2 === 0 ? (['raw', 'distribute'] as const) : (['distribute', 'raw'] as const);
    for (const variant of order) {
      const started = performance.now();
      if (variant === 'raw') await raw(items);
      else {
        for (const [channelId, list] of await distribute(items, channels.map((c) => c.id))) {
          latencies.push(...list);
          byChannel.set(channelId, [...(byChannel.get(channelId) ?? []), ...list]);
        }
      }
      times[variant].push(performance.now() - started);
    }
    console.log(`round ${round + 1}/${ROUNDS}: raw ${times.raw.at(-1)!.toFixed(0)} ms, distribute ${times.distribute.at(-1)!.toFixed(0)} ms`);
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  console.log();
  table([
    ['throughput (same bytes)', 'raw clients', 'distribute', 'ratio (goal ≤ 1.2)'],
    ['total ms', sum(times.raw), sum(times.distribute), sum(times.distribute) / sum(times.raw)],
  ], 2);
  console.log(`of distribute's time, requesting the publications (one statement per approved asset, the worker delivering meanwhile): ${sum(requestingMs).toFixed(0)} ms\n`);
  table([
    ['approval (publication requested) → delivered', 'p50 ms', 'p95 ms'],
    [`per publication (${latencies.length})`, percentile(latencies, 50), percentile(latencies, 95)],
    ...channels.map((c) => [`  ${c.name}`, percentile(byChannel.get(c.id) ?? [], 50), percentile(byChannel.get(c.id) ?? [], 95)]),
  ], 0);

  // isolation: the three others' latency while the webhook answers 500 (retries, then an open breaker) vs none failing
  const others = channels.filter((c) => c.name !== 'webhook').map((c) => c.id);
  const isolation = { healthy: [] as number[], failing: [] as number[] };
  for (const variant of ['healthy', 'failing', 'healthy', 'failing'] as const) {
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
