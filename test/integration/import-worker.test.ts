// The import worker's retry path and its metrics, on the embedded default driven through the API: a host that
// answers 503 twice and then 200 takes its task pending → fetching → retrying (with the next attempt's time) →
// fetching → retrying → fetching → uploaded, and the asset is ready; /metrics then shows the tasks per state,
// the open backlog, fetch latency, bytes and per-host throttling (the host's own 503 + Retry-After, and our rate
// limit). The source is a real HTTP server on loopback.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { taskHistory } from '../../shared/db/imports.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import { type SourceServer, file, startSourceServer } from '../support/source-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-import-worker-'));
let host: Host;
let client: Client;
let source: SourceServer;

before(async () => {
  source = await startSourceServer();
  host = await startHost(loadConfig({
    MEDIATECA_DATA: dataDir, PORT: '0', ENRICH_PARTS: 'none', LOG_LEVEL: 'warn', IMPORT_ALLOW_PRIVATE_NETWORKS: 'true',
    // 4 requests a second per host: the second of two files at once waits its turn (throttled by our limit)
    IMPORT_HOST_RATE: '4', IMPORT_RETRY_BASE_MS: '50', IMPORT_RETRY_MAX_MS: '200', IMPORT_MAX_ATTEMPTS: '5',
  }), 0);
  client = new Client(host.url, await host.platform.signer!.mint('importer', { newsroom: 'editor' }));
});
after(async () => {
  await host?.stop();
  await source?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function metrics(): Promise<(pattern: RegExp) => number> {
  const text = await (await fetch(`${host.url}/metrics`)).text();
  return (pattern) => Number(text.match(pattern)?.[1] ?? 0);
}

test('503 twice then 200: the worker retries after the host\'s Retry-After and uploads; /metrics shows states, backlog, latency, bytes and throttling', async () => {
  const flaky = await makeJpegWithExif({ width: 40, height: 30, seed: 700 });
  const steady = await makeJpegWithExif({ width: 40, height: 30, seed: 701 });
  let releaseThird!: () => void;
  const thirdMayAnswer = new Promise<void>((resolve) => { releaseThird = resolve; });
  source.route('/flaky.jpg', async (request, response, hits) => {
    if (hits <= 2) return void response.writeHead(503, { 'retry-after': '1' }).end('busy');
    await thirdMayAnswer; // held so the test can see the task fetching on its third attempt
    file(flaky, 'image/jpeg')(request, response, hits);
  });
  source.route('/steady.jpg', file(steady, 'image/jpeg'));
  const host_ = new URL(source.url).host;
  const before = await metrics();

  const created = await client.request('POST', '/imports', { projectId: 'newsroom', source: { type: 'urls', urls: [`${source.url}/flaky.jpg`, `${source.url}/steady.jpg`] } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;

  // after the first 503 the task waits as `retrying`, its next attempt no earlier than the host's Retry-After
  const retrying = await poll(async () => {
    const page = (await client.request('GET', `/imports/${id}/tasks?state=retrying`)).body;
    return page.tasks?.[0];
  });
  assert.match(retrying.reason, /HTTP 503/);
  assert.ok(Date.parse(retrying.nextAttemptAt) > Date.now() - 1_000, retrying.nextAttemptAt);

  // third attempt in flight: the open backlog gauge counts it as fetching (refreshed every 5 s by the worker)
  await poll(async () => ((source.hits.get('/flaky.jpg') ?? 0) >= 3 ? true : undefined));
  const during = await poll(async () => {
    const m = await metrics();
    return m(/^mediateca_import_tasks_open\{state="fetching"\} (\d+)/m) >= 1 ? m : undefined;
  }, 15_000);
  assert.ok(during(/^mediateca_import_tasks_open\{state="fetching"\} (\d+)/m) >= 1);
  releaseThird();

  const batch = await poll(async () => {
    const body = (await client.request('GET', `/imports/${id}`)).body;
    return body.state === 'completed' ? body : undefined;
  });
  assert.deepEqual([batch.counts.uploaded, batch.counts.failed, batch.counts.retrying], [2, 0, 0], JSON.stringify(batch.counts));
  assert.equal(source.hits.get('/flaky.jpg'), 3);

  const report = (await client.request('GET', `/imports/${id}/report`)).body.items as any[];
  const flakyRow = report.find((r) => r.url.endsWith('/flaky.jpg'));
  assert.deepEqual([flakyRow.state, flakyRow.attempts], ['uploaded', 3]);
  const history = await taskHistory(host.platform.db, await taskIdOf(id, 0));
  assert.deepEqual(history.map((e) => `${e.from_state}→${e.to_state}`), [
    'pending→fetching', 'fetching→retrying', 'retrying→fetching', 'fetching→retrying', 'retrying→fetching', 'fetching→uploaded',
  ]);
  assert.deepEqual(history.map((e) => e.attempt), [1, 1, 2, 2, 3, 3]);
  const asset = await client.waitForAsset(flakyRow.assetId, (a) => a.state === 'ready' || a.state === 'failed');
  assert.equal(asset.state, 'ready', asset.stateReason);
  assert.equal(asset.size, flaky.length);

  const after = await metrics();
  const delta = (pattern: RegExp) => after(pattern) - before(pattern);
  assert.equal(delta(/^mediateca_import_tasks_total\{state="retrying"\} (\d+)/m), 2);
  assert.equal(delta(/^mediateca_import_tasks_total\{state="uploaded"\} (\d+)/m), 2);
  assert.equal(delta(/^mediateca_import_fetch_duration_seconds_count\{provider="urls",outcome="uploaded"\} (\d+)/m), 2);
  assert.equal(delta(/^mediateca_import_fetch_duration_seconds_count\{provider="urls",outcome="retrying"\} (\d+)/m), 2);
  assert.ok(delta(/^mediateca_import_bytes_total\{provider="urls"\} (\d+)/m) >= flaky.length + steady.length);
  const throttled = (reason: string) => delta(new RegExp(`^mediateca_import_throttled_total\\{host="${host_.replace(/\./g, '\\.')}",reason="${reason}"\\} (\\d+)`, 'm'));
  assert.equal(throttled('server'), 2, 'each 503 paused the host for its Retry-After');
  assert.ok(throttled('limit') >= 1, 'requests waited for the host\'s rate limit');
});

async function taskIdOf(importId: string, ordinal: number): Promise<string> {
  const row = await host.platform.db.selectFrom('import_tasks').select('id').where('import_id', '=', importId).where('ordinal', '=', ordinal).executeTakeFirstOrThrow();
  return row.id;
}

async function poll<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 100));
  }
}
