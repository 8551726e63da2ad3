// Entry point when this worker runs (a container, `node dist/jetstream-bridge/index.mjs`).
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('jetstream-bridge', createApp);
