// The dev host: every function mounted in one process, with events dispatched between them.
// Embedded default: PGlite + filesystem store + in-process dispatch. With NATS_URL, the outbox relay
// publishes to JetStream and durable consumers feed the functions; with S3_ENDPOINT, Ceph RGW / MinIO
// holds the objects and its bucket notifications are pushed to /_fn/upload-complete/ (Host.uploadCompleteEndpoint).
// Every delivery to an event endpoint carries the events secret (shared/events/secret.ts); unknown routes and
// errors answer problem+json like the functions themselves.
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { ExponentialBackoff, handleWhenResult, retry } from 'cockatiel';
import { Hono } from 'hono';
import { createApp as assetsApp } from '../functions/assets/index.ts';
import { createApp as distributeApp } from '../functions/distribute/index.ts';
import { createApp as enrichApp } from '../functions/enrich/index.ts';
import { createApp as exportApp } from '../functions/export/index.ts';
import { createApp as importApp } from '../functions/import/index.ts';
import { createApp as indexApp } from '../functions/index/index.ts';
import { createApp as searchApp } from '../functions/search/index.ts';
import { createApp as transcodeApp } from '../functions/transcode/index.ts';
import { createApp as uploadCompleteApp } from '../functions/upload-complete/index.ts';
import { createApp as uploadApp } from '../functions/upload/index.ts';
import { apiDocument } from '../functions/web/api.ts';
import { createApp as webApp } from '../functions/web/index.ts';
import { type Config, deliveryConcurrency } from '../shared/config.ts';
import { EVENT_SOURCE } from '../shared/events/catalog.ts';
import { type DeliveryResult, type FunctionTarget, deliverToFunction, recordDeadLetter } from '../shared/events/deliver.ts';
import type { EventType } from '../shared/events/catalog.ts';
import { type EventEnvelope, newEvent } from '../shared/events/envelope.ts';
import { LiveChanges, tellingLive } from '../shared/events/live.ts';
import { type RunningConsumer, ensureStream, runBridge } from '../shared/events/jetstream.ts';
import { embeddedDeadLetters, jetStreamDeadLetters } from '../shared/events/dead-letters.ts';
import { connectNats, natsDependency } from '../shared/events/nats-connection.ts';
import { OutboxRelay, inProcessSink, jetStreamSink } from '../shared/events/relay.ts';
import { pushEndpointWithSecret } from '../shared/events/secret.ts';
import { Problem, problemResponse } from '../shared/http/problem.ts';
import type { LoopHeartbeat } from '../shared/observability/health.ts';
import { metricsText, registry } from '../shared/observability/metrics.ts';
import { DistributionWorker } from '../shared/distribution/worker.ts';
import { secretBoxOf } from '../shared/distribution/secrets.ts';
import { ImportWorker } from '../shared/import/worker.ts';
import { type Platform, createPlatform } from '../shared/platform.ts';
import { FilesystemObjectStore } from '../shared/storage/filesystem.ts';
import { filesystemStoreRoutes } from '../shared/storage/filesystem-routes.ts';

export interface Host {
  url: string;
  platform: Platform;
  functions: Record<string, Hono<any>>;
  /** the in-process import worker (import-worker in a cluster) */
  importWorker: ImportWorker;
  /** the in-process delivery worker of distribute */
  distributionWorker: DistributionWorker;
  /** every asset change the relay hands over, for the workspace's server-sent events */
  live: LiveChanges;
  /** where the object store pushes bucket notifications: upload-complete's endpoint with the events secret */
  uploadCompleteEndpoint: string;
  stop(): Promise<void>;
}

export interface HostOptions {
  /** the clock distribute reads embargoes against (tests) */
  now?: () => Date;
}

