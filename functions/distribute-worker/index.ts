// distribute-worker (worker, always on): delivers and retracts publications (shared/distribution/worker.ts): due ones
// are claimed per channel under a lease, so replicas share the work and a dead replica's deliveries resume elsewhere.
// Always on because embargoes and retries fall due without any request.
import type { Hono } from 'hono';
import { secretBoxOf } from '../../shared/distribution/secrets.ts';
import { DistributionWorker } from '../../shared/distribution/worker.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import type { Platform } from '../../shared/platform.ts';

export function createApp(platform: Platform): Hono<AppEnv> {
  const worker = new DistributionWorker(platform, secretBoxOf(platform.config)).start();
  const closePlatform = platform.close;
  platform.close = async () => {
    await worker.stop();
    await closePlatform();
  };
  return createFunctionApp(platform, 'distribute-worker');
}
