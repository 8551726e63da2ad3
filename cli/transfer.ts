// Bytes to and from presigned URLs, streamed from and to disk with a byte count for the progress bars.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const IDLE_TIMEOUT_MS = 120_000;

export class TransferError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** PUTs `length` bytes of `path` from `start` to a presigned URL; answers the ETag the store gave. */
export async function putFileRange(url: string, path: string, start: number, length: number, headers: Record<string, string>, onBytes: (n: number) => void): Promise<string> {
  const target = new URL(url);
  const request = (target.protocol === 'https:' ? https : http).request(target, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(length) },
    timeout: IDLE_TIMEOUT_MS,
  });
  request.once('timeout', () => request.destroy(new TransferError(`no answer from ${target.host} for ${IDLE_TIMEOUT_MS / 1000} s`)));
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  try {
    const file = createReadStream(path, length === 0 ? { start: 0, end: -1 } : { start, end: start + length - 1 });
    await Promise.all([pipeline(file, counter, request), answered]);
  } catch (error) {
    onBytes(-sent); // those bytes will be sent again
    request.destroy();
    throw error instanceof TransferError ? error : new TransferError(`upload to ${target.host} failed: ${(error as Error).message}`);
  }
  const response = await answered;
  let text = '';
  for await (const chunk of response) text += chunk;
  if ((response.statusCode ?? 0) >= 300) {
    onBytes(-sent);
    throw new TransferError(`the object store answered ${response.statusCode}: ${text.slice(0, 200)}`, response.statusCode);
  }
  return String(response.headers.etag ?? '').replace(/"/g, '');
}

export function sha256Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (chunk) => hash.update(chunk)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}
