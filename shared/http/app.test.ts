import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createFunctionApp, requireAuth } from './app.ts';

const run = promisify(execFile);

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
before(async () => { platform = await createTestPlatform(); });
after(() => platform.dispose());

test('health, readiness and Prometheus metrics on every function', async () => {
  const app = createFunctionApp(platform, 'probe');
  const health = await (await app.request('/_/health')).json();
  assert.equal(health.status, 'ok');
  assert.equal(health.fn, 'probe');
  const ready = await app.request('/_/ready');
  assert.equal(ready.status, 200);
  const readiness = await ready.json();
  assert.deepEqual(Object.keys(readiness.dependencies).sort(), ['database', 'storage']);
  assert.ok(readiness.dependencies.database.ok && readiness.dependencies.storage.ok);
  const metrics = await (await app.request('/metrics')).text();
  assert.match(metrics, /mediateca_http_requests_total\{fn="probe",method="GET",route="\/_\/health",status="200"\} \d/);
  assert.match(metrics, /mediateca_outbox_lag_seconds/);
  assert.match(metrics, /mediateca_event_handling_duration_seconds/);
  // process and runtime metrics, which start with the first scrape
  assert.match(metrics, /process_cpu_user_seconds_total \d/);
  assert.match(metrics, /nodejs_heap_size_used_bytes \d/);
});

test('scrapes arriving together on a fresh process register the process metrics once', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    const { metricsText } = await import(${JSON.stringify(new URL('../observability/metrics.ts', import.meta.url).href)});
    const texts = await Promise.all([metricsText(), metricsText(), metricsText()]);
    console.log(texts.map((text) => text.match(/^process_cpu_user_seconds_total /gm)?.length ?? 0).join(','));
  `]);
  assert.equal(stdout.trim(), '1,1,1');
});

test('unknown routes and missing or forged tokens answer problem+json', async () => {
  const app = createFunctionApp(platform, 'probe');
  app.get('/private', requireAuth(platform), (c) => c.json({ subject: c.get('principal').subject }));
  const missing = await app.request('/nowhere');
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('content-type'), 'application/problem+json');
  const anonymous = await app.request('/private');
  assert.equal(anonymous.status, 401);
  assert.match((await anonymous.json()).detail, /bearer token/);
  const token = await platform.signer!.mint('ana', { newsroom: 'editor' });
  const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  assert.equal((await app.request('/private', { headers: { authorization: `Bearer ${forged}` } })).status, 401);
  const ok = await app.request('/private', { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(await ok.json(), { subject: 'ana' });
});

test('unexpected errors are logged and answered 500 without leaking internals', async () => {
  const app = createFunctionApp(platform, 'probe');
  app.get('/boom', () => { throw new Error('secret connection string'); });
  const response = await app.request('/boom');
  assert.equal(response.status, 500);
  const body = await response.json();
  assert.doesNotMatch(JSON.stringify(body), /secret/);
  assert.ok(body.requestId);
});

test('a loop without a successful pass for LOOP_STALL_SECONDS fails /_/health and /_/ready with its name and error', async () => {
  const stalling = await createTestPlatform({ LOOP_STALL_SECONDS: '1s' });
  try {
    const app = createFunctionApp(stalling, 'probe');
    const relay = stalling.health.loop('outbox relay');
    relay.failed(new Error('connection refused'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const health = await app.request('/_/health');
    assert.equal(health.status, 503);
    const body = await health.json();
    assert.equal(body.status, 'stalled');
    assert.equal(body.loops['outbox relay'].stalled, true);
    assert.equal(body.loops['outbox relay'].lastError, 'connection refused');
    assert.equal((await app.request('/_/ready')).status, 503);
    relay.passed();
    assert.equal((await app.request('/_/health')).status, 200);
  } finally {
    await stalling.dispose();
  }
});
