// s3: the chosen files, then a JSON sidecar (`<asset id>.json`, written last, so a watcher that waits for it sees
// every file), under a prefix of a bucket on any S3 endpoint, with the channel's own credentials. Each object
// appears whole (a PUT, or a multipart upload's completion, is atomic) and a repeated delivery overwrites the same
// keys. Files above `multipartThresholdBytes` (default 64 MiB; a single PUT stops at 5 GiB) go up as a multipart
// upload (@aws-sdk/lib-storage `Upload`, parts of `partSizeBytes` or larger so that none needs more than 10,000
// parts, a few at a time); an upload that fails is aborted, so no parts are left behind. Retract deletes the keys.
// One SDK client per channel: its keep-alive connections are reused across deliveries, and every connection passes
// the SSRF guard (../http.ts).
import * as v from 'valibot';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Channel, ChannelOptions, Delivery, DeliveredRef, RetractRequest } from '../channel.ts';
import { ChannelHttp } from '../http.ts';

const MiB = 1024 * 1024;
const MAX_PARTS = 10_000;

export const S3Target = v.object({
  endpoint: v.pipe(v.string(), v.url('not a URL'), v.regex(/^https?:\/\//, 'an http(s) URL')),
  region: v.optional(v.string(), 'us-east-1'),
  bucket: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a bucket name')),
  prefix: v.optional(v.pipe(v.string(), v.maxLength(512), v.check((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a relative prefix')), ''),
  /** files above this go up in parts (at most 5 GiB: a single PUT's limit) */
  multipartThresholdBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(5 * MiB), v.maxValue(5 * 1024 * MiB)), 64 * MiB),
  /** the part size tried first (S3's minimum is 5 MiB); grows so that no upload needs more than 10,000 parts */
  partSizeBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(5 * MiB), v.maxValue(5 * 1024 * MiB)), 16 * MiB),
});
export const S3Credentials = v.object({ accessKeyId: v.pipe(v.string(), v.minLength(1)), secretAccessKey: v.pipe(v.string(), v.minLength(1)) });

type Sdk = typeof import('../../storage/s3-sdk.ts');

export class S3Channel implements Channel {
  private readonly http: ChannelHttp;
  private client?: Promise<{ sdk: Sdk; client: S3Client }>;
  /** multipart uploads started (tests read it) */
  multipartUploads = 0;

  constructor(
    private readonly target: v.InferOutput<typeof S3Target>,
    private readonly credentials: v.InferOutput<typeof S3Credentials>,
    options: ChannelOptions,
  ) {
    this.http = new ChannelHttp(options.network, { maxSockets: options.maxConnections * 4, idleMs: options.idleMs });
  }

  async deliver(delivery: Delivery): Promise<DeliveredRef> {
    const { sdk, client } = await this.sdk();
    const prefix = this.prefix();
    const keys: string[] = [];
    const { signal } = delivery;
    for (const file of delivery.files) {
      signal.throwIfAborted();
      const key = `${prefix}${file.filename}`;
      if (file.size > this.target.multipartThresholdBytes) {
        this.multipartUploads++;
        const partSize = Math.max(this.target.partSizeBytes, Math.ceil(file.size / MAX_PARTS));
        const upload = new sdk.Upload({ client, params: { Bucket: this.target.bucket, Key: key, Body: await file.open(), ContentType: file.contentType }, partSize, queueSize: 4, leavePartsOnError: false });
        const abort = () => { upload.abort().catch(() => {}); };
        signal.addEventListener('abort', abort, { once: true });
        try {
          await upload.done();
        } finally {
          signal.removeEventListener('abort', abort);
        }
      } else {
        await client.send(new sdk.PutObjectCommand({ Bucket: this.target.bucket, Key: key, Body: await file.open(), ContentType: file.contentType, ContentLength: file.size }), { abortSignal: signal });
      }
      keys.push(key);
    }
    const sidecarKey = `${prefix}${delivery.asset.id}.json`;
    await client.send(new sdk.PutObjectCommand({ Bucket: this.target.bucket, Key: sidecarKey, Body: Buffer.from(JSON.stringify(delivery.asset, null, 2)), ContentType: 'application/json' }), { abortSignal: signal });
    keys.push(sidecarKey);
    return { externalId: `s3://${this.target.bucket}/${sidecarKey}`, externalUrl: `${this.target.endpoint.replace(/\/$/, '')}/${this.target.bucket}/${sidecarKey}`, ref: { keys } };
  }

  async retract(request: RetractRequest): Promise<void> {
    const { sdk, client } = await this.sdk();
    for (const key of (request.ref.keys as string[] | undefined) ?? []) await client.send(new sdk.DeleteObjectCommand({ Bucket: this.target.bucket, Key: key }), { abortSignal: request.signal });
  }

  async close(): Promise<void> {
    const loaded = await this.client?.catch(() => undefined);
    loaded?.client.destroy();
    this.http.close();
  }

  private sdk(): Promise<{ sdk: Sdk; client: S3Client }> {
    // an IP literal endpoint is checked on every delivery (no lookup happens for it); names at each connection
    this.http.check(new URL(this.target.endpoint));
    this.client ??= (async () => {
      const sdk = await import('../../storage/s3-sdk.ts');
      const client = new sdk.S3Client({
        endpoint: this.target.endpoint,
        region: this.target.region,
        credentials: this.credentials,
        forcePathStyle: true,
        // Ceph RGW rejects the SDK's default CRC32 trailers (aws-chunked uploads): checksums only where S3 requires them
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 1, // retries are the worker's (backoff, breaker)
        requestHandler: { httpAgent: this.http.httpAgent, httpsAgent: this.http.httpsAgent, connectionTimeout: 20_000 },
      });
      return { sdk, client };
    })();
    return this.client;
  }

  private prefix(): string {
    const prefix = this.target.prefix;
    return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }
}
