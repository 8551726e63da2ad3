// `npm run rebuild [-- <projectId>]`: writes every asset row (of one project, or all) again from its events and
// projects its search document again. Prints how many were rebuilt and the assets whose history predates
// event-sourced assets (left as they are).
import { createPlatform } from '../shared/platform.ts';
import { rebuildReadModels } from '../functions/index/rebuild.ts';

const platform = await createPlatform({ name: 'rebuild' });
try {
  const outcome = await rebuildReadModels(platform, process.argv[2]);
  console.log(JSON.stringify(outcome));
} finally {
  await platform.close();
}
