// `node dist/upload-complete/index.mjs setup` (`npm run setup:storage`; a Job in a cluster): prepares an S3 store once
// per deployment — the three buckets, their expiry and CORS rules, and on Ceph RGW the incoming bucket's notification
// to upload-complete at NOTIFY_ENDPOINT. Idempotent: run it again after changing any of them.
import type { Config } from '../../shared/config.ts';
import { eventsSecretOf } from '../../shared/events/secret.ts';
import { openStore } from '../../shared/platform.ts';

export async function setupObjectStore(config: Config, log: (line: string) => void = console.log): Promise<void> {
  if (!config.s3) throw new Error('setup prepares an S3 store: set S3_ENDPOINT (the embedded filesystem store sets itself up at start)');
  const store = await openStore(config);
  await store.ensureBuckets();
  log(`buckets ${Object.values(config.buckets).join(', ')} ready on ${config.s3.endpoint}`);
  if (config.notifyEndpoint === false) {
    log('NOTIFY_ENDPOINT=none: bucket notifications left as they are');
    return;
  }
  const { ensureUploadNotifications, uploadCompletePushEndpoint } = await import('../../shared/storage/rgw-notifications.ts');
  const { topicArn } = await ensureUploadNotifications(config, uploadCompletePushEndpoint(config, eventsSecretOf(config)));
  log(`bucket ${config.buckets.incoming} notifies upload-complete through ${topicArn}`);
}
