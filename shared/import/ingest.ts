// One fetched item into the platform, exactly as a hand upload: an upload plan (the asset in `uploading`, a
// presigned PUT or a multipart plan), then the bytes PUT to those URLs as they stream from the source. For one
// PUT the asset's rows are written while the bytes flow, and the last chunk waits for them (planUpload). The
// bucket notification then reaches upload-complete, which verifies, dedups and starts renditions and indexing.
// Nothing is buffered beyond one network chunk (one part, for a source that does not say its size); nothing
// touches the disk.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type AlsoWritten, findUpload } from '../db/assets.ts';
import type { ImportItem } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';
import type { Platform } from '../platform.ts';
import { planParts } from '../uploads/parts.ts';
import { type StartUploadInput, describeUpload, planUpload, storageKeyFor } from '../uploads/start.ts';
import { importBytes } from './metrics.ts';
import { FetchError } from './net.ts';
import type { FetchedItem } from './providers/provider.ts';
import { SNIFF_BYTES, contentTypeFor } from './sniff.ts';

export type IngestResult = { kind: 'uploaded'; assetId: string; bytes: number } | { kind: 'duplicate'; duplicateOf: string };

export interface IngestRequest {
  owner: string;
  projectId: string;
  item: ImportItem;
  defaults: { title?: string; description?: string; tags?: string[] };
  provider: string;
  /**
   * given the new asset's id, a write made with the asset's rows (in the statement that writes its upload row),
   * committed before the last byte is sent, so a restart can find out whether they arrived
   */
  noteAsset: (assetId: string) => AlsoWritten;
  signal?: AbortSignal;
}

export async function ingest(platform: Platform, fetched: FetchedItem, request: IngestRequest): Promise<IngestResult> {
  const { maxItemBytes, requestTimeoutMs } = platform.config.imports;
  const source = new ByteSource(fetched.body, (n) => importBytes.inc({ provider: request.provider }, n));
  try {
    let size = fetched.size;
    if (size === undefined) {
      // No Content-Length: one part is read ahead. A file that ends within it is planned like any other; a longer
      // one goes out part by part before its size is known (ingestUnknownSize).
      const partSize = planParts(maxItemBytes, platform.config.uploads.partSizeBytes).partSize;
      const ahead = await source.fill(partSize + 1);
      if (ahead > partSize) return await ingestUnknownSize(platform, source, fetched, request, partSize);
      size = ahead;
    }
    if (size > maxItemBytes) throw new FetchError(`too large: ${size} bytes, the limit is ${maxItemBytes} bytes`, true);
    if (size === 0) throw new FetchError('the file is empty (0 bytes)', true);
    const head = await source.peek(Math.min(SNIFF_BYTES, size));
    let plan: Awaited<ReturnType<typeof planUpload>>;
    try {
      plan = await planUpload(platform, request.owner, uploadInput(request, fetched, size, contentTypeFor(head, fetched.contentType)));
    } catch (error) {
      return duplicateOrThrow(error);
    }
    const assetId = plan.assetId;
    const options = { timeoutMs: requestTimeoutMs, signal: request.signal };
    if (plan.answer) {
      // the rows are written while the bytes stream; the last chunk waits for them
      const recorded = plan.record(request.noteAsset(assetId));
      recorded.catch(() => {}); // awaited below; a failure also stops the upload at its last chunk
      try {
        await put(plan.answer.url, holdLast(source.take(size), size, recorded, () => source.end()), size, { ...plan.answer.headers }, options);
      } catch (error) {
        await recorded; // the rows' failure, when that is what stopped the upload
        throw error;
      }
      await recorded;
    } else {
      await plan.record(request.noteAsset(assetId));
      const described = await describeUpload(platform, plan.uploadId);
      if (described.method !== 'MULTIPART') throw new Error('a multipart upload was planned');
      const { partSize, parts } = described.multipart;
      const completed = [];
      for (const part of parts) {
        const length = Math.min(partSize, size - (part.partNumber - 1) * partSize);
        completed.push({ partNumber: part.partNumber, etag: await put(part.url, source.take(length), length, {}, options) });
      }
      const upload = (await findUpload(platform.db, plan.uploadId))!;
      await platform.store.completeMultipartUpload(upload.bucket, upload.storage_key, upload.multipart_upload_id!, completed);
    }
    return { kind: 'uploaded', assetId, bytes: size };
  } finally {
    fetched.body.destroy();
  }
}

/**
 * A source longer than one part that did not say its size: a multipart upload is begun under the asset's future
 * key and fed one part at a time (one part in memory, the size limit enforced as the bytes come); at the end the
 * size is known, the asset and its upload are created for that multipart upload, and it is completed.
 */
