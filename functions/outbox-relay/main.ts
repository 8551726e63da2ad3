// Entry point when this worker runs (a container, `node dist/outbox-relay/index.mjs`).
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('outbox-relay', createApp);
