// SHA-256 of a stream. 1 MiB chunks roughly double throughput over Node's 64 KiB default (DESIGN.md).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
