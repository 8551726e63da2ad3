// web: the editorial workspace (the single-page app built from web/ into web/dist), the OpenAPI document
// (/openapi.json), its interactive reference (/docs, Swagger UI from node_modules: nothing from a CDN) and the
// live feed of asset changes the workspace listens to (GET /events, server-sent events).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import * as v from 'valibot';
import { projectsWhere } from '../../shared/domain/permissions.ts';
import type { LiveChanges } from '../../shared/events/live.ts';
import { type AppEnv, createFunctionApp, requireAuth } from '../../shared/http/app.ts';
import { notFound } from '../../shared/http/problem.ts';
import { parseOrProblem } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';

export const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** A comment every 20 s keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 20_000;

export interface WebAppOptions {
  /** the platform's asset changes; without it GET /events answers 503 */
  live?: LiveChanges;
  /** the built workspace (default web/dist) */
  distDir?: string;
  /**
   * The OpenAPI document. The dev host passes the one it generates from the routes (functions/web/api.ts, which
   * reads every function's schemas); a deployed web function, which must not import other functions' code, serves
   * the copy `npm run build:web` wrote beside the workspace (web/dist/openapi.json).
   */
  apiDocument?: object;
}

export const LiveEventsQuery = v.object({ projectId: v.optional(v.string()) });

export function createApp(platform: Platform, options: WebAppOptions = {}): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'web');
  const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

  const distDir = options.distDir ?? WEB_DIST;
  let document = options.apiDocument;
  app.get('/openapi.json', (c) => {
    if (!document && !existsSync(join(distDir, 'openapi.json'))) throw notFound('the API document is written by npm run build:web, which has not run');
    document ??= JSON.parse(readFileSync(join(distDir, 'openapi.json'), 'utf8')) as object;
    return c.json(document);
  });
  const files = builtFiles(distDir);
  app.get('/docs', (c) => c.html(DOCS_PAGE));
  for (const name of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']) {
    app.get(`/docs/${name}`, (c) => c.body(readFileSync(join(swaggerDir, name)), 200, { 'content-type': CONTENT_TYPES[extname(name)]!, 'cache-control': 'public, max-age=3600' }));
  }

  // what the sign-in page offers: public, and only what a browser must know anyway (no secret: PKCE, a public client)
  app.get('/auth/config', (c) => c.json({ devToken: Boolean(platform.signer), rolesClaim: platform.config.auth.rolesClaim, oidc: platform.config.webOidc }, 200, { 'cache-control': 'no-cache' }));

  app.use('/events', requireAuth(platform));
  app.get('/events', (c) => {
    const { projectId } = parseOrProblem(LiveEventsQuery, c.req.query(), 'query');
    const readable = new Set(projectsWhere(c.get('principal'), 'asset:read').filter((p) => !projectId || p === projectId));
    const live = options.live;
    if (!live) return c.json({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'live changes are not wired in this deployment' }, 503);
    return streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      const stop = live.subscribe((change) => {
        if (!readable.has(change.projectId)) return;
        queue.push(JSON.stringify(change));
        wake?.();
      });
      stream.onAbort(() => { stop(); wake?.(); });
      try {
        await stream.writeSSE({ event: 'ready', data: '{}' });
        while (!stream.aborted) {
          while (queue.length) await stream.writeSSE({ event: 'change', data: queue.shift()! });
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, KEEPALIVE_MS).unref();
          });
          wake = undefined;
          if (!queue.length && !stream.aborted) await stream.write(': keepalive\n\n');
        }
      } finally {
        stop();
      }
    });
  });

  // The workspace: index.html at /, its hashed files under /static/ (routes inside the app are #/… fragments).
  const index = files.get('/index.html');
  app.get('/', (c) => (index ? c.body(readFileSync(index), 200, { 'content-type': CONTENT_TYPES['.html']!, 'cache-control': 'no-cache' }) : c.text('The workspace is not built: run `npm run build:web` (npm install does it).', 503)));
  app.get('/static/*', (c) => {
    const file = files.get(c.req.path);
    if (!file) return c.notFound();
    return c.body(readFileSync(file), 200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=31536000, immutable' });
  });
  return app;
}

/** URL path → file of everything the build produced; only these are served (no path from the request reaches the disk). */
function builtFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(`/${relative(dir, path).split(sep).join('/')}`, path);
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Mediateca API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });
  </script>
</body>
</html>`;