export async function startHost(config: Config, port: number, options: HostOptions = {}): Promise<Host> {
  // Listen first: with port 0 the real port is known only now, and signed URLs must point at it.
  let handle: (request: Request, env: unknown) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: (request, env) => handle(request, env), port, hostname: config.http.host ?? '127.0.0.1' }, () => resolve(s));
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  if (config.publicUrl.endsWith(':0')) config = { ...config, publicUrl: `http://127.0.0.1:${boundPort}` };
  const url = `http://127.0.0.1:${boundPort}`;
  const platform = await createPlatform({ name: 'dev-host', config });
  await platform.store.ensureBuckets();
  if (config.s3 && config.notifyEndpoint !== false) await wireBucketNotifications(platform, url);
  const importWorker = new ImportWorker(platform);
  const distributionWorker = new DistributionWorker(platform, secretBoxOf(config), { now: options.now });
  const live = new LiveChanges();
  const functions: Record<string, Hono<any>> = {
    upload: uploadApp(platform),
    'upload-complete': uploadCompleteApp(platform),
    transcode: transcodeApp(platform),
    enrich: enrichApp(platform),
    index: indexApp(platform),
    search: searchApp(platform),
    assets: assetsApp(platform),
    import: importApp(platform, { onWork: () => importWorker.wake() }),
    export: exportApp(platform),
    distribute: distributeApp(platform, { worker: distributionWorker, now: options.now }),
    web: webApp(platform, { live, apiDocument: apiDocument() }),
  };
  const targets: Record<string, FunctionTarget> = Object.fromEntries(Object.entries(functions).map(([name, app]) => [name, (request: Request) => Promise.resolve(app.fetch(request))]));

  const root = new Hono();
  root.notFound((c) => problemResponse(c, new Problem(404, 'Not Found', `no route for ${c.req.method} ${c.req.path}`)));
  root.onError((error, c) => {
    if (error instanceof Problem) return problemResponse(c, error);
    platform.logger.error({ err: error, path: c.req.path }, 'unhandled error in the host');
    return problemResponse(c, new Problem(500, 'Internal Server Error', 'the server failed to handle this request; it was logged'));
  });
  // c.env carries the client's connection, which a function reads for per-IP rate limits.
  const to = (name: string) => (c: { req: { raw: Request }; env: unknown }) => functions[name]!.fetch(c.req.raw, c.env);
  root.all('/uploads', to('upload'));
  root.all('/uploads/*', to('upload'));
  // distribute's routes first: the first route matched answers
  root.all('/assets/:id/publications', to('distribute'));
  root.all('/assets/:id/publications/*', to('distribute'));
  root.all('/assets/*', to('assets'));
  root.all('/projects/:id/channels', to('distribute'));
  root.all('/projects/:id/channels/*', to('distribute'));
  root.all('/projects/:id/distribution-rules', to('distribute'));
  root.all('/projects/:id/distribution-rules/*', to('distribute'));
  root.all('/publications', to('distribute'));
  root.all('/publications/*', to('distribute'));
  root.all('/projects/*', to('assets'));
  root.all('/persons', to('assets'));
  root.all('/collections/*', to('assets'));
  root.all('/shares/*', to('assets'));
  root.all('/s/*', to('assets'));
  root.all('/audit', to('assets'));
  root.all('/persons/*', to('assets'));
  root.all('/search', to('search'));
  root.all('/imports', to('import'));
  root.all('/imports/*', to('import'));
  // operators: dead letters and replay (functions/index/admin.ts)
  root.all('/admin/*', to('index'));
  // the workspace, the API document and reference, the live feed
  for (const path of ['/', '/static/*', '/openapi.json', '/docs', '/docs/*', '/events', '/auth/config']) root.all(path, to('web'));
  // Each function's own routes (CloudEvents on POST /, health), as a deployed function would expose them.
  root.all('/_fn/:name/*', (c) => {
    const name = c.req.param('name');
    const app = Object.hasOwn(functions, name) ? functions[name] : undefined;
    if (!app) throw new Problem(404, 'Not Found', `no function named ${name}`);
    const url = new URL(c.req.url);
    url.pathname = url.pathname.replace(/^\/_fn\/[^/]+/, '') || '/';
    return app.fetch(new Request(url, c.req.raw), c.env);
  });
  // One platform for every function: its dependencies and the host's loops (relay, consumers, sweep, expiry).
  root.get('/_/health', async (c) => {
    const report = await platform.health.report({ checkDependencies: false });
    return c.json({ status: report.live ? 'ok' : 'stalled', functions: Object.keys(functions), ...report }, report.live ? 200 : 503);
  });
  root.get('/_/ready', async (c) => {
    const report = await platform.health.report();
    return c.json({ status: report.ready ? 'ready' : 'not ready', functions: Object.keys(functions), ...report }, report.ready ? 200 : 503);
  });
  root.get('/metrics', async (c) => c.text(await metricsText(), 200, { 'content-type': registry.contentType }));
  if (platform.signer) root.get('/.well-known/jwks.json', (c) => c.json(platform.signer!.jwks));

  const stoppers: (() => Promise<void>)[] = [];
  if (platform.store instanceof FilesystemObjectStore) {
    root.route('/_store', filesystemStoreRoutes(platform.store));
    const notifyUploadComplete = retryingDelivery(platform, 'upload-complete');
    const inFlight = new Set<Promise<void>>();
    const endpoint = pushEndpointWithSecret('http://function/', platform.eventsSecret);
    platform.store.onObjectCreated = (notification) => {
      const delivery = notifyUploadComplete(() => postJson(targets['upload-complete']!, endpoint, notification)).finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    };
    stoppers.push(async () => { await Promise.allSettled([...inFlight]); });
  }

  let relay: OutboxRelay;
  if (config.natsUrl) {
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const { nc, connected } = await connectNats(config.natsUrl, 'mediateca-dev-host', platform.logger);
    platform.health.dependency('nats', natsDependency(nc, connected));
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, config.natsStream, config.retention);
    relay = new OutboxRelay(platform.db, tellingLive(jetStreamSink(jsm.jetstream(), config.natsStream, { connected }), live), { logger: platform.logger, health: platform.health }).start();
    // Bucket notifications reach upload-complete over HTTP, not through the stream.
    const { 'upload-complete': _direct, search: _s, assets: _a, import: _i, export: _e, web: _w, ...eventTargets } = targets;
    // every function is in this process: a failure is a bug or a database outage, retried briefly, then dead-lettered
    const bridge: RunningConsumer = await runBridge({
      nc,
      stream: config.natsStream,
      functions: eventTargets,
      eventsSecret: platform.eventsSecret,
      ackWaitMs: 60_000,
      backoffMs: [500, 2_000, 10_000],
      maxDeliver: 5,
      concurrency: (fn) => deliveryConcurrency(config, fn),
      health: platform.health,
      retention: config.retention,
      logger: platform.logger,
    });
    stoppers.push(async () => { await bridge.stop(); await nc.drain().catch(() => nc.close()); });
    platform.deadLetters = jetStreamDeadLetters(jsm, config.natsStream);
  } else {
    let deadLetters: ReturnType<typeof embeddedDeadLetters> | undefined;
    const sink = inProcessSink((consumer, envelope) => deliverToFunction(targets[consumer]!, envelope, platform.eventsSecret), {
      logger: platform.logger, concurrency: config.delivery.concurrency, onDeadLetter: (consumer, envelope, reason) => deadLetters!.record(consumer, envelope, reason),
    });
    deadLetters = embeddedDeadLetters(platform.db, (consumer, envelope) => sink.redeliver(consumer, envelope as EventEnvelope));
    platform.deadLetters = deadLetters;
    relay = new OutboxRelay(platform.db, tellingLive(sink, live), { logger: platform.logger, health: platform.health }).start();
  }
  platform.outboxWritten = () => relay.wake();

  // Abandoned uploads expire, and the incoming bucket is swept (once now, for what arrived while the host was down,
  // then every interval); in a cluster CronJobs send these events instead.
  const request = (fn: string, type: EventType) => async () => {
    const result = await deliverToFunction(targets[fn]!, newEvent(type, EVENT_SOURCE, {}), platform.eventsSecret);
    if (result.outcome !== 'ack') throw new Error(`${type}: ${result.reason ?? result.outcome}`);
  };
  const expiry = scheduled(request('upload', 'io.mediateca.uploads.expire-requested'), 60_000, { beat: platform.health.loop('upload expiry', { stallSeconds: 3 * 60 }) });
  const sweepMs = config.uploads.sweepIntervalSeconds * 1000;
  const sweep = scheduled(request('upload-complete', 'io.mediateca.uploads.sweep-requested'), sweepMs, { now: true, beat: platform.health.loop('upload sweep', { stallSeconds: 3 * config.uploads.sweepIntervalSeconds }) });
  // The trash sweep (assets past their project's retention are purged), as the purge-trash CronJob does in a cluster.
  const trashSweep = scheduled(request('assets', 'io.mediateca.trash.purge-requested'), 3_600_000, { beat: platform.health.loop('trash sweep', { stallSeconds: 3 * 3600 }) });
  // The analytics export (bronze Parquet in the analytics bucket), as the export CronJob does in a cluster.
  // Rights expiries that began since the last pass raise their events (hourly, and once now), as the expire-rights
  // CronJob does in a cluster.
  const rightsSweep = scheduled(request('assets', 'io.mediateca.rights.expire-requested'), 3_600_000, { now: true, beat: platform.health.loop('rights sweep', { stallSeconds: 3 * 3600 }) });
  const analyticsExport = scheduled(request('export', 'io.mediateca.analytics.export-requested'), config.analytics.intervalSeconds * 1000, { beat: platform.health.loop('analytics export', { stallSeconds: 3 * config.analytics.intervalSeconds }) });

  handle = root.fetch;
  // Started once the host answers: the worker PUTs the bytes to signed URLs this host serves.
  importWorker.start();
  distributionWorker.start();
  return {
    url,
    platform,
    functions,
    importWorker,
    distributionWorker,
    live,
    uploadCompleteEndpoint: pushEndpointWithSecret(`${url}/_fn/upload-complete/`, platform.eventsSecret),
    async stop() {
      await Promise.all([expiry.stop(), sweep.stop(), analyticsExport.stop(), trashSweep.stop(), rightsSweep.stop()]);
      await importWorker.stop();
      await distributionWorker.stop();
      await new Promise((resolve) => server.close(resolve));
      for (const stop of stoppers) await stop();
      await relay.stop();
      await platform.close();
    },
  };
}

