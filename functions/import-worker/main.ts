// Entry point when this worker runs (a container, `node dist/import-worker/index.mjs`).
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('import-worker', createApp);
