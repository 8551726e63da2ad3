// Event endpoints take events from the platform only: every platform delivery carries one shared secret
// (EVENTS_SECRET), compared in constant time.
//  - CloudEvents (outbox relay, JetStream bridge, the expiry schedule) carry it as the extension attribute
//    `mediatecasecret`, in HTTP binary mode the `ce-mediatecasecret` header: a Knative Broker strips every other
//    header but keeps the event's attributes.
//  - Bucket notifications (Ceph RGW topic, MinIO webhook, the filesystem store), whose senders can only be given a
//    URL, carry it in the push URL's query: `?secret=…` (pushEndpointWithSecret).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.ts';
import { localKey } from '../secrets/local-key.ts';

export const EVENTS_SECRET_ATTRIBUTE = 'mediatecasecret';
export const EVENTS_SECRET_HEADER = `ce-${EVENTS_SECRET_ATTRIBUTE}`;
export const EVENTS_SECRET_PARAMETER = 'secret';

/** The URL an object store pushes its bucket notifications to, e.g. `https://…/_fn/upload-complete/` + the secret. */
export function pushEndpointWithSecret(endpoint: string, secret: string): string {
  const url = new URL(endpoint);
  url.searchParams.set(EVENTS_SECRET_PARAMETER, secret);
  return url.toString();
}

export function carriesEventsSecret(request: Request, secret: string): boolean {
  const presented = request.headers.get(EVENTS_SECRET_HEADER) ?? new URL(request.url).searchParams.get(EVENTS_SECRET_PARAMETER);
  return presented !== null && sameSecret(presented, secret);
}

// Digests have one length, so neither the secret's content nor its length leaks through timing.
function sameSecret(presented: string, secret: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(secret));
}

/** EVENTS_SECRET, else the embedded default's: made once and kept in the data folder, so processes sharing it agree. */
export function eventsSecretOf(config: Pick<Config, 'eventsSecret' | 'dataDir'>): string {
  return config.eventsSecret ?? localKey(config.dataDir, 'events-secret').toString('hex');
}
