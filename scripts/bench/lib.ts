// Small helpers shared by the benchmarks: percentiles, interleaved runs, a plain text table, the machine line,
// and the dev host started on this machine's servers.
// Benchmarks print figures as ratios against a baseline measured in the same run and never fail on them:
// the machine is shared and noisy, so only numbers taken side by side compare.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type Host, startHost } from '../host.ts';
import { loadConfig } from '../../shared/config.ts';
import { deleteStream } from '../../shared/events/jetstream.ts';
import { removeRgwNotifications, uploadNotificationTopic } from '../../shared/storage/rgw-notifications.ts';
import type { S3ObjectStore } from '../../shared/storage/s3.ts';
import { NATS_URL, POSTGRES_URL, S3, createTestDatabase, emptyAndDeleteBuckets, requireServer } from '../../test/support/servers.ts';

/** Nearest-rank percentile (p in 0..100) of the values; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Milliseconds one call of `work` takes. */
export async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/**
 * What a variant answers when it times itself: its end is a timestamp of the work's own last step (a server's
 * record of its last task), not the moment a poll noticed it.
 */
export interface SelfTimed {
  elapsedMs: number;
}

/**
 * Runs every variant once per round, in turn (A B A B …), after `warmUp` uncounted rounds, so that drift in the
 * machine's load hits each variant alike. `between` runs before each timed call, outside the timing. A variant
 * is timed from its call to its return, unless it answers its own time (SelfTimed).
 */
export async function interleave<Name extends string>(
  variants: Record<Name, () => Promise<unknown>>,
  options: { rounds: number; warmUp?: number; between?: (name: Name) => Promise<unknown>; onRound?: (round: number) => void },
): Promise<Record<Name, number[]>> {
  const names = Object.keys(variants) as Name[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Name, number[]>;
  const warmUp = options.warmUp ?? 1;
  for (let round = 0; round < warmUp + options.rounds; round++) {
    for (const name of names) {
      await options.between?.(name);
      const started = performance.now();
      const result = await variants[name]();
      const ms = isSelfTimed(result) ? result.elapsedMs : performance.now() - started;
      if (round >= warmUp) samples[name].push(ms);
    }
    if (round >= warmUp) options.onRound?.(round - warmUp + 1);
  }
  return samples;
}

function isSelfTimed(result: unknown): result is SelfTimed {
  return typeof result === 'object' && result !== null && typeof (result as SelfTimed).elapsedMs === 'number';
}

/** Prints rows as aligned columns: the first column left-aligned, numbers to `digits` decimals. */
export function table(rows: Array<Array<string | number>>, digits = 2): void {
  const text = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? (Number.isFinite(cell) ? cell.toFixed(digits) : '–') : cell)));
  const widths = text[0]!.map((_, column) => Math.max(...text.map((row) => (row[column] ?? '').length)));
  for (const row of text) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('   '));
  console.log();
}

/** One line saying where and when the figures were taken. */
export function machineLine(): string {
  const cpu = cpus();
  return `${new Date().toISOString()} · ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'} · Node ${process.version} · load ${loadAverage()}`;
}

/** The 1, 5 and 15 minute load averages: other work on the machine skews every number. */
export function loadAverage(): string {
  return loadavg().map((value) => value.toFixed(2)).join(' ');
}

export const MiB = 1024 * 1024;

/** CPU seconds the whole machine spent busy (every process, user + system, from /proc/stat) since boot. */
export function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100; // USER_HZ
}

export function envNumber(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}`);
  return parsed;
}

export interface ServerHost {
  host: Host;
  /** stops the host and removes everything made for the run: buckets, notification topic, stream, database */
  stop(): Promise<void>;
}

/**
 * The dev host on the servers of this machine (PostgreSQL, Ceph RGW, and NATS JetStream with `nats`), in a throwaway
 * database with buckets of its own; with `notifications`, RGW pushes its bucket notifications to upload-complete.
 * Resolves undefined, after a loud message, when a server is missing.
 */
export async function startServerHost(options: { dataDir: string; nats: boolean; notifications: boolean; env?: Record<string, string> }): Promise<ServerHost | undefined> {
  const needed: Array<[string, string]> = [['PostgreSQL', POSTGRES_URL], ['Ceph RGW', S3.endpoint], ...(options.nats ? [['NATS', NATS_URL] as [string, string]] : [])];
  for (const [name, url] of needed) if (!(await requireServer(name, url))) return undefined;
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.warn('cleanup failed:', error));
  };
  try {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const stream = `BENCH_${run.toUpperCase()}`;
    const config = loadConfig({
      ENRICH_PARTS: 'none', // enrichment runs on the GPU pool in production, not beside these functions
      ...options.env,
      MEDIATECA_DATA: options.dataDir,
      PORT: '0',
      DATABASE_URL: database.url,
      ...(options.nats ? { NATS_URL, NATS_STREAM: stream } : {}),
      S3_ENDPOINT: S3.endpoint,
      S3_REGION: S3.region,
      S3_ACCESS_KEY: S3.accessKeyId,
      S3_SECRET_KEY: S3.secretAccessKey,
      BUCKET_INCOMING: `mt-bench-${run}-incoming`,
      BUCKET_MASTERS: `mt-bench-${run}-masters`,
      BUCKET_RENDITIONS: `mt-bench-${run}-renditions`,
      // the host wires the incoming bucket's notification itself unless told not to
      ...(options.notifications ? {} : { NOTIFY_ENDPOINT: 'none' }),
    });
    const host = await startHost(config, 0);
    const store = host.platform.store as S3ObjectStore;
    if (options.nats) {
      cleanups.push(async () => {
        const nc = await connect({ servers: NATS_URL });
        await deleteStream(await jetstreamManager(nc), stream).catch(() => {});
        await nc.close();
      });
    }
    cleanups.push(() => emptyAndDeleteBuckets(store));
    cleanups.push(() => host.stop());
    if (options.notifications) {
      // removed before the host stops, so no push is left queued for a port nobody listens on
      cleanups.push(() => removeRgwNotifications(S3, { bucket: store.buckets.incoming, topicName: uploadNotificationTopic(store.buckets.incoming) }));
    }
    return { host, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