/** Runs `job` every `intervalMs`, never two at once, reporting each run to `beat`; `stop()` waits for a run in progress. */
function scheduled(job: () => Promise<unknown>, intervalMs: number, options: { now?: boolean; beat: LoopHeartbeat }) {
  let running: Promise<unknown> | undefined;
  const run = () => {
    running ??= job().then(() => options.beat.passed(), (error) => options.beat.failed(error)).finally(() => { running = undefined; });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  if (options.now) run();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      options.beat.stopped();
    },
  };
}

/** Without the incoming bucket's notification no upload leaves `uploading`: wire it (RGW), or say what to do. */
async function wireBucketNotifications(platform: Platform, hostUrl: string): Promise<void> {
  const { ensureUploadNotifications, uploadCompletePushEndpoint } = await import('../shared/storage/rgw-notifications.ts');
  const endpoint = uploadCompletePushEndpoint(platform.config, platform.eventsSecret, hostUrl);
  try {
    await ensureUploadNotifications(platform.config, endpoint);
    platform.logger.info({ bucket: platform.config.buckets.incoming, endpoint: withoutCredentials(endpoint) }, 'bucket notifications wired to upload-complete');
  } catch (error) {
    platform.logger.warn({ err: error, endpoint: withoutCredentials(endpoint) }, 'could not wire bucket notifications (RGW topic API): uploads stay `uploading` until the store notifies upload-complete — MinIO: see docs/deploy.md');
  }
}

/** The endpoint without its query (the events secret) or user info, for logs. */
function withoutCredentials(url: string): string {
  const { origin, pathname } = new URL(url);
  return origin + pathname;
}

async function postJson(target: FunctionTarget, url: string, body: unknown): Promise<DeliveryResult> {
  const response = await target(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
  const text = await response.text();
  if (response.ok) return { outcome: 'ack' };
  return { outcome: response.status >= 500 ? 'retry' : 'dead-letter', reason: `HTTP ${response.status}: ${text.slice(0, 300)}` };
}

/** The filesystem store's notifications get the same bounded retries a real bucket's persistent topic gives. */
function retryingDelivery(platform: Platform, consumer: string) {
  const policy = retry(handleWhenResult((r) => (r as DeliveryResult).outcome === 'retry'), { maxAttempts: 8, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 10_000 }) });
  return async (attempt: () => Promise<DeliveryResult>) => {
    const result = await policy.execute(() => attempt().catch((error) => ({ outcome: 'retry' as const, reason: String(error) })));
    if (result.outcome !== 'ack') recordDeadLetter(platform.logger, consumer, { id: 'bucket-notification', type: 'com.amazonaws.s3.ObjectCreated:*' }, result.reason ?? 'failed');
  };
}
