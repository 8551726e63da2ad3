// The analytics export against server PostgreSQL and Ceph RGW: transactions that commit out of id order are
// exported once each, two exports never run at once, and `npm run export` killed with SIGKILL in the middle of a
// batch, then run again, leaves every event in bronze exactly once (read back with DuckDB and hyparquet).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { exportBacklog, exportedFiles, withExportLock } from '../../shared/db/analytics-export.ts';
import { type Database, openDatabase } from '../../shared/db/connect.ts';
import { enqueue } from '../../shared/db/outbox.ts';
import { BRONZE_PREFIX } from '../../shared/analytics/bronze.ts';
import { runExport } from '../../shared/analytics/export.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { envelopeOf } from '../../shared/events/envelope.ts';
import { S3ObjectStore } from '../../shared/storage/s3.ts';
import { duckdbOverBucket, hyparquetRows, query } from '../support/parquet.ts';
import { POSTGRES_URL, S3, createTestDatabase, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';

const postgresUp = await requireServer('PostgreSQL', POSTGRES_URL);
const rgwUp = await requireServer('Ceph RGW', S3.endpoint);
const ROOT = join(import.meta.dirname, '..', '..');
const settings = { batchEvents: 4, batchMaxAgeSeconds: 300, intervalSeconds: 60 };

function events(count: number, type = 'io.mediateca.asset.updated') {
  return Array.from({ length: count }, (_, i) => {
    const assetId = randomUUID();
    return envelopeOf(['io.mediateca.asset.uploaded', 'io.mediateca.asset.rendered', type][i % 3]!, EVENT_SOURCE, { assetId, projectId: i % 2 ? 'newsroom' : 'sport', version: 1, fields: ['title'] }, assetId);
  });
}

describe('analytics export on PostgreSQL and Ceph RGW', { skip: (!postgresUp && `PostgreSQL is not reachable at ${POSTGRES_URL}`) || (!rgwUp && `Ceph RGW is not reachable at ${S3.endpoint}`) }, () => {
  const bucket = `mt-analytics-${randomBytes(4).toString('hex')}`;
  const store = new S3ObjectStore({ ...S3 }, { incoming: bucket, masters: bucket, renditions: bucket, analytics: bucket });
  let created: { url: string; drop(): Promise<void> };
  let database: Database;
  let raw: postgres.Sql;

  before(async () => {
    created = await createTestDatabase();
    database = await openDatabase(created.url, { poolSize: 4 });
    raw = postgres(created.url, { max: 4, onnotice: () => {} });
    await store.ensureBuckets();
  });

  after(async () => {
    await raw?.end();
    await database?.close();
    await created?.drop();
    await emptyAndDeleteBuckets(store).catch(() => {});
  });

  /**
   * Transaction ids are the server's, not the database's: a transaction open in any database on this shared server
   * (another test's) holds the horizon back for a moment. Export until nothing is pending, within a bound.
   */
  async function exportUntilDrained(): Promise<number> {
    let events = 0;
    for (const deadline = Date.now() + 60_000; ;) {
      events += (await runExport(database.db, store, settings, { flush: true })).bronze?.events ?? 0;
      if ((await exportBacklog(database.db)).pending === 0) return events;
      assert.ok(Date.now() < deadline, 'the export catches up once older transactions on the server end');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function bronzeIds(): Promise<string[]> {
    return (await hyparquetRows(store, bucket, BRONZE_PREFIX)).map((row) => row.id as string);
  }

  async function outboxIds(): Promise<string[]> {
    return (await database.db.selectFrom('outbox').select('event_id').execute()).map((row) => row.event_id);
  }

  test('rows whose transactions commit out of id order are each exported once, when final', async () => {
    const [early, late, bystander] = events(3);
    // `slow` takes its transaction id first, then its outbox id after `fast`'s; `fast` commits first.
    const slow = await raw.reserve();
    await slow`begin`;
    await slow`select pg_current_xact_id()`;
    await database.db.transaction().execute((trx) => enqueue(trx, [early!]));
    await slow`insert into outbox (event_id, type, source, subject, data, created_at) values (${late!.id}, ${late!.type}, ${late!.source}, ${late!.subject ?? null}, ${slow.json(late!.data as any)}, now())`;

    const first = await runExport(database.db, store, settings, { flush: true });
    assert.equal(first.bronze!.events, 0, 'a transaction older than the committed row is still open: nothing is final yet');

    await slow`commit`;
    slow.release();
    await database.db.transaction().execute((trx) => enqueue(trx, [bystander!]));
    assert.equal(await exportUntilDrained(), 3);
    const ids = await bronzeIds();
    assert.deepEqual([...ids].sort(), [early!.id, late!.id, bystander!.id].sort());
  });

  test('a second export while one runs does nothing', async () => {
    let release!: () => void;
    const holding = withExportLock(database.db, () => new Promise<void>((resolve) => { release = resolve; }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await runExport(database.db, store, settings, { flush: true });
      assert.equal(second.ran, false);
    } finally {
      release();
      await holding;
    }
    assert.equal((await runExport(database.db, store, settings, { flush: true })).ran, true, 'the lock is free again');
  });

  test('npm run export killed with SIGKILL mid-batch, then run again: every event in bronze exactly once', async () => {
    const emitted = events(240);
    for (let i = 0; i < emitted.length; i += 6) await database.db.transaction().execute((trx) => enqueue(trx, emitted.slice(i, i + 6)));
    const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-export-'));
    const env = {
      ...process.env,
      MEDIATECA_DATA: dataDir,
      DATABASE_URL: created.url,
      S3_ENDPOINT: S3.endpoint,
      S3_REGION: S3.region,
      S3_ACCESS_KEY: S3.accessKeyId,
      S3_SECRET_KEY: S3.secretAccessKey,
      BUCKET_INCOMING: bucket,
      BUCKET_MASTERS: bucket,
      BUCKET_RENDITIONS: bucket,
      BUCKET_ANALYTICS: bucket,
      EXPORT_BATCH_EVENTS: '3',
      LOG_LEVEL: 'warn',
    };
    const exportProcess = () => spawn(process.execPath, ['--import', 'tsx', 'scripts/export.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // Kill as soon as a batch is planned and not yet recorded; a kill that lands after the batch was recorded
      // is tried again (the export resumes each time), so one of them leaves a batch half written.
      let killedMidBatch = 0;
      for (let attempt = 0; attempt < 6 && killedMidBatch === 0; attempt++) {
        const child = exportProcess();
        const exit = exited(child);
        let done = false;
        void exit.then(() => { done = true; });
        const writtenBefore = Number((await raw`select count(*)::int as n from export_batches where state = 'written'`)[0]!.n);
        while (!done) {
          const [last] = await raw`select state, (select count(*)::int from export_batches where state = 'written') as written from export_batches order by first_seq desc limit 1`;
          if (last?.state === 'planned' && last.written > writtenBefore + 2) {
            child.kill('SIGKILL');
            break;
          }
        }
        await exit;
        const [after] = await raw`select state from export_batches order by first_seq desc limit 1`;
        if (after?.state === 'planned') killedMidBatch += 1;
      }
      assert.ok(killedMidBatch > 0, 'one kill left a batch planned and not recorded');

      const rerun = exportProcess();
      let output = '';
      rerun.stdout!.on('data', (chunk) => { output += chunk; });
      rerun.stderr!.on('data', (chunk) => { output += chunk; });
      assert.equal(await exited(rerun), 0, output);
      await exportUntilDrained();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }

    const database_ids = await outboxIds();
    const rows = await hyparquetRows(store, bucket, BRONZE_PREFIX);
    const ids = rows.map((row) => row.id as string);
    assert.equal(ids.length, database_ids.length, 'as many rows as events');
    assert.deepEqual([...ids].sort(), [...database_ids].sort(), 'every event exactly once');
    const seqs = rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'dense sequence numbers');

    const manifest = await exportedFiles(database.db, 'bronze');
    assert.equal(manifest.reduce((sum, file) => sum + file.row_count, 0), database_ids.length, 'the manifest counts every event once');
    assert.deepEqual(new Set(rows.map((row) => row._key)), new Set(manifest.map((file) => file.key)), 'no file outside the manifest');

    const duck = await duckdbOverBucket(store, bucket, BRONZE_PREFIX);
    try {
      const glob = `read_parquet('${duck.root}/bronze/events/*/*/*.parquet', hive_partitioning = true)`;
      const [totals] = await query(duck.connection, `select count(*)::integer as n, count(distinct id)::integer as ids from ${glob}`);
      assert.deepEqual(totals, { n: database_ids.length, ids: database_ids.length });
      const database_types = await raw`select type, count(*)::int as n from outbox group by type order by type`;
      assert.deepEqual(await query(duck.connection, `select type, count(*)::integer as n from ${glob} group by type order by type`), database_types.map((r) => ({ type: r.type, n: r.n })));
    } finally {
      duck.close();
    }
  });
});