async function ingestUnknownSize(platform: Platform, source: ByteSource, fetched: FetchedItem, request: IngestRequest, partSize: number): Promise<IngestResult> {
  const { store, config } = platform;
  const { maxItemBytes, requestTimeoutMs } = config.imports;
  const contentType = contentTypeFor(await source.peek(SNIFF_BYTES), fetched.contentType);
  const input = uploadInput(request, fetched, 0, contentType);
  const assetId = randomUUID();
  const bucket = store.buckets.incoming;
  const storageKey = storageKeyFor(request.projectId, assetId, input.filename);
  const multipartUploadId = await store.createMultipartUpload(bucket, storageKey, contentType);
  const options = { timeoutMs: requestTimeoutMs, signal: request.signal };
  let completed = false;
  try {
    const parts = [];
    let size = 0;
    for (let partNumber = 1; ; partNumber++) {
      const length = await source.fill(partSize);
      if (length === 0) break;
      if (size + length > maxItemBytes) throw new FetchError(`too large: more than ${maxItemBytes} bytes arrived (no Content-Length was given), the limit is ${maxItemBytes} bytes`, true);
      const url = await store.presignUploadPart(bucket, storageKey, multipartUploadId, partNumber, config.uploads.urlTtlSeconds);
      parts.push({ partNumber, etag: await put(url, source.take(length), length, {}, options) });
      size += length;
      if (length < partSize) break;
    }
    try {
      const plan = await planUpload(platform, request.owner, { ...input, size }, { assetId, storageKey, multipartUploadId, partSize });
      await plan.record(request.noteAsset(assetId));
    } catch (error) {
      return duplicateOrThrow(error);
    }
    await store.completeMultipartUpload(bucket, storageKey, multipartUploadId, parts);
    completed = true;
    return { kind: 'uploaded', assetId, bytes: size };
  } finally {
    if (!completed) await store.abortMultipartUpload(bucket, storageKey, multipartUploadId).catch(() => {});
  }
}

function uploadInput(request: IngestRequest, fetched: FetchedItem, size: number, contentType: string): StartUploadInput {
  const { item, defaults } = request;
  return {
    projectId: request.projectId,
    filename: item.filename ?? fetched.filename,
    size,
    contentType,
    sha256: item.sha256,
    title: item.title ?? defaults.title,
    description: item.description ?? defaults.description,
    tags: [...new Set([...(defaults.tags ?? []), ...(item.tags ?? [])])],
  };
}

/** startUpload refused: a declared SHA-256 already in the project is a duplicate; any other refusal is final. */
function duplicateOrThrow(error: unknown): IngestResult {
  if (error instanceof Problem && typeof error.extra.duplicateOf === 'string') return { kind: 'duplicate', duplicateOf: error.extra.duplicateOf };
  if (error instanceof Problem) throw new FetchError(error.detail ?? error.title, true);
  throw error;
}

/**
 * The bytes of `body` (`length` in all), the last chunk only once `until` resolved (its rejection ends the
 * stream); `whileHeld` runs first (the source is read to its end, so its host's slot goes back meanwhile).
 */
async function* holdLast(body: AsyncIterable<Buffer>, length: number, until: Promise<unknown>, whileHeld: () => Promise<void>): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of body) {
    if (sent + chunk.length >= length) {
      await whileHeld();
      await until;
    }
    sent += chunk.length;
    yield chunk;
  }
}

/** PUT to a presigned URL, streaming; answers the ETag. The store is ours: no SSRF guard, but the same timeout. */
async function put(url: string, body: AsyncIterable<Buffer>, length: number, headers: Record<string, string>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const req = client.request(target, { method: 'PUT', headers: { ...headers, 'content-length': String(length) }, timeout: options.timeoutMs, signal: options.signal });
  req.once('timeout', () => req.destroy(new FetchError(`the object store did not answer within ${options.timeoutMs} ms`, false)));
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  await Promise.all([pipeline(Readable.from(body), req), answered]).catch((error) => {
    req.destroy();
    throw error instanceof FetchError ? error : new FetchError(`upload to the object store failed: ${(error as Error).message}`, false);
  });
  const response = await answered;
  const text = await readAll(response);
  if ((response.statusCode ?? 0) >= 300) throw new FetchError(`the object store answered ${response.statusCode} to the upload: ${text.slice(0, 300)}`, false, response.statusCode);
  return String(response.headers.etag ?? '').replace(/"/g, '');
}

async function readAll(response: http.IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) text += chunk;
  return text;
}

/** A byte stream read in exact slices (the sniffed head, then each part of a multipart upload). */
export class ByteSource {
  private readonly iterator: AsyncIterator<Buffer>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private received = 0;

  constructor(stream: Readable, private readonly onBytes: (n: number) => void = () => {}) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** Reads ahead until `n` bytes are held (fewer only at the end of the stream); answers how many are held, up to `n`. */
  async fill(n: number): Promise<number> {
    while (this.pendingBytes < n && (await this.pull())) { /* pulling */ }
    return Math.min(this.pendingBytes, n);
  }

  /** At least `n` bytes (fewer only at the end of the stream), kept to be read again by `take`. */
  async peek(n: number): Promise<Buffer> {
    while (this.pendingBytes < n && (await this.pull())) { /* pulling */ }
    return Buffer.concat(this.pending).subarray(0, n);
  }

  /** Exactly `n` bytes; fails if the source ends first. */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.pending.length === 0 && !(await this.pull())) {
        throw new FetchError(`the source ended early, after ${this.received} bytes`, false);
      }
      const chunk = this.pending.shift()!;
      this.pendingBytes -= chunk.length;
      if (chunk.length > left) {
        this.pending.unshift(chunk.subarray(left));
        this.pendingBytes += chunk.length - left;
        yield chunk.subarray(0, left);
        left = 0;
      } else {
        left -= chunk.length;
        yield chunk;
      }
    }
  }

  /** Reads the source to its end after the last expected byte (its connection is free then); more bytes fail. */
  async end(): Promise<void> {
    if (this.pendingBytes > 0 || (await this.pull())) throw new FetchError(`the source sent more bytes than it said (${this.received} or more)`, true);
  }

  private async pull(): Promise<boolean> {
    const next = await this.iterator.next();
    if (next.done) return false;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.received += chunk.length;
    this.onBytes(chunk.length);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    return true;
  }
}
