// import-worker (worker, always on): claims import tasks and streams each item from its source into the normal
// upload path (shared/import/worker.ts). Several replicas share the work; per-host politeness limits apply per replica.
import type { Hono } from 'hono';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import { ImportWorker } from '../../shared/import/worker.ts';
import type { Platform } from '../../shared/platform.ts';

export function createApp(platform: Platform): Hono<AppEnv> {
  const worker = new ImportWorker(platform).start();
  const closePlatform = platform.close;
  platform.close = async () => {
    await worker.stop();
    await closePlatform();
  };
  return createFunctionApp(platform, 'import-worker');
}
