// Business metrics on /metrics, after one upload and two searches on the embedded platform: assets by state, the
// time of each stage (checked against the times in the database), the enrichment outcome per model, searches by
// mode with the zero-result count.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';

/** `name{labels} value` lines of the exposition text, by series (labels in the order printed). */
function series(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(mediateca_[a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

test('business metrics count assets, stages, enrichment outcomes and searches', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-business-metrics-'));
  let host: Host | undefined;
  try {
    host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, DATABASE_URL: 'memory://', PUBLIC_URL: 'http://127.0.0.1:0', ENRICH_PARTS: 'speech' }), 0);
    const editor = new Client(host.url, await host.platform.signer!.mint('editor-1', { newsroom: 'editor' }));
    const { assetId } = await editor.upload(await makeJpegWithExif(), 'harbour.jpg', 'image/jpeg');
    const asset = await editor.waitForAsset(assetId, (a) => a.state === 'ready' || a.state === 'failed');
    assert.equal(asset.state, 'ready', asset.stateReason);
    const { db } = host.platform;
    const deadline = Date.now() + 60_000;
    while (!(await db.selectFrom('outbox').innerJoin('processed_events', 'processed_events.event_id', 'outbox.event_id').select('outbox.id')
      .where('outbox.type', '=', 'io.mediateca.asset.enriched').where('outbox.subject', '=', assetId).where('processed_events.consumer', '=', 'index').executeTakeFirst())) {
      assert.ok(Date.now() < deadline, 'index handled asset.enriched');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const token = await host.platform.signer!.mint('editor-1', { newsroom: 'editor' });
    for (const q of ['harbour', 'zebracrossingnothere']) assert.equal((await fetch(`${host.url}/search?q=${q}&mode=text`, { headers: { authorization: `Bearer ${token}` } })).status, 200);

    const metrics = series(await (await fetch(`${host.url}/metrics`)).text());
    assert.equal(metrics.get('mediateca_assets{state="ready",media_type="image"}'), 1);
    for (const stage of ['upload', 'transcode', 'ready', 'enrich']) assert.equal(metrics.get(`mediateca_asset_stage_seconds_count{stage="${stage}"}`), 1, `${stage} observed once`);
    // the stage times are the ones the database holds
    const times = new Map((await db.selectFrom('outbox').select(['type', 'created_at']).where('subject', '=', assetId).orderBy('id').execute()).reverse().map((r) => [r.type, new Date(r.created_at).getTime()]));
    const created = new Date((await db.selectFrom('assets').select('created_at').where('id', '=', assetId).executeTakeFirstOrThrow()).created_at).getTime();
    const expected = {
      upload: times.get('io.mediateca.asset.uploaded')! - created,
      transcode: times.get('io.mediateca.asset.rendered')! - times.get('io.mediateca.asset.uploaded')!,
      ready: times.get('io.mediateca.asset.rendered')! - created,
      enrich: times.get('io.mediateca.asset.enriched')! - times.get('io.mediateca.asset.rendered')!,
    };
    for (const [stage, ms] of Object.entries(expected)) assert.ok(Math.abs(metrics.get(`mediateca_asset_stage_seconds_sum{stage="${stage}"}`)! - ms / 1000) < 0.002, `${stage}: ${ms} ms`);
    assert.equal(metrics.get('mediateca_enrichment_outcomes_total{model="speech",outcome="skipped"}'), 1, 'an image has no sound: speech skipped');
    assert.equal(metrics.get('mediateca_searches_total{mode="text",results="some"}'), 1);
    assert.equal(metrics.get('mediateca_searches_total{mode="text",results="none"}'), 1);
  } finally {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
