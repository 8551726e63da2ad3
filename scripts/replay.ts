// `npm run replay -- --target search|catalogue|all`: rebuilds a read model from the system of record and the
// event log with no downtime (docs/analytics.md). search: every asset projected again into a new table while
// searches and live indexing go on, then swapped in; catalogue: silver and gold rebuilt from every bronze file.
// Uses the platform's configuration; on the embedded default stop `npm start` first (PGlite serves one process).
import { parseArgs } from 'node:util';
import { projectAsset } from '../functions/index/index.ts';
import { replayCatalogue } from '../shared/analytics/export.ts';
import { loadConfig } from '../shared/config.ts';
import { createPlatform } from '../shared/platform.ts';
import { replaySearch } from '../shared/search/replay.ts';

const TARGETS = ['search', 'catalogue', 'all'] as const;
const { values } = parseArgs({ options: { target: { type: 'string', default: 'all' } } });
if (!(TARGETS as readonly string[]).includes(values.target!)) {
  console.error(`--target must be one of ${TARGETS.join(', ')}`);
  process.exit(2);
}
const config = loadConfig();
const platform = await createPlatform({ name: 'replay', config });
try {
  if (values.target === 'search' || values.target === 'all') {
    const result = await replaySearch(platform.db, (index, assetId) => projectAsset(platform.db, index, assetId));
    console.log(`search: ${result.assets} assets projected into a new table, ${result.caughtUp} again for events during the pass; swapped in`);
  }
  if (values.target === 'catalogue' || values.target === 'all') {
    await platform.store.ensureBuckets();
    const run = await replayCatalogue(platform.db, platform.store, config.analytics);
    if (!run.ran) console.log('catalogue: an export is running; try again when it is done');
    else console.log(`catalogue: silver rebuilt from bronze (${run.silver?.assets ?? 0} assets, ${run.silver?.renditions ?? 0} renditions) and gold from it`);
  }
} finally {
  await platform.close();
}
