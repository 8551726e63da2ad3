// Upload path on Ceph RGW: `npm run bench:upload`. Servers only (PostgreSQL + Ceph RGW). Prints numbers, never fails on them.
//
// A file of random bytes (1 GiB; BENCH_UPLOAD_MB changes it, at least 6), written once to a temp file and read
// from there part by part: never held in memory whole.
//   upload     baseline: the same bytes PUT straight into the bucket with the SDK (lib-storage Upload, the plan's part
//              size, 4 parts in flight) against the app path: POST /uploads (multipart plan) → each part PUT to its
//              presigned URL with fetch (4 in flight) → POST /uploads/:id/complete. The app adds no bytes to the
//              path, so app/direct ≈ 1.0 is expected. BENCH_UPLOAD_ROUNDS rounds (default 2), interleaved.
//   verification  upload-complete's SHA-256 over the object streamed from RGW (sha256Of(store.getStream())) against
//              two baselines: Node hashing the local file (createReadStream, 1 MiB chunks) and streaming the object
//              from RGW without hashing. BENCH_VERIFY_ROUNDS rounds (default 3), interleaved.
// No bucket notifications are configured: upload-complete is timed on its own, not triggered by the uploads.
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { randomFillSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import { planParts } from '../../shared/uploads/parts.ts';
import { findUpload } from '../../shared/db/assets.ts';
import { sha256Of } from '../../shared/storage/checksum.ts';
import type { S3ObjectStore } from '../../shared/storage/s3.ts';
import { Client } from '../../test/support/client.ts';
import { S3 } from '../../test/support/servers.ts';
import { envNumber, interleave, loadAverage, machineLine, median, MiB, startServerHost, table } from './lib.ts';

process.env.LOG_LEVEL ??= 'warn';
const sizeMiB = envNumber('BENCH_UPLOAD_MB', 1024);
const size = Math.round(sizeMiB * MiB);
const uploadRounds = envNumber('BENCH_UPLOAD_ROUNDS', 2);
const verifyRounds = envNumber('BENCH_VERIFY_ROUNDS', 3);
const IN_FLIGHT = 4;

async function writeRandomFile(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.allocUnsafe(16 * MiB);
  try {
    for (let written = 0; written < size; written += chunk.length) {
      const length = Math.min(chunk.length, size - written);
      randomFillSync(chunk, 0, length);
      await handle.write(chunk, 0, length);
    }
  } finally {
    await handle.close();
  }
}

/** The client side of the app path, as a browser or the CLI does it. Returns the object's key in the incoming bucket. */
async function uploadThroughApp(client: Client, file: string, db: Parameters<typeof findUpload>[0]): Promise<string> {
  const started = await client.request('POST', '/uploads', { projectId: 'newsroom', filename: 'random.bin', size, contentType: 'application/octet-stream' });
  if (started.status !== 201 || started.body.method !== 'MULTIPART') throw new Error(`POST /uploads → ${started.status}: ${JSON.stringify(started.body).slice(0, 300)}`);
  const { uploadId, multipart } = started.body as { uploadId: string; multipart: { partSize: number; parts: Array<{ partNumber: number; url: string }> } };
  const queue = [...multipart.parts];
  const parts: Array<{ partNumber: number; etag: string }> = [];
  const handle = await open(file);
  try {
    // Each worker reads its next part into its own buffer (a browser slices the File the same way) and PUTs it.
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      const buffer = Buffer.allocUnsafe(multipart.partSize);
      for (let part = queue.shift(); part; part = queue.shift()) {
        const start = (part.partNumber - 1) * multipart.partSize;
        const { bytesRead } = await handle.read(buffer, 0, Math.min(multipart.partSize, size - start), start);
        const put = await fetch(part.url, { method: 'PUT', body: new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead) });
        const text = await put.text(); // the whole answer, before the buffer is reused
        if (!put.ok) throw new Error(`part ${part.partNumber} → ${put.status}: ${text.slice(0, 300)}`);
        parts.push({ partNumber: part.partNumber, etag: put.headers.get('etag')! });
      }
    }));
  } finally {
    await handle.close();
  }
  const done = await client.request('POST', `/uploads/${uploadId}/complete`, { parts });
  if (done.status !== 202) throw new Error(`complete → ${done.status}: ${JSON.stringify(done.body).slice(0, 300)}`);
  return (await findUpload(db, uploadId))!.storage_key;
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of stream);
}

