// The ObjectStore port. Two adapters: S3 (Ceph RGW, MinIO, AWS) and the filesystem (embedded default).
// The application never proxies upload bytes: clients get presigned URLs and talk to the store directly.
import type { Readable } from 'node:stream';

export interface Buckets {
  /** where clients upload; objects here expire if never completed */
  incoming: string;
  masters: string;
  renditions: string;
  /** the analytics export's Parquet files (bronze/, silver/, gold/) */
  analytics: string;
}

export interface ObjectInfo {
  size: number;
  etag: string;
  contentType?: string;
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PresignedPart {
  partNumber: number;
  url: string;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface ObjectStore {
  readonly buckets: Buckets;
  ensureBuckets(): Promise<void>;
  /** One round trip to the store (readiness): it answers, and takes the credentials. */
  ping(): Promise<void>;
  presignPut(bucket: string, key: string, contentType: string, expiresInSeconds: number): Promise<string>;
  presignGet(bucket: string, key: string, expiresInSeconds: number, downloadName?: string): Promise<string>;
  createMultipartUpload(bucket: string, key: string, contentType: string): Promise<string>;
  presignUploadPart(bucket: string, key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string>;
  listParts(bucket: string, key: string, uploadId: string): Promise<CompletedPart[]>;
  completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: CompletedPart[]): Promise<void>;
  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void>;
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Streams the object (or the inclusive byte range). */
  getStream(bucket: string, key: string, range?: { start: number; end: number }): Promise<Readable>;
  /**
   * The object as a local file, to be read and never written: the filesystem store's own file (a master can be many
   * GB: it is not copied), else the object downloaded to `file` (streamed, never buffered in memory).
   */
  localFile(bucket: string, key: string, file: string): Promise<string>;
  /**
   * A URL ffmpeg can read the object through (HTTP range requests, so a probe or a seek reads only what it needs) while
   * localFile still downloads it, valid for `expiresInSeconds`, signed for the store's own endpoint (not the public
   * one); undefined where localFile hands out the object's own file at once (the filesystem store).
   */
  readUrl(bucket: string, key: string, expiresInSeconds: number): Promise<string | undefined>;
  put(bucket: string, key: string, body: Buffer | Readable, contentType: string, size?: number): Promise<void>;
  copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }, size: number): Promise<void>;
  delete(bucket: string, key: string): Promise<void>;
  /** Every object in the bucket (under the prefix), in pages: the reconciliation sweep walks the incoming bucket. */
  list(bucket: string, prefix?: string): AsyncIterable<ListedObject>;
}

/** A key nobody writes: any answer for it, found or not, shows the store is reachable. */
export const PING_KEY = '.health-probe';

export const DEFAULT_BUCKETS: Buckets = { incoming: 'mediateca-incoming', masters: 'mediateca-masters', renditions: 'mediateca-renditions', analytics: 'mediateca-analytics' };
