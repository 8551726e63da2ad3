// Runs one function alone: the same app the dev host mounts, served on PORT (default 8080) on HOST (default 0.0.0.0).
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { type Platform, createPlatform } from '../platform.ts';
import type { AppEnv } from './app.ts';

export async function runFunction(name: string, createApp: (platform: Platform) => Hono<AppEnv> | Promise<Hono<AppEnv>>): Promise<void> {
  const platform = await createPlatform({ name });
  // Deployed, a function's events come from other processes (the bridge, the object store, the schedule), which
  // must carry the same secret: one this process made up alone would refuse them all.
  if (platform.config.natsUrl && !platform.config.eventsSecret) {
    await platform.close();
    throw new Error('EVENTS_SECRET must be set when functions run apart (NATS_URL is set): the same value for every function, worker and bucket notification');
  }
  const app = await createApp(platform);
  const { port, host = '0.0.0.0' } = platform.config.http;
  const server = serve({ fetch: app.fetch, port, hostname: host }, () => {
    platform.logger.info({ port }, `${name} listening`);
  });
  // SIGTERM: stop taking requests, let loops finish their pass, and exit; whatever is still running after
  // SHUTDOWN_TIMEOUT_MS is abandoned (its events come back from the stream or the outbox), before the platform's
  // own grace period ends in SIGKILL.
  const shutdown = () => {
    const deadline = setTimeout(() => {
      platform.logger.error({ timeoutMs: platform.config.loops.shutdownTimeoutMs }, `${name} did not stop within the shutdown timeout; exiting anyway`);
      process.exit(1);
    }, platform.config.loops.shutdownTimeoutMs);
    deadline.unref();
    server.close();
    platform.close().then(
      () => process.exit(0),
      (error) => {
        platform.logger.error({ err: error }, `${name} failed to stop cleanly`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
