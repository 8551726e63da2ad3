// The lakehouse after a real run on the servers (PostgreSQL + JetStream + Ceph RGW): uploads through the API and
// RGW's notifications, an edit, then the export into the analytics bucket on RGW. Bronze holds every event of the
// outbox exactly once, silver has one row per asset equal to the database (state, title, size, renditions), gold
// counts the uploads per project and day as computed here, and DuckDB reads all three layers from the bucket's
// objects (a local copy: the npm DuckDB has no httpfs without a download).
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Host, startHost } from '../../scripts/host.ts';
import { runExport } from '../../shared/analytics/export.ts';
import { loadConfig } from '../../shared/config.ts';
import { deleteStream } from '../../shared/events/jetstream.ts';
import { removeRgwNotifications, uploadNotificationTopic } from '../../shared/storage/rgw-notifications.ts';
import type { S3ObjectStore } from '../../shared/storage/s3.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import { duckdbOverBucket, hyparquetRows, query } from '../support/parquet.ts';
import { NATS_URL, POSTGRES_URL, S3, createTestDatabase, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';

const available = (await requireServer('PostgreSQL', POSTGRES_URL)) && (await requireServer('NATS', NATS_URL)) && (await requireServer('Ceph RGW', S3.endpoint));

test('after uploads and an edit, bronze, silver and gold in the RGW bucket match the database', { skip: !available && 'servers not reachable' }, async (t) => {
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const stream = `LAKE_${run.toUpperCase()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-lakehouse-'));
  const database = await createTestDatabase();
  let host: Host | undefined;
  let store: S3ObjectStore | undefined;
  try {
    host = await startHost(loadConfig({
      MEDIATECA_DATA: dataDir, ENRICH_PARTS: 'none', PORT: '0', DATABASE_URL: database.url, NATS_URL, NATS_STREAM: stream,
      S3_ENDPOINT: S3.endpoint, S3_ACCESS_KEY: S3.accessKeyId, S3_SECRET_KEY: S3.secretAccessKey,
      BUCKET_INCOMING: `mt-${run}-incoming`, BUCKET_MASTERS: `mt-${run}-masters`, BUCKET_RENDITIONS: `mt-${run}-renditions`, BUCKET_ANALYTICS: `mt-${run}-analytics`,
      EXPORT_INTERVAL: '1h',
    }), 0);
    store = host.platform.store as S3ObjectStore;
    const { db, config } = host.platform;
    const editor = new Client(host.url, await host.platform.signer!.mint('editor-1', { newsroom: 'editor', sport: 'editor' }));
    const ids: string[] = [];
    for (const [i, project] of ['newsroom', 'newsroom', 'sport'].entries()) {
      const { assetId } = await editor.upload(await makeJpegWithExif(), `photo-${i}.jpg`, 'image/jpeg', { projectId: project });
      ids.push(assetId);
    }
    for (const id of ids) assert.equal((await editor.waitForAsset(id, (a) => a.state === 'ready' || a.state === 'failed')).state, 'ready');
    assert.equal((await editor.request('PATCH', `/assets/${ids[0]}`, { title: 'harbour at dusk' })).status, 200);

    // export until bronze holds the whole outbox (only transactions older than every running one are exported,
    // and other tests' transactions on the server share that horizon)
    const outboxIds = async () => (await db.selectFrom('outbox').select('event_id').execute()).map((r) => r.event_id).sort();
    const deadline = Date.now() + 120_000;
    let bronze: Record<string, unknown>[] = [];
    for (;;) {
      await runExport(db, store, config.analytics, { flush: true });
      bronze = await hyparquetRows(store, config.buckets.analytics, 'bronze/');
      if (bronze.length >= (await outboxIds()).length || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const all = await outboxIds();
    t.diagnostic(`${all.length} events`);
    assert.deepEqual(bronze.map((r) => r.id as string).sort(), all, 'every event once');
    assert.deepEqual(bronze.map((r) => Number(r.seq)).sort((a, b) => a - b), all.map((_, i) => i + 1), 'seq is dense');

    const silver = await hyparquetRows(store, config.buckets.analytics, 'silver/assets.parquet');
    const assets = await db.selectFrom('assets').selectAll().orderBy('id').execute();
    assert.deepEqual(silver.map((r) => [r.asset_id, r.project_id, r.state, r.title, Number(r.size_bytes)]).sort(),
      assets.map((a) => [a.id, a.project_id, a.state, a.title, Number(a.size_bytes)]).sort(), 'silver is the database, row for row');
    const renditions = await hyparquetRows(store, config.buckets.analytics, 'silver/renditions.parquet');
    assert.equal(renditions.length, Number((await db.selectFrom('renditions').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n));

    const duck = await duckdbOverBucket(store, config.buckets.analytics, '');
    try {
      const counted = await query(duck.connection, `select count(*)::integer as n, count(distinct id)::integer as ids from read_parquet('${duck.root}/bronze/events/*/*/*.parquet', hive_partitioning = true)`);
      assert.deepEqual(counted, [{ n: all.length, ids: all.length }]);
      const gold = await query(duck.connection, `select project_id, sum(uploads)::integer as uploads, sum(upload_bytes)::bigint as bytes from read_parquet('${duck.root}/gold/daily.parquet') group by 1 order by 1`);
      const expected = new Map<string, { uploads: number; bytes: number }>();
      for (const a of assets) {
        const e = expected.get(a.project_id) ?? { uploads: 0, bytes: 0 };
        expected.set(a.project_id, { uploads: e.uploads + 1, bytes: e.bytes + Number(a.size_bytes) });
      }
      assert.deepEqual(gold.map((g) => [g.project_id, g.uploads, Number(g.bytes)]), [...expected].sort().map(([p, e]) => [p, e.uploads, e.bytes]));
      const silverByDuck = await query(duck.connection, `select count(*)::integer as n from read_parquet('${duck.root}/silver/assets.parquet')`);
      assert.deepEqual(silverByDuck, [{ n: assets.length }]);
    } finally {
      duck.close();
    }
  } finally {
    if (store) await removeRgwNotifications(S3, { bucket: store.buckets.incoming, topicName: uploadNotificationTopic(store.buckets.incoming) }).catch(() => {});
    await host?.stop();
    if (store) await emptyAndDeleteBuckets(store).catch(() => {});
    const nc = await connect({ servers: NATS_URL });
    await deleteStream(await jetstreamManager(nc), stream).catch(() => {});
    await nc.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
