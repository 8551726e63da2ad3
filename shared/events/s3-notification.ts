// Bucket notifications arrive in three shapes; all become CloudEvents of the S3 adapter convention:
// type `com.amazonaws.s3.ObjectCreated:<op>`, source `<eventSource>.<region>.<bucket>`, subject = key.
//  - Ceph RGW: binary-mode CloudEvent (ce-type `com.amazonaws.ObjectCreated:Put`), body `{"Records":[...]}`;
//    before Quincy (Debian's 16.2) the same body as plain JSON without ce- headers
//  - MinIO webhook / NATS target: plain JSON `{EventName, Key, Records}` with `eventName: "s3:ObjectCreated:Put"`
//  - the filesystem store of the embedded default: the same `{"Records":[...]}` as S3 itself
import { OBJECT_CREATED_PREFIX } from './catalog.ts';
import type { EventEnvelope } from './envelope.ts';

export interface S3Record {
  eventSource?: string;
  awsRegion?: string;
  eventTime?: string;
  eventName?: string;
  s3?: {
    bucket?: { name?: string };
    object?: { key?: string; size?: number; eTag?: string; etag?: string; sequencer?: string; versionId?: string };
  };
}

export interface ObjectCreated {
  bucket: string;
  key: string;
  size: number;
  etag?: string;
  sequencer?: string;
}

export class NotAnObjectNotification extends Error {}

/** Accepts the parsed body of any of the three shapes; returns one event per ObjectCreated record. */
export function normaliseS3Notification(body: unknown): EventEnvelope<ObjectCreated>[] {
  const records = (body as { Records?: unknown })?.Records;
  if (!Array.isArray(records)) throw new NotAnObjectNotification('body has no Records array');
  return records.flatMap((record: S3Record) => {
    const operation = objectCreatedOperation(record.eventName);
    if (!operation) return [];
    const bucket = record.s3?.bucket?.name;
    const rawKey = record.s3?.object?.key;
    if (!bucket || rawKey === undefined) throw new NotAnObjectNotification('record lacks bucket or key');
    // AWS S3 and MinIO URL-encode keys in notifications (+ for spaces); Ceph RGW (measured on 16.2) sends them raw.
    const key = record.eventSource === 'ceph:s3' ? rawKey : decodeURIComponent(rawKey.replace(/\+/g, ' '));
    const etag = (record.s3?.object?.eTag ?? record.s3?.object?.etag)?.replace(/"/g, '');
    const sequencer = record.s3?.object?.sequencer;
    const source = `${record.eventSource ?? 's3'}.${record.awsRegion || 'default'}.${bucket}`;
    const data: ObjectCreated = { bucket, key, size: Number(record.s3?.object?.size ?? 0), etag, sequencer };
    return [{
      specversion: '1.0' as const,
      // Stable across redeliveries of the same notification, so the consumer can deduplicate.
      id: `${source}/${key}/${sequencer ?? etag ?? ''}`,
      type: `${OBJECT_CREATED_PREFIX}${operation}`,
      source,
      subject: key,
      time: record.eventTime ?? new Date().toISOString(),
      datacontenttype: 'application/json' as const,
      data,
    }];
  });
}

function objectCreatedOperation(eventName: string | undefined): string | undefined {
  const match = /^(?:s3:)?ObjectCreated:(\w+)$/.exec(eventName ?? '');
  return match?.[1];
}

/** Builds the record the filesystem store emits: the same shape S3 itself sends. */
export function s3RecordFor(bucket: string, key: string, size: number, etag: string, sequencer: string): { Records: S3Record[] } {
  return {
    Records: [{
      eventSource: 'mediateca:fs',
      awsRegion: 'local',
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size, eTag: etag, sequencer } },
    }],
  };
}
