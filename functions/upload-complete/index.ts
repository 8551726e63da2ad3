// upload-complete: the bucket notification for a new object arrives here (Ceph RGW binary CloudEvent,
// MinIO webhook JSON, the filesystem store's records, or an already-normalised CloudEvent from JetStream).
// It verifies size and SHA-256 by streaming the object, detects exact duplicates within the project,
// moves the master into the masters bucket and the asset to `uploaded`, emitting asset.uploaded.
import type { Hono } from 'hono';
import { changeAsset, findAsset, findDuplicate, findUploadByKey, markUploadCompleted } from '../../shared/db/assets.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { EVENT_SOURCE, OBJECT_CREATED_PREFIX } from '../../shared/events/catalog.ts';
import { type EventEnvelope, newEvent } from '../../shared/events/envelope.ts';
import { type ObjectCreated, normaliseS3Notification } from '../../shared/events/s3-notification.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import { type EventHandler, handleEvent, readCloudEvent } from '../../shared/events/handle.ts';
import { Problem } from '../../shared/http/problem.ts';
import type { Platform } from '../../shared/platform.ts';
import { sha256Of } from '../../shared/storage/checksum.ts';
import { masterKey } from '../../shared/storage/keys.ts';

const CONSUMER = 'upload-complete';

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, CONSUMER);
  app.post('/', async (c) => {
    const events = await objectCreatedEvents(c.req.raw);
    const results = [];
    for (const event of events) {
      results.push(await handleEvent(platform, CONSUMER, { [event.type]: verifyUpload } as never, event));
    }
    return c.json({ results });
  });
  return app;
}

/** Every shape of notification, reduced to normalised `com.amazonaws.s3.ObjectCreated:*` events. */
async function objectCreatedEvents(request: Request): Promise<EventEnvelope<unknown>[]> {
  const isCloudEvent = request.headers.has('ce-type') || (request.headers.get('content-type') ?? '').includes('cloudevents');
  if (isCloudEvent) {
    const event = await readCloudEvent(request);
    if (event.type.startsWith(OBJECT_CREATED_PREFIX) && !(event.data as { Records?: unknown })?.Records) return [event];
    return normalise(event.data);
  }
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new Problem(422, 'Unprocessable Notification', 'body is neither a CloudEvent nor JSON');
  }
  return normalise(body);
}

function normalise(body: unknown): EventEnvelope<unknown>[] {
  try {
    return normaliseS3Notification(body);
  } catch (error) {
    throw new Problem(422, 'Unprocessable Notification', (error as Error).message);
  }
}

const verifyUpload: EventHandler<'com.amazonaws.s3.ObjectCreated:Put'> = async (event, platform) => {
  const { bucket, key } = event.data as ObjectCreated;
  const log = platform.logger.child({ eventId: event.id, bucket, key });
  const upload = await findUploadByKey(platform.db, bucket, key);
  if (!upload) {
    log.warn('object was not created through an upload; ignored');
    return;
  }
  const asset = await findAsset(platform.db, upload.asset_id);
  if (!asset || asset.state !== 'uploading') {
    log.info({ state: asset?.state }, 'asset already past upload; notification ignored');
    return;
  }
  const { store } = platform;
  const info = await store.head(bucket, key);
  if (!info) {
    log.warn('object is gone (expired or deleted); ignored');
    return;
  }
  const declared = Number(asset.size_bytes);
  if (info.size === 0) return fail(platform, asset, 'the uploaded file is empty (0 bytes)', { bucket, key });
  if (info.size !== declared) return fail(platform, asset, `size mismatch: ${declared} bytes were declared, ${info.size} arrived`, { bucket, key });

  const sha256 = await sha256Of(await store.getStream(bucket, key));
  if (asset.expected_sha256 && asset.expected_sha256 !== sha256) {
    return fail(platform, asset, `checksum mismatch: expected SHA-256 ${asset.expected_sha256}, received ${sha256}`, { bucket, key });
  }
  const duplicate = await findDuplicate(platform.db, asset.project_id, sha256, asset.id);
  if (duplicate) {
    return fail(platform, asset, `duplicate of asset ${duplicate.id} (identical SHA-256)`, { bucket, key }, { duplicate_of: duplicate.id, sha256 });
  }

  const master = masterKey(key);
  await store.copy({ bucket, key }, { bucket: store.buckets.masters, key: master }, info.size);
  await changeAsset(platform.db, asset, {
    expectedVersion: asset.version,
    set: { state: 'uploaded', sha256, storage_key: master, state_reason: null },
    history: { type: 'uploaded', actor: CONSUMER, data: { sha256, size: info.size } },
    events: (version) => [
      newEvent('io.mediateca.asset.uploaded', EVENT_SOURCE, {
        assetId: asset.id,
        projectId: asset.project_id,
        version,
        mediaType: asset.media_type,
        contentType: asset.content_type,
        sha256,
        size: info.size,
      }, asset.id),
    ],
  });
  await markUploadCompleted(platform.db, upload.id);
  platform.outboxWritten();
  await store.delete(bucket, key);
  log.info({ assetId: asset.id, sha256 }, 'upload verified');
};

/** A permanent problem with the file: the asset fails with a reason (kept, visible) and the bytes are dropped. */
async function fail(platform: Platform, asset: Asset, reason: string, object: { bucket: string; key: string }, extra: Partial<Asset> = {}): Promise<void> {
  await changeAsset(platform.db, asset, {
    expectedVersion: asset.version,
    set: { state: 'failed', state_reason: reason, ...extra },
    history: { type: 'failed', actor: CONSUMER, data: { reason } },
    events: (version) => [newEvent('io.mediateca.asset.failed', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version, reason }, asset.id)],
  });
  platform.outboxWritten();
  await platform.store.delete(object.bucket, object.key);
  platform.logger.warn({ assetId: asset.id, reason }, 'upload rejected');
}
