// Entry point when this function runs alone (a container, `node dist/import/index.mjs`).
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('import', createApp);
