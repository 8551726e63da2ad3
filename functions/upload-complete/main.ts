// Entry point when this function runs alone (a container, `node dist/upload-complete/index.mjs`); with the argument
// `setup`, it prepares the object store instead and exits (setup.ts).
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

if (process.argv[2] === 'setup') {
  const [{ loadConfig }, { setupObjectStore }] = await Promise.all([import('../../shared/config.ts'), import('./setup.ts')]);
  await setupObjectStore(loadConfig());
} else {
  await runFunction('upload-complete', createApp);
}
