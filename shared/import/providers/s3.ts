// A prefix of someone else's bucket (S3, Ceph RGW, MinIO), reached with the credentials given with the import.
// The endpoint is user input: its connections go through the same SSRF guard as any URL.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SourceOf } from '../sources.ts';
import { FetchError, checkUrl, guardedLookup } from '../net.ts';
import { type ImportProvider, type ProviderContext, filenameFromUrl, hostOfUrl } from './provider.ts';

type S3SourceT = SourceOf<'s3'>;

export const s3Provider: ImportProvider<S3SourceT> = {
  async *listItems(source, context) {
    const { sdk, client } = await clientFor(source, context);
    let token: string | undefined;
    do {
      const page = await send(() => client.send(new sdk.ListObjectsV2Command({ Bucket: source.bucket, Prefix: source.prefix || undefined, ContinuationToken: token })), source);
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith('/')) continue; // "folder" markers
        yield { url: objectUrl(source, object.Key) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  },

  async fetchItem(item, source, context) {
    const { sdk, client } = await clientFor(source, context);
    const key = keyOf(source, item.url);
    const host = hostOfUrl(source.endpoint);
    const release = await context.http.gate.acquire(host, context.signal);
    try {
      const object = await send(() => client.send(new sdk.GetObjectCommand({ Bucket: source.bucket, Key: key }), { abortSignal: context.signal }), source);
      const body = object.Body as Readable;
      body.once('close', release);
      return { body, size: object.ContentLength, contentType: object.ContentType, filename: item.filename ?? filenameFromUrl(item.url), url: item.url };
    } catch (error) {
      release();
      throw error;
    }
  },

  hostOf: (_item, source) => hostOfUrl(source.endpoint),
};

/** `s3://bucket/key` (the key URL-encoded per segment), so reports name the object. */
function objectUrl(source: S3SourceT, key: string): string {
  return `s3://${source.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function keyOf(source: S3SourceT, url: string): string {
  const prefix = `s3://${source.bucket}/`;
  if (!url.startsWith(prefix)) throw new FetchError(`${url} is not in bucket ${source.bucket}`, true);
  return url.slice(prefix.length).split('/').map(decodeURIComponent).join('/');
}

const clients = new WeakMap<S3SourceT, Promise<{ sdk: typeof import('./s3-sdk.ts'); client: S3Client }>>();

async function clientFor(source: S3SourceT, context: ProviderContext) {
  let pending = clients.get(source);
  if (!pending) {
    pending = (async () => {
      const { policy } = context.http;
      checkUrl(new URL(source.endpoint), policy);
      const sdk = await import('./s3-sdk.ts');
      const lookup = guardedLookup(policy);
      const client = new sdk.S3Client({
        endpoint: source.endpoint,
        region: source.region,
        credentials: source.credentials,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 1, // retries are the import's own (task state retrying), with backoff
        requestHandler: { httpAgent: new http.Agent({ lookup, keepAlive: true }), httpsAgent: new https.Agent({ lookup, keepAlive: true }), connectionTimeout: policy.requestTimeoutMs, requestTimeout: policy.requestTimeoutMs },
      });
      return { sdk, client };
    })();
    clients.set(source, pending);
  }
  return pending;
}

/** SDK errors as FetchErrors: missing objects, buckets and refused credentials are final; the rest may pass. */
async function send<T>(call: () => Promise<T>, source: S3SourceT): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof FetchError) throw error;
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
    if (e.cause instanceof FetchError) throw e.cause;
    const status = e.$metadata?.httpStatusCode;
    const reason = `${source.endpoint} bucket ${source.bucket}: ${e.name ?? 'error'}${e.message ? ` (${e.message})` : ''}`;
    if (status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 408) throw new FetchError(reason, true, status);
    throw new FetchError(reason, false, status);
  }
}
