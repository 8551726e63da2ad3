// Bronze on the embedded default (PGlite, filesystem store): every outbox event once, in files DuckDB and hyparquet
// both read, partitioned by type and date, never rewritten; batches by size or age; a planned batch left by a
// crash is finished over exactly its range.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { exportedFiles } from '../db/analytics-export.ts';
import { enqueue } from '../db/outbox.ts';
import { EVENT_SOURCE } from '../events/catalog.ts';
import { envelopeOf } from '../events/envelope.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { duckdbOverBucket, hyparquetRows, listKeys, objectBytes, query } from '../../test/support/parquet.ts';
import { BRONZE_PREFIX, exportBronze, nextBatch } from './bronze.ts';
import { runExport } from './export.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
before(async () => { platform = await createTestPlatform(); });
after(async () => { await platform?.dispose(); });

const settings = { batchEvents: 7, batchMaxAgeSeconds: 300, intervalSeconds: 60 };

/** `count` events of a few types over two days and two projects, written the way changeAsset writes them. */
async function emit(count: number, day = '2026-03-01', spread = true) {
  const types = ['io.mediateca.asset.uploaded', 'io.mediateca.asset.rendered', 'io.mediateca.asset.updated'];
  const events = Array.from({ length: count }, (_, i) => {
    const assetId = randomUUID();
    const event = envelopeOf(types[i % types.length]!, EVENT_SOURCE, { assetId, projectId: i % 2 ? 'newsroom' : 'sport', version: i + 1, note: `é ${i}` }, assetId);
    event.time = new Date(`${spread && i % 4 === 0 ? '2026-02-28' : day}T10:00:${String(i % 60).padStart(2, '0')}Z`).toISOString();
    return event;
  });
  // several transactions, as the functions commit them
  for (let i = 0; i < events.length; i += 3) await platform.db.transaction().execute((trx) => enqueue(trx, events.slice(i, i + 3)));
  return events;
}

async function outboxRows() {
  return platform.db.selectFrom('outbox').select(['event_id', 'type', 'source', 'subject', 'data', 'created_at']).orderBy('id').execute();
}

test('every event of the outbox lands once in bronze, and both readers agree with the database', async () => {
  await emit(20);
  const run = await runExport(platform.db, platform.store, settings, { flush: true });
  assert.equal(run.ran, true);
  assert.equal(run.bronze!.events, 20);
  assert.equal(run.bronze!.batches, 3); // 7 + 7 + 6

  const database = await outboxRows();
  const rows = await hyparquetRows(platform.store, platform.store.buckets.analytics, BRONZE_PREFIX);
  assert.equal(rows.length, database.length);
  assert.deepEqual(rows.map((r) => Number(r.seq)).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1), 'dense sequence numbers, each once');
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  assert.equal(byId.size, database.length, 'each event id once');
  for (const row of database) {
    const file = byId.get(row.event_id)!;
    assert.ok(file, `event ${row.event_id} is in bronze`);
    assert.equal(file.type, row.type);
    assert.equal(file.source, row.source);
    assert.equal(file.subject, row.subject);
    assert.equal(file.specversion, '1.0');
    assert.deepEqual(JSON.parse(file.data as string), row.data);
    assert.equal((file.time as Date).getTime(), new Date(row.created_at).getTime());
    const date = new Date(row.created_at).toISOString().slice(0, 10);
    assert.match(file._key, new RegExp(`^bronze/events/type=${row.type.replaceAll('.', '\\.')}/date=${date}/part-\\d{12}-\\d{12}\\.parquet$`));
  }

  const duck = await duckdbOverBucket(platform.store, platform.store.buckets.analytics, BRONZE_PREFIX);
  try {
    const glob = `read_parquet('${duck.root}/bronze/events/*/*/*.parquet', hive_partitioning = true)`;
    const [totals] = await query(duck.connection, `select count(*)::integer as n, count(distinct id)::integer as ids, min(seq)::integer as lo, max(seq)::integer as hi from ${glob}`);
    assert.deepEqual(totals, { n: 20, ids: 20, lo: 1, hi: 20 });
    const perType = await query(duck.connection, `select type, count(*)::integer as n from ${glob} group by type order by type`);
    const counts = new Map<string, number>();
    for (const row of database) counts.set(row.type, (counts.get(row.type) ?? 0) + 1);
    const expected = [...counts].map(([type, n]) => ({ type, n })).sort((a, b) => a.type.localeCompare(b.type));
    assert.deepEqual(perType, expected);
    const perDay = await query(duck.connection, `select strftime("date", '%Y-%m-%d') as day, count(*)::integer as n from ${glob} group by 1 order by 1`);
    assert.deepEqual(perDay, [{ day: '2026-02-28', n: 5 }, { day: '2026-03-01', n: 15 }]);
    const [project] = await query(duck.connection, `select count(*)::integer as n from ${glob} where json_extract_string(data, '$.projectId') = 'newsroom'`);
    assert.equal(project!.n, database.filter((r) => (r.data as { projectId: string }).projectId === 'newsroom').length);
  } finally {
    duck.close();
  }

  const manifest = await exportedFiles(platform.db, 'bronze');
  assert.deepEqual(manifest.map((f) => f.key).sort(), await listKeys(platform.store, platform.store.buckets.analytics, BRONZE_PREFIX));
  assert.equal(manifest.reduce((sum, f) => sum + f.row_count, 0), 20);
});

