// export (event, scheduled): the analytics export. io.mediateca.analytics.export-requested (a CronJob in a
// cluster, a timer in the dev host) appends the events emitted since the last run to Parquet in the analytics
// bucket (shared/analytics/): a run writes full batches, and a smaller one once its oldest event is
// EXPORT_BATCH_MAX_AGE old. `npm run export` runs the same export by hand, writing whatever is pending.
import type { Hono } from 'hono';
import { runExport } from '../../shared/analytics/export.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import { acceptEvents } from '../../shared/http/events.ts';
import type { Platform } from '../../shared/platform.ts';

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'export');
  acceptEvents(app, platform, 'export', {
    'io.mediateca.analytics.export-requested': async () => {
      const run = await runExport(platform.db, platform.store, platform.config.analytics, { flush: false });
      if (!run.ran) platform.logger.info('analytics export already running elsewhere: this request did nothing');
      else if (run.bronze?.events) platform.logger.info({ events: run.bronze.events, files: run.bronze.files.length }, 'events exported to bronze');
    },
  });
  return app;
}
