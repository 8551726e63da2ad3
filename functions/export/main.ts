// Entry point when this function runs (a container, `node dist/export/index.mjs`).
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('export', createApp);
