// Entry point when this function runs alone (a container, `node dist/distribute/index.mjs`): the API, the event
// endpoint for publishing rules, and the delivery worker in one process.
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('distribute', createApp);