test('later runs append new files and never touch the written ones', async () => {
  const bucket = platform.store.buckets.analytics;
  const before = new Map<string, Buffer>();
  for (const key of await listKeys(platform.store, bucket, BRONZE_PREFIX)) before.set(key, await objectBytes(platform.store, bucket, key));

  const idle = await runExport(platform.db, platform.store, settings, { flush: true });
  assert.equal(idle.bronze!.events, 0, 'nothing new, nothing written');

  await emit(5, '2026-03-02');
  const run = await runExport(platform.db, platform.store, settings, { flush: true });
  assert.equal(run.bronze!.events, 5);
  for (const key of run.bronze!.files) assert.ok(!before.has(key), `${key} is a new file`);
  for (const [key, bytes] of before) assert.deepEqual(await objectBytes(platform.store, bucket, key), bytes, `${key} unchanged`);
  const rows = await hyparquetRows(platform.store, bucket, BRONZE_PREFIX);
  assert.equal(rows.length, (await outboxRows()).length);
  assert.equal(new Set(rows.map((r) => r.id)).size, rows.length);
});

test('a scheduled run writes a full batch at once and a smaller one only when its oldest event is old enough', async () => {
  await emit(3, '2026-03-03', false); // time set in the past, so pretend "now" is just after it
  const justAfter = () => new Date('2026-03-03T10:01:00Z');
  const young = await exportBronze(platform.db, platform.store, { batchEvents: 7, batchMaxAgeSeconds: 300, flush: false, now: justAfter });
  assert.equal(young.events, 0, '3 events younger than the age limit wait for more');
  const full = await exportBronze(platform.db, platform.store, { batchEvents: 3, batchMaxAgeSeconds: 300, flush: false, now: justAfter });
  assert.equal(full.events, 3, 'a full batch goes at once');

  await emit(2, '2026-03-03', false);
  const old = await exportBronze(platform.db, platform.store, { batchEvents: 7, batchMaxAgeSeconds: 300, flush: false, now: () => new Date('2026-03-03T11:00:00Z') });
  assert.equal(old.events, 2, 'an old enough partial batch is written');
});

test('a batch planned before a crash is finished over exactly its range, even with events committed since', async () => {
  const emitted = await emit(4, '2026-03-04');
  const planned = await nextBatch(platform.db, { batchEvents: 100, batchMaxAgeSeconds: 300, flush: true });
  assert.ok(planned);
  assert.equal(Number(planned.last_seq) - Number(planned.first_seq) + 1, 4);
  // the process died here: the batch is planned, no file written. More events arrive before the restart.
  await emit(3, '2026-03-04');
  const run = await runExport(platform.db, platform.store, settings, { flush: true });
  assert.equal(run.bronze!.events, 7);
  assert.equal(run.bronze!.batches, 2, 'the planned batch, then the new events');
  const rows = await hyparquetRows(platform.store, platform.store.buckets.analytics, BRONZE_PREFIX);
  const ids = rows.map((r) => r.id as string);
  assert.equal(new Set(ids).size, ids.length, 'no event twice');
  for (const event of emitted) assert.ok(ids.includes(event.id));
  const plannedRows = rows.filter((r) => Number(r.seq) >= Number(planned.first_seq) && Number(r.seq) <= Number(planned.last_seq));
  assert.deepEqual(plannedRows.map((r) => r.id).sort(), emitted.map((e) => e.id).sort(), 'the planned range holds the events it was planned with');
  assert.equal(rows.length, (await outboxRows()).length);
});
