// Reading the analytics bucket back the way analysts would: DuckDB (@duckdb/node-api) over the files, and
// hyparquet as a second, independent Parquet reader. DuckDB's httpfs extension is not bundled with the npm
// package (it downloads it on INSTALL, which needs the network), so the objects are copied through the store
// port into a temporary folder, keys kept, and DuckDB reads them there.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import type { ObjectStore } from '../../shared/storage/object-store.ts';

export async function objectBytes(store: ObjectStore, bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.getStream(bucket, key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function listKeys(store: ObjectStore, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(bucket, prefix)) keys.push(object.key);
  return keys.sort();
}

/** Every row of every Parquet file under the prefix, read by hyparquet, with the key it came from. */
export async function hyparquetRows(store: ObjectStore, bucket: string, prefix: string): Promise<(Record<string, unknown> & { _key: string })[]> {
  const rows: (Record<string, unknown> & { _key: string })[] = [];
  for (const key of await listKeys(store, bucket, prefix)) {
    const bytes = await objectBytes(store, bucket, key);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    for (const row of await parquetReadObjects({ file })) rows.push({ ...row, _key: key });
  }
  return rows;
}

/** A DuckDB connection over a local copy of the bucket's objects under the prefix; `root` is the copy's bucket folder. */
export async function duckdbOverBucket(store: ObjectStore, bucket: string, prefix: string): Promise<{ connection: DuckDBConnection; root: string; close(): void }> {
  const root = mkdtempSync(join(tmpdir(), 'mediateca-duckdb-'));
  for (const key of await listKeys(store, bucket, prefix)) {
    const target = join(root, key);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await objectBytes(store, bucket, key));
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    connection,
    root,
    close() {
      connection.closeSync();
      instance.closeSync();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Runs a query and returns plain rows (BIGINT as bigint, timestamps as DuckDB values: cast in SQL when comparing). */
export async function query(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}
