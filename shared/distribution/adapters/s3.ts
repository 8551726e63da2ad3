// s3: the chosen files, then a JSON sidecar (`<asset id>.json`, written last, so a watcher that waits for it sees
// every file), under a prefix of a bucket on any S3 endpoint, with the channel's own credentials. Each object
// appears whole (a PUT is atomic) and a repeated delivery overwrites the same keys. Retract deletes them.
import * as v from 'valibot';
import { S3ObjectStore } from '../../storage/s3.ts';
import type { Channel, Delivery, DeliveredRef, RetractRequest } from '../channel.ts';

export const S3Target = v.object({
  endpoint: v.pipe(v.string(), v.url('not a URL')),
  region: v.optional(v.string(), 'us-east-1'),
  bucket: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a bucket name')),
  prefix: v.optional(v.pipe(v.string(), v.maxLength(512), v.check((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a relative prefix')), ''),
});
export const S3Credentials = v.object({ accessKeyId: v.pipe(v.string(), v.minLength(1)), secretAccessKey: v.pipe(v.string(), v.minLength(1)) });

export class S3Channel implements Channel {
  private readonly store: S3ObjectStore;

  constructor(
    private readonly target: v.InferOutput<typeof S3Target>,
    credentials: v.InferOutput<typeof S3Credentials>,
  ) {
    const bucket = target.bucket;
    this.store = new S3ObjectStore({ endpoint: target.endpoint, region: target.region, ...credentials }, { incoming: bucket, masters: bucket, renditions: bucket, analytics: bucket });
  }

  async deliver(delivery: Delivery): Promise<DeliveredRef> {
    const prefix = this.prefix();
    const keys: string[] = [];
    for (const file of delivery.files) {
      delivery.signal.throwIfAborted();
      const key = `${prefix}${file.filename}`;
      await this.store.put(this.target.bucket, key, await file.open(), file.contentType, file.size);
      keys.push(key);
    }
    const sidecarKey = `${prefix}${delivery.asset.id}.json`;
    await this.store.put(this.target.bucket, sidecarKey, Buffer.from(JSON.stringify(delivery.asset, null, 2)), 'application/json');
    keys.push(sidecarKey);
    return { externalId: `s3://${this.target.bucket}/${sidecarKey}`, externalUrl: `${this.target.endpoint.replace(/\/$/, '')}/${this.target.bucket}/${sidecarKey}`, ref: { keys } };
  }

  async retract(request: RetractRequest): Promise<void> {
    for (const key of (request.ref.keys as string[] | undefined) ?? []) await this.store.delete(this.target.bucket, key);
  }

  private prefix(): string {
    const prefix = this.target.prefix;
    return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }
}
