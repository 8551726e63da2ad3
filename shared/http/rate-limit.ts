// Requests per minute on the HTTP API: per client IP (counted before the token is checked, so a flood of bad
// tokens is limited too), per caller (the token's subject), and a stricter budget for creating uploads.
// Health, metrics and event endpoints are not API routes and are not limited.
//
// The budgets live in process memory on the embedded default, and in Redis when REDIS_URL is set, so every
// instance of every function draws on one budget. When Redis stops answering, each process falls back to a
// budget of its own in memory (rate-limiter-flexible's insurance limiter) instead of refusing everything or
// limiting nothing.
//
// Answers carry the header fields of draft-ietf-httpapi-ratelimit-headers as three fields (`RateLimit-Limit`,
// `RateLimit-Remaining`, `RateLimit-Reset` in seconds) for the budget closest to running out; a refusal is
// 429 problem+json with `Retry-After`.
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import type { Principal } from '../domain/permissions.ts';
import type { Logger } from '../observability/logger.ts';
import { Problem } from './problem.ts';

export type Budget = 'ip' | 'subject' | 'uploads';

const WINDOW_SECONDS = 60;
const BUDGET_NAMES: Record<Budget, string> = {
  ip: 'requests from this address (RATE_LIMIT_PER_IP_PER_MINUTE)',
  subject: 'requests for this caller (RATE_LIMIT_PER_MINUTE)',
  uploads: 'upload creations for this caller (RATE_LIMIT_UPLOADS_PER_MINUTE)',
};

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** seconds until the budget is full again */
  resetSeconds: number;
}

export class RateLimited extends Problem {
  constructor(budget: Budget, state: RateLimitState) {
    super(429, 'Too Many Requests', `too many ${BUDGET_NAMES[budget]}: at most ${state.limit} a minute; try again in ${state.resetSeconds} s`);
    Object.assign(this.headers, rateLimitHeaders(state), { 'Retry-After': String(state.resetSeconds) });
  }
}

export interface RateLimits {
  /** Takes one request from `key`'s budget: its state afterwards, undefined when that budget is off; throws RateLimited when spent. */
  consume(budget: Budget, key: string): Promise<RateLimitState | undefined>;
  close(): Promise<void>;
}

export type RateLimitConfig = Config['rateLimits'];

/**
 * The limiters are made on the first API request, so functions that serve only events never load them or
 * connect to Redis.
 */
export function createRateLimits(config: RateLimitConfig, redisUrl: string | undefined, logger: Logger): RateLimits {
  const points: Record<Budget, number> = { ip: config.perIp, subject: config.perSubject, uploads: config.uploadsPerSubject };
  const budgets = (Object.keys(points) as Budget[]).filter((budget) => points[budget] > 0);
  if (budgets.length === 0) return { consume: async () => undefined, close: async () => {} };
  let made: Promise<{ limiters: Map<Budget, RateLimiterAbstract>; close(): Promise<void> }> | undefined;
  const make = () => (made ??= makeLimiters(budgets, points, config.keyPrefix, redisUrl, logger));
  return {
    async consume(budget, key) {
      const limiter = (await make()).limiters.get(budget);
      if (!limiter) return undefined;
      try {
        return stateOf(limiter.points, await limiter.consume(key));
      } catch (rejection) {
        if (rejection instanceof Error) throw rejection;
        throw new RateLimited(budget, stateOf(limiter.points, rejection as RateLimiterRes));
      }
    },
    close: async () => { await (await made)?.close(); },
  };
}

async function makeLimiters(budgets: Budget[], points: Record<Budget, number>, keyPrefix: string, redisUrl: string | undefined, logger: Logger) {
  const { default: RateLimiterMemory } = await import('rate-limiter-flexible/lib/RateLimiterMemory.js');
  const inMemory = (budget: Budget) => new RateLimiterMemory({ points: points[budget], duration: WINDOW_SECONDS, keyPrefix: `${keyPrefix}:${budget}` });
  if (!redisUrl) return { limiters: new Map(budgets.map((budget) => [budget, inMemory(budget)])), close: async () => {} };

  const [ioredis, { default: RateLimiterRedis }] = await Promise.all([import('ioredis'), import('rate-limiter-flexible/lib/RateLimiterRedis.js')]);
  // ioredis is CommonJS: `default` is its module.exports under Node and in an esbuild bundle alike
  const { Redis } = ioredis.default;
  // No offline queue: while Redis is away a request is counted in memory at once instead of waiting for it.
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'mediateca-rate-limits' });
  let reported = false;
  redis.on('error', (error) => {
    if (!reported) logger.warn({ err: error }, 'Redis for rate limits is not answering; each process counts in its own memory until it is back');
    reported = true;
  });
  redis.on('ready', () => { reported = false; });
  await whenReady(redis, 5_000);
  const inRedis = (budget: Budget) => new RateLimiterRedis({
    storeClient: redis,
    points: points[budget],
    duration: WINDOW_SECONDS,
    keyPrefix: `${keyPrefix}:${budget}`,
    rejectIfRedisNotReady: true,
    insuranceLimiter: inMemory(budget),
  });
  return {
    limiters: new Map(budgets.map((budget) => [budget, inRedis(budget)])),
    close: async () => { await redis.quit().catch(() => redis.disconnect()); },
  };
}

function whenReady(redis: { status: string; once(event: 'ready', listener: () => void): unknown }, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    redis.once('ready', () => { clearTimeout(timer); resolve(); });
  });
}

function stateOf(limit: number, result: RateLimiterRes): RateLimitState {
  return { limit, remaining: Math.max(0, result.remainingPoints), resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return { 'RateLimit-Limit': String(state.limit), 'RateLimit-Remaining': String(state.remaining), 'RateLimit-Reset': String(state.resetSeconds) };
}

/** Reports the budget closest to running out: a tighter one already on the response wins. */
export function reportRateLimit(response: Response, state: RateLimitState | undefined): void {
  if (!state) return;
  const reported = response.headers.get('RateLimit-Remaining');
  if (reported !== null && Number(reported) <= state.remaining) return;
  for (const [name, value] of Object.entries(rateLimitHeaders(state))) response.headers.set(name, value);
}

/**
 * The client's address: the socket's peer, or behind `trustedProxyHops` proxies that each append to
 * X-Forwarded-For, the address the outermost of them saw (entries before it are the client's own claims).
 */
export function clientIp(c: Context, trustedProxyHops: number): string | undefined {
  if (trustedProxyHops > 0) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
    const address = forwarded[forwarded.length - trustedProxyHops];
    if (address) return address;
  }
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}

/** The stricter budget for creating uploads; after requireAuth. */
export function limitUploads(rateLimits: RateLimits): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  return async (c, next) => {
    const state = await rateLimits.consume('uploads', c.get('principal').subject);
    await next();
    reportRateLimit(c.res, state);
  };
}
