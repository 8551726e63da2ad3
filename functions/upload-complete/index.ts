// upload-complete: the bucket notification for a new object arrives here (Ceph RGW binary CloudEvent,
// MinIO webhook JSON, the filesystem store's records, or an already-normalised CloudEvent from JetStream).
// It verifies size and SHA-256 by streaming the object, detects exact duplicates within the project,
// moves the master into the masters bucket and the asset to `uploaded`, emitting asset.uploaded
// (shared/uploads/verify.ts). The scheduled io.mediateca.uploads.sweep-requested runs the same verification over
// the incoming bucket (shared/uploads/sweep.ts): notifications are a hint, the sweep is the guarantee.
import type { Hono } from 'hono';
import { CATALOG, type EventType, OBJECT_CREATED_PREFIX } from '../../shared/events/catalog.ts';
import type { EventEnvelope } from '../../shared/events/envelope.ts';
import { type ObjectCreated, normaliseS3Notification } from '../../shared/events/s3-notification.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import { type EventHandler, type EventHandlers, handleEvent, readCloudEvent } from '../../shared/events/handle.ts';
import { requirePlatformEvent } from '../../shared/http/events.ts';
import { Problem, payloadTooLarge } from '../../shared/http/problem.ts';
import type { Platform } from '../../shared/platform.ts';
import { sweepIncoming } from '../../shared/uploads/sweep.ts';
import { verifyIncomingObject } from '../../shared/uploads/verify.ts';

const CONSUMER = 'upload-complete';

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, CONSUMER);
  app.post('/', requirePlatformEvent(platform), async (c) => {
    const events = await incomingEvents(c.req.raw, platform.config.notificationMaxRecords);
    const results = [];
    for (const event of events) {
      results.push(await handleEvent(platform, CONSUMER, event.type.startsWith(OBJECT_CREATED_PREFIX) ? OBJECT_CREATED_HANDLERS : SWEEP_HANDLERS, event));
    }
    return c.json({ results });
  });
  return app;
}

/** Every shape of notification, reduced to normalised `com.amazonaws.s3.ObjectCreated:*` events; or a sweep request. */
async function incomingEvents(request: Request, maxRecords: number): Promise<EventEnvelope<unknown>[]> {
  const isCloudEvent = request.headers.has('ce-type') || (request.headers.get('content-type') ?? '').includes('cloudevents');
  if (isCloudEvent) {
    const event = await readCloudEvent(request);
    if (event.type.startsWith(OBJECT_CREATED_PREFIX) && !(event.data as { Records?: unknown })?.Records) return [event];
    if (!event.type.startsWith('com.amazonaws.')) return [event];
    return normalise(event.data, maxRecords);
  }
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new Problem(422, 'Unprocessable Notification', 'body is neither a CloudEvent nor JSON');
  }
  return normalise(body, maxRecords);
}

// Each record is one object to verify: a bounded batch keeps one request's work bounded (stores send one or a few).
function normalise(body: unknown, maxRecords: number): EventEnvelope<unknown>[] {
  const records = (body as { Records?: unknown })?.Records;
  if (Array.isArray(records) && records.length > maxRecords) {
    throw payloadTooLarge(`a notification may carry at most ${maxRecords} records (NOTIFICATION_MAX_RECORDS); this one has ${records.length}`);
  }
  try {
    return normaliseS3Notification(body);
  } catch (error) {
    throw new Problem(422, 'Unprocessable Notification', (error as Error).message);
  }
}

const verifyNotifiedObject: EventHandler<'com.amazonaws.s3.ObjectCreated:Put'> = async (event, platform, context) => {
  const { bucket, key } = event.data as ObjectCreated;
  await verifyIncomingObject(platform, { bucket, key }, { actor: CONSUMER, markProcessed: context.markProcessed });
};

const OBJECT_CREATED_HANDLERS = Object.fromEntries(
  (Object.keys(CATALOG) as EventType[]).filter((type) => type.startsWith(OBJECT_CREATED_PREFIX)).map((type) => [type, verifyNotifiedObject]),
) as EventHandlers;

const SWEEP_HANDLERS: EventHandlers = { 'io.mediateca.uploads.sweep-requested': async (_event, platform) => { await sweepIncoming(platform); } };
