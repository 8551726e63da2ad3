// Politeness towards every source host: a few requests in flight and a steady request rate per host, a pause
// when the host asks for one (429/503 with Retry-After), and robots.txt obeyed for our user agent.
import { setTimeout as sleep } from 'node:timers/promises';
import robotsParserModule from 'robots-parser';
import { importThrottled } from './metrics.ts';
import { FetchError, type NetPolicy, guardedGet, readText } from './net.ts';

interface HostState {
  inFlight: number;
  /** earliest start of the next request (rate), or the end of a pause the host asked for */
  nextStartAt: number;
  pausedUntil: number;
  waiters: (() => void)[];
}

/** Per-host limits: HostGate in one process's memory, RedisHostGate shared by every instance (REDIS_URL). */
export interface HostLimiter {
  /** Hosts where a new request would only wait: all slots taken, or paused at the host's request. */
  busyHosts(now?: number): string[];
  /** Waits for a slot and the host's next turn; the returned function gives the slot back. */
  acquire(host: string, signal?: AbortSignal): Promise<() => void>;
  /** The host asked us to slow down: no request starts there before `ms` from now. */
  pause(host: string, ms: number): Promise<void>;
  close(): Promise<void>;
}

export class HostGate implements HostLimiter {
  private readonly hosts = new Map<string, HostState>();
  private readonly intervalMs: number;

  constructor(private readonly concurrency: number, requestsPerSecond: number) {
    this.intervalMs = requestsPerSecond > 0 ? 1000 / requestsPerSecond : 0;
  }

  /** Hosts where a new request would only wait: all slots taken, or paused at the host's request. */
  busyHosts(now = Date.now()): string[] {
    return [...this.hosts].filter(([, s]) => s.inFlight >= this.concurrency || s.pausedUntil > now).map(([host]) => host);
  }

  /** Waits for a slot and the host's next turn; the returned function gives the slot back. */
  async acquire(host: string, signal?: AbortSignal): Promise<() => void> {
    const state = this.state(host);
    let waited = false;
    while (state.inFlight >= this.concurrency) {
      waited = true;
      await new Promise<void>((resolve) => state.waiters.push(resolve));
      signal?.throwIfAborted();
    }
    state.inFlight++;
    const startAt = Math.max(state.nextStartAt, state.pausedUntil, Date.now());
    state.nextStartAt = startAt + this.intervalMs;
    const delay = startAt - Date.now();
    if (delay > 0) {
      waited = true;
      try {
        await sleep(delay, undefined, { signal });
      } catch (error) {
        this.release(state);
        throw error;
      }
    }
    if (waited) importThrottled.inc({ host, reason: 'limit' });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(state);
    };
  }

  /** The host asked us to slow down: no request starts there before `ms` from now. */
  async pause(host: string, ms: number): Promise<void> {
    const state = this.state(host);
    state.pausedUntil = Math.max(state.pausedUntil, Date.now() + ms);
    importThrottled.inc({ host, reason: 'server' });
  }

  async close(): Promise<void> {}

  private release(state: HostState): void {
    state.inFlight--;
    state.waiters.shift()?.();
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) this.hosts.set(host, (state = { inFlight: 0, nextStartAt: 0, pausedUntil: 0, waiters: [] }));
    return state;
  }
}

interface Robots {
  isAllowed(url: string, userAgent?: string): boolean | undefined;
}
// The package's declaration file does not type its CommonJS export; this is its documented signature.
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => Robots;

const ROBOTS_TTL_MS = 60 * 60_000;
const ROBOTS_MAX_BYTES = 512 * 1024;

/** robots.txt per origin, fetched through the gate (it is a request to the host too) and kept for an hour. */
export class RobotsCache {
  private readonly cache = new Map<string, { robots: Robots | null; expiresAt: number; pending?: Promise<Robots | null> }>();

  constructor(private readonly policy: NetPolicy, private readonly agent: string, private readonly gate: HostLimiter) {}

  async isAllowed(url: URL, signal?: AbortSignal): Promise<boolean> {
    const robots = await this.robotsFor(url.origin, url.host, signal);
    return robots?.isAllowed(url.href, this.agent) ?? true;
  }

  private async robotsFor(origin: string, host: string, signal?: AbortSignal): Promise<Robots | null> {
    const cached = this.cache.get(origin);
    if (cached && cached.expiresAt > Date.now()) return cached.robots;
    if (cached?.pending) return cached.pending;
    const pending = this.load(origin, host, signal);
    this.cache.set(origin, { robots: null, expiresAt: 0, pending });
    try {
      const robots = await pending;
      this.cache.set(origin, { robots, expiresAt: Date.now() + ROBOTS_TTL_MS });
      return robots;
    } catch (error) {
      this.cache.delete(origin);
      throw error;
    }
  }

  /** A missing robots.txt (4xx) allows everything; a server error or timeout leaves the question open (retry later). */
  private async load(origin: string, host: string, signal?: AbortSignal): Promise<Robots | null> {
    const robotsUrl = `${origin}/robots.txt`;
    const release = await this.gate.acquire(host, signal);
    try {
      const { response } = await guardedGet(new URL(robotsUrl), this.policy, signal);
      return robotsParser(robotsUrl, await readText(response, ROBOTS_MAX_BYTES));
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      if (error.permanent && error.status !== undefined) return null;
      if (error.permanent) throw error;
      throw new FetchError(`robots.txt unavailable: ${error.message}`, false, error.status, error.retryAfterMs);
    } finally {
      release();
    }
  }
}
