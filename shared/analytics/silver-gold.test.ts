// Silver and gold on the embedded default: the catalogue matches the database row for row, a later run re-reads
// only the assets its new events name, and gold matches numbers computed here from the inputs and by DuckDB.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { changeAsset, putMetadata, putRendition } from '../db/assets.ts';
import { changePublication, createChannel, requestPublication } from '../db/distribution.ts';
import { saveLabels } from '../db/enrichment.ts';
import { enqueue } from '../db/outbox.ts';
import type { Asset } from '../db/schema.ts';
import { EVENT_SOURCE } from '../events/catalog.ts';
import { type EventEnvelope, newEvent } from '../events/envelope.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { duckdbOverBucket, hyparquetRows, query } from '../../test/support/parquet.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { runExport } from './export.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
before(async () => { platform = await createTestPlatform(); });
after(async () => { await platform?.dispose(); });

const settings = { batchEvents: 5, batchMaxAgeSeconds: 300, intervalSeconds: 60 };
const bucket = () => platform.store.buckets.analytics;

interface Story { asset: Asset; uploadMs: number; transcodeMs?: number; enrichMs?: number; failed?: boolean; parts?: Record<string, 'done' | 'unavailable' | 'failed'> }

/** Events for an asset, timed from its creation: verified after uploadMs, rendered transcodeMs later, enriched enrichMs later. */
async function tell(story: Story) {
  const { asset } = story;
  const ref = { assetId: asset.id, projectId: asset.project_id, version: asset.version };
  const at = (ms: number) => new Date(new Date(asset.created_at).getTime() + ms).toISOString();
  const events: EventEnvelope<unknown>[] = [];
  let t = story.uploadMs;
  events.push({ ...newEvent('io.mediateca.asset.uploaded', EVENT_SOURCE, { ...ref, mediaType: 'image', contentType: 'image/jpeg', sha256: 'a'.repeat(64), size: Number(asset.size_bytes) }, asset.id), time: at(t) });
  if (story.failed) {
    events.push({ ...newEvent('io.mediateca.asset.failed', EVENT_SOURCE, { ...ref, reason: 'broken' }, asset.id), time: at(t + 10) });
  }
  if (story.transcodeMs !== undefined) {
    t += story.transcodeMs;
    events.push({ ...newEvent('io.mediateca.asset.rendered', EVENT_SOURCE, { ...ref, renditions: ['thumbnail'] }, asset.id), time: at(t) });
  }
  if (story.enrichMs !== undefined) {
    t += story.enrichMs;
    const parts = Object.fromEntries(Object.entries(story.parts ?? {}).map(([part, status]) => [part, { status }]));
    events.push({ ...newEvent('io.mediateca.asset.enriched', EVENT_SOURCE, { ...ref, parts }, asset.id), time: at(t) });
  }
  await platform.db.transaction().execute((trx) => enqueue(trx, events));
}

const stories: Story[] = [];

