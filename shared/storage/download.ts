// Streams an object to a local file (masters can be many GB: never buffered in memory).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from './object-store.ts';

export async function downloadToFile(store: ObjectStore, bucket: string, key: string, file: string): Promise<void> {
  await pipeline(await store.getStream(bucket, key), createWriteStream(file, { highWaterMark: 1024 * 1024 }));
}
