// Per-host limits shared by every import worker (and the import function's listing) through Redis, when REDIS_URL
// is set: the same rules as HostGate in memory, counted once for all instances.
//  - slots: a sorted set per host of holders, scored by when their hold lapses (renewed while held), so a worker
//    that died gives its slots back by itself;
//  - rate: the host's next start time, reserved atomically, so starts are spaced 1/rate apart over all workers;
//  - a pause the host asked for (429/503 Retry-After): a key that expires when the pause ends.
// One Lua script does each acquisition (Redis's own clock, so the workers' clocks need not agree).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis as RedisClient } from 'ioredis';
import type { HostLimiter } from './politeness.ts';
import { importThrottled } from './metrics.ts';

const HOLD_MS = 60_000;
const POLL_MIN_MS = 25;
const POLL_MAX_MS = 500;

// KEYS: slots, pause, next start. ARGV: holder, concurrency, interval ms, hold ms.
// Answers {1, delay ms before starting} when a slot was taken, {0, ms to wait} when full or paused.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {0, paused} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {0, 0} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) * 2)
local start = math.max(tonumber(redis.call('GET', KEYS[3]) or '0'), now)
local interval = tonumber(ARGV[3])
if interval > 0 then redis.call('SET', KEYS[3], start + interval, 'PX', math.max(1000, interval * 2 + (start - now))) end
return {1, start - now}
`;

export class RedisHostGate implements HostLimiter {
  /** hosts seen full or paused, until when: what claimTask should pass over for now */
  private readonly busyUntil = new Map<string, number>();
  private readonly intervalMs: number;

  private connection?: Promise<RedisClient>;

  constructor(private readonly redisUrl: string, private readonly concurrency: number, requestsPerSecond: number, private readonly prefix = 'mediateca:import:host') {
    this.intervalMs = requestsPerSecond > 0 ? Math.ceil(1000 / requestsPerSecond) : 0;
  }

  /** Connected on first use; ioredis is loaded only then (CommonJS: `default` is its module.exports). */
  private redis(): Promise<RedisClient> {
    this.connection ??= import('ioredis').then(({ default: { Redis } }) => new Redis(this.redisUrl, { maxRetriesPerRequest: 2, connectionName: 'mediateca-import-hosts' }));
    return this.connection;
  }

  busyHosts(now = Date.now()): string[] {
    return [...this.busyUntil].filter(([, until]) => until > now).map(([host]) => host);
  }

  async acquire(host: string, signal?: AbortSignal): Promise<() => void> {
    const redis = await this.redis();
    const holder = randomUUID();
    const keys = this.keys(host);
    let waited = false;
    for (let poll = POLL_MIN_MS; ; poll = Math.min(POLL_MAX_MS, poll * 2)) {
      signal?.throwIfAborted();
      const [taken, ms] = (await redis.eval(ACQUIRE, 3, keys.slots, keys.pause, keys.next, holder, this.concurrency, this.intervalMs, HOLD_MS)) as [number, number];
      if (taken === 1) {
        if (ms > 0) {
          waited = true;
          await sleep(ms, undefined, { signal }).catch(async (error) => {
            await redis.zrem(keys.slots, holder);
            throw error;
          });
        }
        break;
      }
      waited = true;
      // busy until a while past this poll: claims pass the host over rather than wait on it
      this.busyUntil.set(host, Date.now() + Math.max(ms, poll) + POLL_MAX_MS);
      await sleep(Math.max(ms, poll), undefined, { signal });
    }
    if (waited) importThrottled.inc({ host, reason: 'limit' });
    // a long download keeps its slot: the hold is renewed while it lasts
    const renew = setInterval(() => { void redis.zadd(keys.slots, 'XX', Date.now() + HOLD_MS, holder).catch(() => {}); }, HOLD_MS / 3);
    renew.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      this.busyUntil.delete(host);
      void redis.zrem(keys.slots, holder).catch(() => {});
    };
  }

  async pause(host: string, ms: number): Promise<void> {
    const redis = await this.redis();
    const { pause } = this.keys(host);
    const left = await redis.pttl(pause);
    if (left < ms) await redis.set(pause, '1', 'PX', Math.max(1, Math.round(ms)));
    this.busyUntil.set(host, Date.now() + ms);
    importThrottled.inc({ host, reason: 'server' });
  }

  async close(): Promise<void> {
    if (!this.connection) return;
    const redis = await this.connection;
    this.connection = undefined; // a later acquire connects again (a worker stopped and started)
    await redis.quit().catch(() => redis.disconnect());
  }

  private keys(host: string) {
    const base = `${this.prefix}:{${host}}`; // one hash slot per host on a Redis Cluster
    return { slots: `${base}:slots`, pause: `${base}:pause`, next: `${base}:next` };
  }
}