test('silver holds one row per asset that has events, equal to the database; renditions one row each', async () => {
  const plan: Omit<Story, 'asset'>[] = [
    { uploadMs: 1_000, transcodeMs: 4_000, enrichMs: 9_000, parts: { objects: 'done', ocr: 'unavailable' } },
    { uploadMs: 3_000, transcodeMs: 2_000, enrichMs: 5_000, parts: { objects: 'done', ocr: 'done' } },
    { uploadMs: 2_000, transcodeMs: 8_000, enrichMs: 1_000, parts: { objects: 'failed', ocr: 'done' } },
    { uploadMs: 5_000, transcodeMs: 1_000 },
    { uploadMs: 4_000, failed: true },
  ];
  for (const [i, step] of plan.entries()) {
    const state = step.failed ? 'failed' : 'ready';
    const asset = await seedAsset(platform, { state, projectId: i % 2 ? 'sport' : 'newsroom', title: `story ${i}`, tags: [`t${i}`], thumbnail: !step.failed });
    await platform.db.updateTable('assets').set({ size_bytes: 1000 * (i + 1) }).where('id', '=', asset.id).execute();
    if (!step.failed) await putRendition(platform.db, { asset_id: asset.id, name: 'preview', storage_key: `${asset.project_id}/${asset.id}/preview.jpg`, content_type: 'image/jpeg', size_bytes: 500 + i, width: 1200, height: 800 });
    if (i === 0) {
      await putMetadata(platform.db, asset.id, 'technical', { width: 4000, height: 3000 });
      await saveLabels(platform.db, asset.id, 'centernet', [{ label: 'dog', confidence: 0.9, detections: [] }]);
      await platform.db.updateTable('assets').set({
        fields: JSON.stringify({ credit: 'Ana Ruiz / Agencia', license: 'rights-managed', rightsExpiry: '2020-01-31', desk: 'port', priority: 3 }),
        rights_expired_at: new Date('2020-01-31T00:00:05Z'),
      }).where('id', '=', asset.id).execute();
      // a publication on a channel, delivered, and a second one still pending
      for (const [n, state] of (['delivered', 'pending'] as const).entries()) {
        const channel = (await createChannel(platform.db, { id: randomUUID(), project_id: asset.project_id, name: `silver-${n}-${asset.id}`, type: 'webhook', credentials: '', renditions: ['preview'], target: { url: 'https://example.org/hook' }, settings: {} }))!;
        const { publication } = await requestPublication(platform.db, {
          id: randomUUID(), project_id: asset.project_id, asset_id: asset.id, asset_version: asset.version, channel_id: channel.id, idempotency_key: randomUUID(),
          renditions: ['preview'], requested_by: 'test', rule_id: null, not_before: new Date(), state: 'pending',
        }, []);
        if (state === 'delivered') assert.ok(await changePublication(platform.db, publication.id, { from: ['pending'], to: 'delivered', set: { delivered_at: new Date() }, actor: 'test' }));
      }
    }
    stories.push({ ...step, asset: (await platform.db.selectFrom('assets').selectAll().where('id', '=', asset.id).executeTakeFirstOrThrow()) });
  }
  // one asset with no event at all (an upload never sent) stays out of the catalogue
  await seedAsset(platform, { state: 'uploading' });
  for (const story of stories) await tell(story);

  const run = await runExport(platform.db, platform.store, settings, { flush: true });
  assert.equal(run.silver?.assets, 5);
  assert.equal(run.silver?.changed, 5);

  const silver = await hyparquetRows(platform.store, bucket(), 'silver/assets.parquet');
  assert.equal(silver.length, stories.length, 'one row per asset with events');
  for (const { asset } of stories) {
    const row = silver.find((r) => r.asset_id === asset.id)!;
    const db = await platform.db.selectFrom('assets').selectAll().where('id', '=', asset.id).executeTakeFirstOrThrow();
    const renditions = await platform.db.selectFrom('renditions').selectAll().where('asset_id', '=', asset.id).execute();
    assert.deepEqual(
      { project: row.project_id, state: row.state, editorial: row.editorial_state, reason: row.state_reason, title: row.title, tags: JSON.parse(row.tags as string), size: Number(row.size_bytes), version: Number(row.version), created: (row.created_at as Date).getTime(), count: Number(row.rendition_count), bytes: Number(row.rendition_bytes) },
      { project: db.project_id, state: db.state, editorial: db.editorial_state, reason: db.state_reason, title: db.title, tags: db.tags, size: Number(db.size_bytes), version: db.version, created: new Date(db.created_at).getTime(), count: renditions.length, bytes: renditions.reduce((s, r) => s + Number(r.size_bytes), 0) },
    );
  }
  const first = silver.find((r) => r.asset_id === stories[0]!.asset.id)!;
  assert.deepEqual(JSON.parse(first.technical as string), { width: 4000, height: 3000 });
  assert.deepEqual(JSON.parse(first.labels as string), [{ label: 'dog', status: 'suggested', confidence: 0.9 }]);
  assert.deepEqual(JSON.parse(first.enrichment as string), { objects: 'done', ocr: 'unavailable' });
  assert.equal((first.enriched_at as Date).getTime() - (first.created_at as Date).getTime(), 14_000);
  // schema fields, rights and publication status, as the database holds them
  const firstDb = await platform.db.selectFrom('assets').selectAll().where('id', '=', stories[0]!.asset.id).executeTakeFirstOrThrow();
  assert.deepEqual(JSON.parse(first.fields as string), firstDb.fields);
  assert.deepEqual(JSON.parse(first.fields as string), { credit: 'Ana Ruiz / Agencia', license: 'rights-managed', rightsExpiry: '2020-01-31', desk: 'port', priority: 3 });
  assert.deepEqual([first.credit, first.copyright, first.license, first.usage_terms, first.rights_expiry], ['Ana Ruiz / Agencia', null, 'rights-managed', null, '2020-01-31']);
  assert.equal((first.rights_expired_at as Date).toISOString(), '2020-01-31T00:00:05.000Z');
  const publications = await platform.db.selectFrom('publications').select(['channel_id', 'state', 'asset_version']).where('asset_id', '=', firstDb.id).orderBy('channel_id').execute();
  assert.equal(publications.length, 2);
  assert.deepEqual((JSON.parse(first.publications as string) as { channel_id: string; state: string; version: number }[]).map((p) => [p.channel_id, p.state, p.version]), publications.map((p) => [p.channel_id, p.state, p.asset_version]));
  assert.deepEqual(publications.map((p) => p.state).sort(), ['delivered', 'pending']);
  assert.equal(Number(first.published_channels), 1);
  const second = silver.find((r) => r.asset_id === stories[1]!.asset.id)!;
  assert.deepEqual([JSON.parse(second.fields as string), second.credit, second.rights_expired_at, JSON.parse(second.publications as string), Number(second.published_channels)], [{}, null, null, [], 0]);

  const renditions = await hyparquetRows(platform.store, bucket(), 'silver/renditions.parquet');
  const database = await platform.db.selectFrom('renditions').select(['asset_id', 'name', 'size_bytes']).where('asset_id', 'in', stories.map((s) => s.asset.id)).orderBy('asset_id').orderBy('name').execute();
  assert.deepEqual(renditions.map((r) => [r.asset_id, r.name, Number(r.size_bytes)]), database.map((r) => [r.asset_id, r.name, Number(r.size_bytes)]));
});

