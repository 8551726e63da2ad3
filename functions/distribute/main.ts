// Entry point when this function runs alone (a container, `node dist/distribute/index.mjs`): the API and the event
// endpoint for publishing rules; distribute-worker delivers.
import { requireConfiguredKey } from '../../shared/distribution/secrets.ts';
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('distribute', (platform) => {
  requireConfiguredKey(platform.config);
  return createApp(platform);
});
