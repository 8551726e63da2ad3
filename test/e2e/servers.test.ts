// End to end on the servers: PostgreSQL 15, NATS JetStream and Ceph RGW, with RGW's real bucket
// notifications pushed to upload-complete over HTTP. The host is started with the README's variables only:
// it wires the bucket notification itself (no hand-made setup here).
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { deleteStream } from '../../shared/events/jetstream.ts';
import { removeRgwNotifications, uploadNotificationTopic } from '../../shared/storage/rgw-notifications.ts';
import { S3ObjectStore } from '../../shared/storage/s3.ts';
import { NATS_URL, POSTGRES_URL, S3, createTestDatabase, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';
import { browserUploadSuite } from './browser-upload-suite.ts';
import { editorialSuite } from './editorial-suite.ts';
import { lifecycleSuite } from './lifecycle-suite.ts';
import { mediaSuite } from './media-suite.ts';
import { type E2eEnvironment, pipelineSuite } from './pipeline-suite.ts';
import { sharingSuite } from './sharing-suite.ts';

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-e2e-servers-'));
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.warn('cleanup failed:', error));
  rmSync(dataDir, { recursive: true, force: true });
});

let started: Promise<E2eEnvironment | undefined> | undefined;
const start = () => (started ??= startOnServers());
pipelineSuite('servers: PostgreSQL + JetStream + Ceph RGW', start);
mediaSuite('servers: PostgreSQL + JetStream + Ceph RGW', start);
browserUploadSuite('servers: Ceph RGW', start, { storageOrigin: S3.endpoint, threshold: 6291456, artifacts: 'servers-upload' });
sharingSuite('servers: PostgreSQL + JetStream + Ceph RGW', start);
lifecycleSuite('servers: PostgreSQL + JetStream + Ceph RGW', start);
editorialSuite('servers: PostgreSQL + JetStream + Ceph RGW', start);

async function startOnServers(): Promise<E2eEnvironment | undefined> {
  const available = (await requireServer('PostgreSQL', POSTGRES_URL)) && (await requireServer('NATS', NATS_URL)) && (await requireServer('Ceph RGW', S3.endpoint));
  if (!available) return undefined;
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const stream = `E2E_${run.toUpperCase()}`;
  const config = loadConfig({
    MEDIATECA_DATA: dataDir, ENRICH_PARTS: 'none', UPLOAD_MULTIPART_THRESHOLD: '6291456', UPLOAD_PART_SIZE: '5242880',
    PORT: '0',
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_STREAM: stream,
    S3_ENDPOINT: S3.endpoint,
    S3_ACCESS_KEY: S3.accessKeyId,
    S3_SECRET_KEY: S3.secretAccessKey,
    BUCKET_INCOMING: `mt-${run}-incoming`,
    BUCKET_MASTERS: `mt-${run}-masters`,
    BUCKET_RENDITIONS: `mt-${run}-renditions`,
    // the workspace's browser PUTs to presigned RGW URLs from the host's origin (browserUploadSuite)
    CORS_ORIGINS: '*',
  });
  const host: Host = await startHost(config, 0);
  cleanups.push(() => host.stop());
  const store = host.platform.store as S3ObjectStore;
  cleanups.push(async () => {
    const nc = await connect({ servers: NATS_URL });
    await deleteStream(await jetstreamManager(nc), stream).catch(() => {});
    await nc.close();
  });
  cleanups.push(() => emptyAndDeleteBuckets(store));
  // the notification the host wired, removed first (cleanups run in reverse)
  cleanups.push(() => removeRgwNotifications(S3, { bucket: store.buckets.incoming, topicName: uploadNotificationTopic(store.buckets.incoming) }));
  return {
    host,
    redeliverNotification: async (bucket, key) => {
      // The body RGW itself pushes (plain JSON on Ceph 16.2), sent again.
      const body = { Records: [{ eventVersion: '2.2', eventSource: 'ceph:s3', awsRegion: '', eventTime: new Date().toISOString(), eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key, size: 1, eTag: 'x', sequencer: 'replayed' } } }] };
      const response = await fetch(host.uploadCompleteEndpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`replay → ${response.status}`);
    },
  };
}
