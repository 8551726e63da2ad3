// Every request the importer sends to a source host goes through here: robots.txt first, then the host's
// slot and turn, then the guarded GET. A 429 or 503 pauses the whole host for its Retry-After.
import type { IncomingMessage } from 'node:http';
import type { ImportConfig } from '../config.ts';
import { FetchError, type NetPolicy, checkUrl, guardedGet, readText } from './net.ts';
import { HostGate, type HostLimiter, RobotsCache } from './politeness.ts';
import { RedisHostGate } from './redis-host-gate.ts';

export class RobotsDisallowed extends FetchError {
  constructor(url: URL) {
    super(`disallowed by ${url.origin}/robots.txt`, true);
  }
}

/** A pause when a host answers 429/503 without Retry-After. */
const DEFAULT_HOST_PAUSE_MS = 5_000;

export class PoliteHttp {
  readonly policy: NetPolicy;
  readonly gate: HostLimiter;
  private readonly robots: RobotsCache;

  /** With `redisUrl` (REDIS_URL), the per-host limits are shared by every instance through Redis. */
  constructor(readonly config: ImportConfig, redisUrl?: string) {
    this.policy = { userAgent: config.userAgent, allowPrivateNetworks: config.allowPrivateNetworks, allowedRanges: config.allowedRanges, requestTimeoutMs: config.requestTimeoutMs, maxRedirects: config.maxRedirects };
    this.gate = redisUrl
      ? new RedisHostGate(redisUrl, config.hostConcurrency, config.hostRequestsPerSecond)
      : new HostGate(config.hostConcurrency, config.hostRequestsPerSecond);
    this.robots = new RobotsCache(this.policy, config.robotsAgent, this.gate);
  }

  /** A 2xx response; the host's slot is held until the body has been read or destroyed. */
  async get(target: string, signal?: AbortSignal): Promise<{ response: IncomingMessage; url: URL }> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new FetchError(`not a URL: ${target.slice(0, 200)}`, true);
    }
    checkUrl(url, this.policy);
    if (!(await this.robots.isAllowed(url, signal))) throw new RobotsDisallowed(url);
    const host = url.host.toLowerCase();
    const release = await this.gate.acquire(host, signal);
    try {
      const result = await guardedGet(url, this.policy, signal);
      result.response.once('close', release);
      return result;
    } catch (error) {
      release();
      if (error instanceof FetchError && (error.status === 429 || error.status === 503)) await this.gate.pause(host, error.retryAfterMs ?? DEFAULT_HOST_PAUSE_MS).catch(() => {});
      throw error;
    }
  }

  close(): Promise<void> {
    return this.gate.close();
  }

  async getText(target: string, maxBytes: number, signal?: AbortSignal): Promise<string> {
    const { response } = await this.get(target, signal);
    return readText(response, maxBytes);
  }
}