test('a later run reads again only the assets its new events name, and keeps what it knew of the others', async () => {
  const target = stories[1]!.asset;
  const current = await platform.db.selectFrom('assets').selectAll().where('id', '=', target.id).executeTakeFirstOrThrow();
  await changeAsset(platform.db, current, {
    expectedVersion: current.version,
    set: { title: 'retitled' },
    history: { type: 'updated', actor: 'test' },
    events: (version) => [newEvent('io.mediateca.asset.updated', EVENT_SOURCE, { assetId: target.id, projectId: target.project_id, version, fields: ['title'] }, target.id)],
  });
  // a change without an event is invisible to silver until that asset's next event
  await platform.db.updateTable('assets').set({ title: 'changed quietly' }).where('id', '=', stories[2]!.asset.id).execute();

  const before = await hyparquetRows(platform.store, bucket(), 'silver/assets.parquet');
  const run = await runExport(platform.db, platform.store, settings, { flush: true });
  assert.equal(run.silver?.changed, 1, 'only the asset named by the new event is read again');
  const after = await hyparquetRows(platform.store, bucket(), 'silver/assets.parquet');
  assert.equal(after.length, before.length);
  assert.equal(after.find((r) => r.asset_id === target.id)!.title, 'retitled');
  assert.equal(after.find((r) => r.asset_id === stories[2]!.asset.id)!.title, 'story 2');
  const retitled = after.find((r) => r.asset_id === target.id)!;
  const was = before.find((r) => r.asset_id === target.id)!;
  assert.equal((retitled.uploaded_at as Date).getTime(), (was.uploaded_at as Date).getTime(), 'stage times carried over');
  assert.equal((retitled.enriched_at as Date).getTime(), (was.enriched_at as Date).getTime());

  const idle = await runExport(platform.db, platform.store, settings, { flush: true });
  assert.equal(idle.silver, undefined, 'no new events, silver untouched');
});

test('gold matches the numbers computed from the inputs and by DuckDB over silver', async () => {
  const duck = await duckdbOverBucket(platform.store, bucket(), '');
  try {
    const gold = await query(duck.connection, `select * from read_parquet('${duck.root}/gold/daily.parquet') order by project_id, day`);
    // computed from the stories: every asset was verified today (UTC) in the test's clock
    const day = (ms: number, asset: Asset) => new Date(new Date(asset.created_at).getTime() + ms).toISOString().slice(0, 10);
    const expected = new Map<string, { uploads: number; bytes: number; failures: number; transcode: number[] }>();
    for (const story of stories) {
      const key = `${story.asset.project_id}|${day(story.uploadMs, story.asset)}`;
      const entry = expected.get(key) ?? { uploads: 0, bytes: 0, failures: 0, transcode: [] };
      entry.uploads += 1;
      entry.bytes += Number(story.asset.size_bytes);
      if (story.failed) entry.failures += 1;
      if (story.transcodeMs !== undefined) entry.transcode.push(story.transcodeMs);
      expected.set(key, entry);
    }
    assert.equal(gold.length, expected.size);
    for (const row of gold) {
      const want = expected.get(`${row.project_id}|${row.day}`)!;
      assert.ok(want, `${row.project_id} ${row.day} expected`);
      assert.equal(Number(row.uploads), want.uploads);
      assert.equal(Number(row.upload_bytes), want.bytes);
      assert.equal(Number(row.failures), want.failures);
      assert.equal(Number(row.transcode_count), want.transcode.length);
      // linear interpolation between closest ranks, by hand
      const sorted = [...want.transcode].sort((a, b) => a - b);
      const p = (q: number) => { const x = (sorted.length - 1) * q; const lo = Math.floor(x); return sorted[lo]! + (sorted[Math.ceil(x)]! - sorted[lo]!) * (x - lo); };
      assert.equal(row.transcode_p50_ms, sorted.length ? p(0.5) : null);
      assert.equal(row.transcode_p95_ms, sorted.length ? p(0.95) : null);
    }
    // and DuckDB's own quantiles over silver agree
    const independent = await query(duck.connection, `
      select project_id, strftime(rendered_at, '%Y-%m-%d') as day,
             quantile_cont(epoch_ms(rendered_at) - epoch_ms(uploaded_at), 0.5) as p50,
             quantile_cont(epoch_ms(rendered_at) - epoch_ms(uploaded_at), 0.95) as p95,
             quantile_cont(epoch_ms(enriched_at) - epoch_ms(rendered_at), 0.95) as enrich_p95
      from read_parquet('${duck.root}/silver/assets.parquet') where rendered_at is not null group by 1, 2 order by 1, 2`);
    for (const row of independent) {
      const mine = gold.find((g) => g.project_id === row.project_id && g.day === row.day)!;
      assert.ok(Math.abs((mine.transcode_p50_ms as number) - (row.p50 as number)) < 1e-6);
      assert.ok(Math.abs((mine.transcode_p95_ms as number) - (row.p95 as number)) < 1e-6);
      if (row.enrich_p95 !== null) assert.ok(Math.abs((mine.enrich_p95_ms as number) - (row.enrich_p95 as number)) < 1e-6);
    }

    const outcomes = await query(duck.connection, `select part, status, sum(assets)::integer as n from read_parquet('${duck.root}/gold/enrichment.parquet') group by 1, 2 order by 1, 2`);
    const counted = new Map<string, number>();
    for (const story of stories) for (const [part, status] of Object.entries(story.parts ?? {})) counted.set(`${part}|${status}`, (counted.get(`${part}|${status}`) ?? 0) + 1);
    assert.deepEqual(outcomes.map((o) => [`${o.part}|${o.status}`, o.n]), [...counted].sort(([a], [b]) => a.localeCompare(b)));
  } finally {
    duck.close();
  }
});

