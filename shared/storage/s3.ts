// The ObjectStore adapter for S3-compatible stores (Ceph RGW, MinIO, AWS S3).
// The AWS SDK (~1.4 MB of JavaScript, ~70-220 ms and ~10 MiB to load) is imported on the first call that sends a
// command, not when a function starts: most requests never do. Presigned URLs and the readiness probe need no SDK
// (presign.ts).
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config.ts';
import { traceStorageCall } from '../observability/tracing.ts';
import { type Buckets, type CompletedPart, type ListedObject, type ObjectInfo, type ObjectStore, PING_KEY } from './object-store.ts';
import { PathStyleSigner } from './presign.ts';

export type S3Settings = NonNullable<Config['s3']>;

export interface S3StoreOptions {
  /** objects above this are copied part by part (CopyObject's limit is 5 GiB) */
  multipartCopyThresholdBytes?: number;
  /** the first part size tried for multipart copies; grows so that no copy needs more than 10,000 parts */
  copyPartSizeBytes?: number;
  /** origins whose browsers may use presigned URLs (bucket CORS rules, put by ensureBuckets); `*` for any */
  corsOrigins?: string[];
}

const GiB = 1024 ** 3;
const MAX_PARTS = 10_000;
/** within the readiness check's own limit (shared/observability/health.ts) */
const PING_TIMEOUT_MS = 2_500;
const COPY_CONCURRENCY = 4;
/** what browsers send to presigned URLs: the signed content type, checksums, Range, and the SDKs' x-amz-* headers */
const CORS_ALLOWED_HEADERS = ['content-type', 'content-md5', 'range', 'x-amz-*'];

