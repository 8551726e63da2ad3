// Integration tests run against real servers. Missing server: fail loudly on CI, otherwise skip loudly.
import { DeleteBucketCommand, DeleteObjectsCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { S3ObjectStore } from '../../shared/storage/s3.ts';

/**
 * Resolves true when the server answers. When it does not: throws if CI=true, else warns and resolves false
 * (use the result as `{ skip }` for the suite). `probe` is a URL (a TCP connect to its host and port) or a function.
 */
export async function requireServer(name: string, probe: string | (() => Promise<unknown>)): Promise<boolean> {
  try {
    await (typeof probe === 'string' ? tcpProbe(probe) : probe());
    return true;
  } catch (error) {
    const message = `${name} is not reachable (${typeof probe === 'string' ? probe : 'probe failed'}): ${(error as Error).message}`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`\n*** SKIPPING: ${message} ***\n`);
    return false;
  }
}

function tcpProbe(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(); });
    socket.once('timeout', () => { socket.destroy(); reject(new Error('timed out')); });
    socket.once('error', reject);
  });
}

export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
/** Ceph RGW as started by scripts/services/ceph-rgw.sh */
export const S3 = {
  endpoint: process.env.S3_ENDPOINT ?? 'http://127.0.0.1:7480',
  region: process.env.S3_REGION ?? 'default',
  accessKeyId: process.env.S3_ACCESS_KEY ?? 'ci-access-key',
  secretAccessKey: process.env.S3_SECRET_KEY ?? 'ci-secret-key',
};

/** A fresh database on the PostgreSQL server; `drop()` removes it (closing any connections left open). */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const postgres = (await import('postgres')).default;
  const name = `mt_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** Aborts unfinished multipart uploads, deletes every object, then the bucket. */
export async function emptyAndDeleteBuckets(store: S3ObjectStore): Promise<void> {
  const client = await store.client();
  for (const bucket of new Set(Object.values(store.buckets))) {
    const { Uploads = [] } = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const upload of Uploads) await store.abortMultipartUpload(bucket, upload.Key!, upload.UploadId!);
    for (;;) {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) break;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  }
}

/** A TCP port nothing listens on right now, for a child process to bind. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A user of its own on the RGW the tests use, through radosgw-admin and the cluster's ceph.conf (CEPH_DIR, or the
 * folders scripts/services/ceph-rgw.sh uses); undefined when neither is on this machine (a remote RGW), and then the
 * bucket is made with the CI credentials.
 */
export function createRgwUser(): { accessKeyId: string; secretAccessKey: string } | undefined {
  const conf = [process.env.CEPH_DIR, '/tmp/mediateca-ci-ceph', '/tmp/mediateca-ceph', '/tmp/ceph-ci'].filter(Boolean).map((d) => join(d!, 'ceph.conf')).find((c) => existsSync(c));
  if (!conf) return undefined;
  const keys = { accessKeyId: `distribute${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(24).toString('hex') };
  execFileSync('radosgw-admin', ['-c', conf, 'user', 'create', `--uid=distribute-test-${keys.accessKeyId}`, '--display-name=distribution test', `--access-key=${keys.accessKeyId}`, `--secret-key=${keys.secretAccessKey}`], { stdio: 'ignore' });
  return keys;
}