test('gold counts publications per channel and outcome, as DuckDB counts the distribution events in bronze', async () => {
  const [channelA, channelB] = [randomUUID(), randomUUID()];
  const plan: [string, string, Asset][] = [
    ['requested', channelA, stories[0]!.asset], ['delivered', channelA, stories[0]!.asset],
    ['requested', channelA, stories[1]!.asset], ['failed', channelA, stories[1]!.asset],
    ['requested', channelA, stories[2]!.asset], ['delivered', channelA, stories[2]!.asset],
    ['requested', channelB, stories[0]!.asset], ['delivered', channelB, stories[0]!.asset], ['retracted', channelB, stories[0]!.asset],
  ];
  const events = plan.map(([outcome, channelId, asset]) => {
    const ref = { publicationId: randomUUID(), channelId, assetId: asset.id, projectId: asset.project_id, version: asset.version };
    if (outcome === 'requested') return newEvent('io.mediateca.distribution.requested', EVENT_SOURCE, { ...ref, notBefore: new Date().toISOString(), renditions: ['preview'] }, asset.id);
    if (outcome === 'delivered') return newEvent('io.mediateca.distribution.delivered', EVENT_SOURCE, { ...ref, externalId: 'x', externalUrl: null }, asset.id);
    if (outcome === 'failed') return newEvent('io.mediateca.distribution.failed', EVENT_SOURCE, { ...ref, reason: 'HTTP 500', attempts: 8 }, asset.id);
    return newEvent('io.mediateca.distribution.retracted', EVENT_SOURCE, { ...ref, reason: 'taken down' }, asset.id);
  });
  await enqueue(platform.db, events);
  const run = await runExport(platform.db, platform.store, settings, { flush: true });
  assert.equal(run.bronze?.events, plan.length);

  const gold = await hyparquetRows(platform.store, bucket(), 'gold/publications.parquet');
  const expected = new Map<string, number>();
  for (const [outcome, channelId, asset] of plan) {
    const key = `${asset.project_id}|${channelId}|${outcome}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  assert.deepEqual(new Map(gold.map((r) => [`${r.project_id}|${r.channel_id}|${r.outcome}`, Number(r.publications)])), expected);
  const duck = await duckdbOverBucket(platform.store, bucket(), '');
  try {
    const independent = await query(duck.connection, `
      select json_extract_string(data, '$.projectId') as project_id, json_extract_string(data, '$.channelId') as channel_id,
             split_part(type, '.', 4) as outcome, count(*)::integer as n
      from read_parquet('${duck.root}/bronze/events/*/*/*.parquet', hive_partitioning = true)
      where type like 'io.mediateca.distribution.%' group by all order by all`);
    assert.deepEqual(new Map(independent.map((r) => [`${r.project_id}|${r.channel_id}|${r.outcome}`, r.n])), expected);
    assert.equal(gold.filter((r) => r.outcome === 'failed').length, 1, 'one failure, on channel A');
  } finally {
    duck.close();
  }
});
