// Entry point when this worker runs alone (a container, `node dist/distribute-worker/index.mjs`).
import { requireConfiguredKey } from '../../shared/distribution/secrets.ts';
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('distribute-worker', (platform) => {
  requireConfiguredKey(platform.config);
  return createApp(platform);
});
