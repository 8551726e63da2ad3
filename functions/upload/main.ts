// Entry point when this function runs alone (a container, `node dist/upload/index.mjs`).
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('upload', createApp);
