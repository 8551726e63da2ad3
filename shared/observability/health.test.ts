import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Health } from './health.ts';

function clock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (seconds: number) => { now += seconds * 1000; } };
}

test('a loop without a successful pass for longer than the stall limit fails liveness and readiness', async () => {
  const time = clock();
  const health = new Health(120, time.now);
  const relay = health.loop('outbox relay');
  time.advance(60);
  relay.passed();
  time.advance(100);
  relay.failed(new Error('connection refused'));
  let report = await health.report();
  assert.equal(report.live, true, '100 s since the last pass is within 120 s');
  assert.equal(report.loops['outbox relay']!.lastError, 'connection refused');
  time.advance(21);
  report = await health.report();
  assert.equal(report.live, false);
  assert.equal(report.ready, false);
  assert.deepEqual(report.loops['outbox relay'], {
    lastPassAt: '2026-01-01T00:01:00.000Z',
    secondsSinceLastPass: 121,
    stalled: true,
    lastError: 'connection refused',
  });
  relay.passed();
  report = await health.report();
  assert.equal(report.live, true, 'a pass clears the stall');
  assert.equal(report.loops['outbox relay']!.lastError, undefined);
});

test('a loop that never passed is counted from its start; a stopped loop is no longer watched', async () => {
  const time = clock();
  const health = new Health(30, time.now);
  const sweep = health.loop('sweep');
  time.advance(31);
  assert.equal((await health.report()).live, false);
  sweep.stopped();
  assert.equal((await health.report()).live, true);
});

test('a dependency that fails makes the process not ready, but still live', async () => {
  const health = new Health(120);
  health.dependency('database', async () => {});
  health.dependency('nats', async () => { throw new Error('disconnected'); });
  const report = await health.report();
  assert.equal(report.live, true);
  assert.equal(report.ready, false);
  assert.equal(report.dependencies.database!.ok, true);
  assert.deepEqual({ ok: report.dependencies.nats!.ok, error: report.dependencies.nats!.error }, { ok: false, error: 'disconnected' });
  const liveness = await health.report({ checkDependencies: false });
  assert.equal(liveness.dependencies.nats!.ok, false, 'liveness shows what the last readiness check found');
});
