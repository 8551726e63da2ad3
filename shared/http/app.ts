// The Hono app every function starts from: request id, JSON logs, metrics, problem+json errors,
// health and readiness, and bearer-token auth for API routes.
import { Hono, type MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import type { Principal } from '../domain/permissions.ts';
import type { Platform } from '../platform.ts';
import { UnusableEvent } from '../events/handle.ts';
import { httpDuration, httpRequests, metricsText, registry } from '../observability/metrics.ts';
import { inServerSpan } from '../observability/tracing.ts';
import { Problem, problemResponse, unauthorized } from './problem.ts';
import { clientIp, reportRateLimit } from './rate-limit.ts';

export interface AppEnv {
  Variables: { principal: Principal; requestId: string };
}

export function createFunctionApp(platform: Platform, fn: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  // API requests are server spans (events on POST / and bucket notifications get theirs from handleEvent)
  app.use(async (c, next) => {
    if ((c.req.method === 'POST' && c.req.path === '/') || c.req.path.startsWith('/_/') || c.req.path === '/metrics') return next();
    await inServerSpan(c.req.method, c.req.raw.headers, next, () => ({ route: routePath(c) || 'unmatched', status: c.res.status }));
  });
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = routePath(c) || 'unmatched';
    const seconds = (performance.now() - started) / 1000;
    httpRequests.inc({ fn, method: c.req.method, route, status: String(c.res.status) });
    httpDuration.observe({ fn, method: c.req.method, route }, seconds);
    if (!c.req.path.startsWith('/_/')) {
      platform.logger.info({ requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000) }, 'request');
    }
  });
  app.onError((error, c) => {
    if (error instanceof Problem) return problemResponse(c, error);
    if (error instanceof UnusableEvent) return problemResponse(c, new Problem(422, error.title, error.detail));
    platform.logger.error({ requestId: c.get('requestId'), err: error }, 'unhandled error');
    return problemResponse(c, new Problem(500, 'Internal Server Error', 'the server failed to handle this request; it was logged with the request id'));
  });
  app.notFound((c) => problemResponse(c, new Problem(404, 'Not Found', `no route for ${c.req.method} ${c.req.path}`)));
  // Liveness: fails only when one of this process's loops stalled (a restart is what it needs).
  app.get('/_/health', async (c) => {
    const report = await platform.health.report({ checkDependencies: false });
    return c.json({ status: report.live ? 'ok' : 'stalled', fn, ...report }, report.live ? 200 : 503);
  });
  // Readiness: every dependency answers now, and no loop stalled.
  app.get('/_/ready', async (c) => {
    const report = await platform.health.report();
    return c.json({ status: report.ready ? 'ready' : 'not ready', fn, ...report }, report.ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => c.text(await metricsText(), 200, { 'content-type': registry.contentType }));
  return app;
}

/**
 * The gate of every API route: the per-IP rate limit, a valid bearer token (the caller's roles land in
 * `c.get('principal')`), then the caller's own rate limit (shared/http/rate-limit.ts).
 */
export function requireAuth(platform: Platform): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // once per request, however many route patterns put the gate in front of it
    if (c.get('principal')) return next();
    const ip = clientIp(c, platform.config.rateLimits.trustedProxyHops);
    const byIp = ip === undefined ? undefined : await platform.rateLimits.consume('ip', ip);
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw unauthorized('a bearer token is required (Authorization: Bearer <jwt>)');
    const principal = await platform.auth.verify(match[1]!);
    c.set('principal', principal);
    const bySubject = await platform.rateLimits.consume('subject', principal.subject);
    await next();
    reportRateLimit(c.res, byIp);
    reportRateLimit(c.res, bySubject);
  };
}
