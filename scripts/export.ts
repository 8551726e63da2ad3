// `npm run export`: the analytics export on demand — every event not yet in bronze is written now, whatever the
// batch age (`--scheduled` waits for EXPORT_BATCH_MAX_AGE like the scheduled function). Uses the platform's
// configuration (DATABASE_URL, S3_*, BUCKET_ANALYTICS); on the embedded default, stop `npm start` first (PGlite
// serves one process at a time).
import { parseArgs } from 'node:util';
import { runExport } from '../shared/analytics/export.ts';
import { loadConfig } from '../shared/config.ts';
import { createPlatform } from '../shared/platform.ts';

const { values } = parseArgs({ options: { scheduled: { type: 'boolean', default: false } } });
const config = loadConfig();
const platform = await createPlatform({ name: 'export', config });
try {
  await platform.store.ensureBuckets();
  const run = await runExport(platform.db, platform.store, config.analytics, { flush: !values.scheduled });
  if (!run.ran) {
    console.log('another export is running: nothing done');
  } else {
    console.log(JSON.stringify({ bucket: config.buckets.analytics, bronze: { batches: run.bronze!.batches, events: run.bronze!.events, files: run.bronze!.files }, silver: run.silver ?? 'unchanged' }, null, 2));
  }
} finally {
  await platform.close();
}