async function main(): Promise<void> {
  if (size <= 5 * MiB) throw new Error('BENCH_UPLOAD_MB must be above 5 (the smallest multipart part)');
  const dir = mkdtempSync(join(tmpdir(), 'mediateca-bench-upload-'));
  // Multipart at every size this bench allows (the default threshold is 64 MiB).
  const started = await startServerHost({ dataDir: join(dir, 'data'), nats: false, notifications: false, env: { UPLOAD_MULTIPART_THRESHOLD: String(5 * MiB) } });
  if (!started) {
    console.log('upload-path benchmark skipped: it needs PostgreSQL and Ceph RGW');
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const { host } = started;
  const store = host.platform.store as S3ObjectStore;
  const bucket = store.buckets.incoming;
  try {
    const file = join(dir, 'random.bin');
    console.log(`writing ${sizeMiB} MiB of random bytes to ${file} …`);
    await writeRandomFile(file);
    const client = new Client(host.url, await host.platform.signer!.mint('bench', { newsroom: 'editor' }));
    const { partSize } = planParts(size, host.platform.config.uploads.partSizeBytes);
    console.log(`${machineLine()}\n${sizeMiB} MiB, parts of ${partSize / MiB} MiB, ${IN_FLIGHT} in flight · Ceph RGW at ${S3.endpoint}\n`);

    // Each object is deleted before the next upload (outside the timing); the last app upload stays for verification.
    const keys: string[] = [];
    let appKey = '';
    let round = 0;
    const upload = await interleave({
      direct: async () => {
        const key = `bench/direct-${round++}.bin`;
        keys.push(key);
        await new Upload({
          client: await store.client(),
          params: { Bucket: bucket, Key: key, Body: createReadStream(file, { highWaterMark: MiB }), ContentType: 'application/octet-stream' },
          partSize,
          queueSize: IN_FLIGHT,
        }).done();
      },
      app: async () => {
        appKey = await uploadThroughApp(client, file, host.platform.db);
        keys.push(appKey);
      },
    }, {
      rounds: uploadRounds,
      warmUp: 0, // one transfer is seconds long: start-up costs vanish in it
      between: async () => { for (const key of keys.splice(0)) await store.delete(bucket, key); },
      onRound: (n) => process.stdout.write(`  upload round ${n}/${uploadRounds} done\n`),
    });

    let localHash = '';
    let verifiedHash = '';
    const verify = await interleave({
      local: async () => { localHash = await sha256Of(createReadStream(file, { highWaterMark: MiB })); },
      stream: async () => drain(await store.getStream(bucket, appKey)),
      verify: async () => { verifiedHash = await sha256Of(await store.getStream(bucket, appKey)); },
    }, { rounds: verifyRounds, warmUp: 0, onRound: (n) => process.stdout.write(`  verification round ${n}/${verifyRounds} done\n`) });
    if (localHash !== verifiedHash) throw new Error(`the object's SHA-256 ${verifiedHash} differs from the file's ${localHash}`);

    const rate = (ms: number) => sizeMiB / (ms / 1000);
    console.log(`\nupload (${uploadRounds} interleaved rounds; medians)`);
    const direct = median(upload.direct);
    const app = median(upload.app);
    table([
      ['path', 's', 'MiB/s', '× direct (throughput)'],
      ['baseline: SDK Upload straight into the bucket', direct / 1000, rate(direct), 1],
      ['app: POST /uploads → presigned part PUTs → complete', app / 1000, rate(app), rate(app) / rate(direct)],
    ]);
    console.log(`verification of the same ${sizeMiB} MiB (${verifyRounds} interleaved rounds; medians)`);
    const local = median(verify.local);
    const stream = median(verify.stream);
    const verified = median(verify.verify);
    table([
      ['step', 's', 'MiB/s', 'time × local hash', 'time × plain stream'],
      ['baseline: SHA-256 of the local file (1 MiB chunks)', local / 1000, rate(local), 1, local / stream],
      ['baseline: stream the object from RGW, no hashing', stream / 1000, rate(stream), stream / local, 1],
      ['upload-complete: sha256Of(store.getStream())', verified / 1000, rate(verified), verified / local, verified / stream],
    ]);
    console.log(`load average at the end: ${loadAverage()}`);
  } finally {
    await started.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