export async function s3Client(settings: Pick<S3Settings, 'region' | 'accessKeyId' | 'secretAccessKey'>, endpoint: string): Promise<S3Client> {
  const { S3Client } = await import('./s3-sdk.ts');
  const client = new S3Client({
    endpoint,
    region: settings.region,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    forcePathStyle: true,
    // The SDK's default CRC32 trailers (aws-chunked uploads) are rejected by Ceph RGW; send checksums only where S3 requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // each request a client span (`s3 GetObject`) under the active one, when tracing is on
  client.middlewareStack.add((next, context) => (args) => {
    const input = args.input as { Bucket?: string; Key?: string };
    return traceStorageCall(String(context.commandName ?? 'request').replace(/Command$/, ''), input.Bucket, input.Key, () => next(args));
  }, { step: 'initialize', name: 'mediatecaTracing' });
  return client;
}

export class S3ObjectStore implements ObjectStore {
  private readonly multipartCopyThreshold: number;
  private readonly copyPartSize: number;
  private readonly corsOrigins?: string[];
  private loaded?: Promise<Sdk>;
  /** signs URLs for clients outside the cluster, who reach the store at the public endpoint */
  private readonly presigner: PathStyleSigner;
  /** signs URLs the functions themselves read (ffmpeg), and the readiness probe, at the endpoint the functions use */
  private readonly readPresigner: PathStyleSigner;

  constructor(private readonly settings: S3Settings, readonly buckets: Buckets, options: S3StoreOptions = {}) {
    this.multipartCopyThreshold = options.multipartCopyThresholdBytes ?? 5 * GiB;
    this.copyPartSize = options.copyPartSizeBytes ?? 512 * 1024 ** 2;
    this.corsOrigins = options.corsOrigins;
    this.presigner = new PathStyleSigner(settings, settings.publicEndpoint ?? settings.endpoint);
    this.readPresigner = new PathStyleSigner(settings, settings.endpoint);
  }

  /** The SDK client for the store's endpoint (tests and tools send their own commands with it). */
  async client(): Promise<S3Client> {
    return (await this.sdk()).client;
  }

  async ensureBuckets(): Promise<void> {
    const { s3, client } = await this.sdk();
    for (const bucket of new Set(Object.values(this.buckets))) {
      if (!(await this.bucketExists(bucket))) await client.send(new s3.CreateBucketCommand({ Bucket: bucket }));
      if (this.corsOrigins?.length) await this.putCors(bucket, this.corsOrigins);
    }
    // Uploads never completed leave objects and parts behind in the incoming bucket. Ceph RGW 16.2 accepts both
    // actions in one rule; it applies rules only inside rgw_lifecycle_work_time (default 00:00-06:00), so expiry is late, not exact.
    await client.send(new s3.PutBucketLifecycleConfigurationCommand({
      Bucket: this.buckets.incoming,
      LifecycleConfiguration: {
        Rules: [{
          ID: 'expire-abandoned-uploads',
          Status: 'Enabled',
          Filter: { Prefix: '' },
          Expiration: { Days: 1 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }],
      },
    }));
  }

  /** A signed HEAD of PING_KEY: 200 or 404 (no such key, or no such bucket yet) is an answer; 403 (credentials) is not. */
  async ping(): Promise<void> {
    const response = await this.readPresigner.head(this.buckets.incoming, PING_KEY, PING_TIMEOUT_MS);
    if (response.status !== 200 && response.status !== 404) throw new Error(`the store answered a signed HEAD with ${response.status} ${response.statusText}`);
  }

  async presignPut(bucket: string, key: string, contentType: string, expiresInSeconds: number): Promise<string> {
    // Content-Type is signed, so the client must send exactly this value.
    return this.presigner.presign({ method: 'PUT', bucket, key, headers: { 'content-type': contentType }, expiresInSeconds });
  }

  async presignGet(bucket: string, key: string, expiresInSeconds: number, downloadName?: string): Promise<string> {
    const query = downloadName === undefined ? undefined : { 'response-content-disposition': attachmentDisposition(downloadName) };
    return this.presigner.presign({ method: 'GET', bucket, key, query, expiresInSeconds });
  }

  async createMultipartUpload(bucket: string, key: string, contentType: string): Promise<string> {
    const { s3, client } = await this.sdk();
    const { UploadId } = await client.send(new s3.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }));
    if (!UploadId) throw new Error(`no upload id for ${bucket}/${key}`);
    return UploadId;
  }

  async presignUploadPart(bucket: string, key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string> {
    return this.presigner.presign({ method: 'PUT', bucket, key, query: { partNumber: String(partNumber), uploadId }, expiresInSeconds });
  }

  async listParts(bucket: string, key: string, uploadId: string): Promise<CompletedPart[]> {
    const { s3, client } = await this.sdk();
    const parts: CompletedPart[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new s3.ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
      for (const part of page.Parts ?? []) parts.push({ partNumber: part.PartNumber!, etag: unquote(part.ETag!) });
      marker = page.IsTruncated ? String(page.NextPartNumberMarker) : undefined;
    } while (marker);
    return parts;
  }

  async completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    const { s3, client } = await this.sdk();
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    await client.send(new s3.CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: sorted.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
    }));
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    const { s3, client } = await this.sdk();
    await client.send(new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const { s3, client } = await this.sdk();
    try {
      const object = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: object.ContentLength ?? 0, etag: unquote(object.ETag ?? ''), contentType: object.ContentType };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async getStream(bucket: string, key: string, range?: { start: number; end: number }): Promise<Readable> {
    const { s3, client } = await this.sdk();
    const { Body } = await client.send(new s3.GetObjectCommand({
      Bucket: bucket,
      Key: key,
      Range: range ? `bytes=${range.start}-${range.end}` : undefined,
    }));
    // In Node the SDK's body is the http response stream.
    return Body as Readable;
  }

  async localFile(bucket: string, key: string, file: string): Promise<string> {
    await pipeline(await this.getStream(bucket, key), createWriteStream(file, { highWaterMark: 1024 * 1024 }));
    return file;
  }

  async readUrl(bucket: string, key: string, expiresInSeconds: number): Promise<string> {
    return this.readPresigner.presign({ method: 'GET', bucket, key, expiresInSeconds });
  }

  async put(bucket: string, key: string, body: Buffer | Readable, contentType: string, size?: number): Promise<void> {
    const { s3, client } = await this.sdk();
    const contentLength = Buffer.isBuffer(body) ? body.length : size;
    if (contentLength !== undefined) {
      await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ContentLength: contentLength }));
      return;
    }
    // A stream of unknown length cannot be signed as one PUT: Upload buffers it into multipart parts.
    await new s3.Upload({ client, params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType } }).done();
  }

  async copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }, size: number): Promise<void> {
    const { s3, client } = await this.sdk();
    const source = copySource(from);
    if (size <= this.multipartCopyThreshold) {
      await client.send(new s3.CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: source }));
      return;
    }
    const { ContentType } = await client.send(new s3.HeadObjectCommand({ Bucket: from.bucket, Key: from.key }));
    const uploadId = await this.createMultipartUpload(to.bucket, to.key, ContentType ?? 'application/octet-stream');
    try {
      const partSize = Math.max(this.copyPartSize, Math.ceil(size / MAX_PARTS));
      const ranges = Array.from({ length: Math.ceil(size / partSize) }, (_, index) => ({
        partNumber: index + 1,
        start: index * partSize,
        end: Math.min(size, (index + 1) * partSize) - 1,
      }));
      const parts: CompletedPart[] = [];
      const copyPart = async ({ partNumber, start, end }: (typeof ranges)[number]) => {
        const { CopyPartResult } = await client.send(new s3.UploadPartCopyCommand({
          Bucket: to.bucket, Key: to.key, UploadId: uploadId, PartNumber: partNumber, CopySource: source, CopySourceRange: `bytes=${start}-${end}`,
        }));
        parts.push({ partNumber, etag: unquote(CopyPartResult!.ETag!) });
      };
      const workers = Array.from({ length: COPY_CONCURRENCY }, async () => {
        for (let range = ranges.shift(); range; range = ranges.shift()) await copyPart(range);
      });
      await Promise.all(workers);
      await this.completeMultipartUpload(to.bucket, to.key, uploadId, parts);
    } catch (error) {
      await this.abortMultipartUpload(to.bucket, to.key, uploadId).catch(() => {});
      throw error;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    const { s3, client } = await this.sdk();
    await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  async *list(bucket: string, prefix?: string): AsyncIterable<ListedObject> {
    const { s3, client } = await this.sdk();
    let token: string | undefined;
    do {
      const page = await client.send(new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) yield { key: object.Key!, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Browsers PUT to presigned URLs (single or multipart) and GET renditions from a web app's origin: without rules the
   * preflight answers 403. Multipart needs each part's ETag readable; players need Range.
   */
  private async putCors(bucket: string, origins: string[]): Promise<void> {
    const { s3, client } = await this.sdk();
    try {
      await client.send(new s3.PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [{
            ID: 'mediateca-browsers',
            AllowedOrigins: origins,
            AllowedMethods: ['PUT', 'GET', 'HEAD', 'POST'],
            AllowedHeaders: CORS_ALLOWED_HEADERS,
            ExposeHeaders: ['ETag', 'Content-Length', 'Content-Range', 'Accept-Ranges'],
            MaxAgeSeconds: 3600,
          }],
        },
      }));
    } catch (error) {
      // MinIO has no bucket CORS API: it applies its server-wide MINIO_API_CORS_ALLOW_ORIGIN (default *) instead.
      if ((error as { name?: string }).name !== 'NotImplemented') throw error;
    }
  }

  private async bucketExists(bucket: string): Promise<boolean> {
    const { s3, client } = await this.sdk();
    try {
      await client.send(new s3.HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Loads the SDK and creates the clients once; a failed load is retried by the next call. */
  private sdk(): Promise<Sdk> {
    this.loaded ??= loadSdk(this.settings).catch((error) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }
}

interface Sdk {
  s3: typeof import('./s3-sdk.ts');
  client: S3Client;
}

async function loadSdk(settings: S3Settings): Promise<Sdk> {
  const s3 = await import('./s3-sdk.ts');
  return { s3, client: await s3Client(settings, settings.endpoint) };
}

/** `attachment` with an ASCII fallback and the exact name as RFC 5987 `filename*` (UTF-8, percent-encoded). */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function copySource({ bucket, key }: { bucket: string; key: string }): string {
  return `${bucket}/${encodeURIComponent(key)}`;
}

function unquote(etag: string): string {
  return etag.replace(/"/g, '');
}

function isNotFound(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return failure.$metadata?.httpStatusCode === 404 || failure.name === 'NotFound' || failure.name === 'NoSuchKey' || failure.name === 'NoSuchBucket';
}
