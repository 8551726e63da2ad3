// Per-host import limits shared through Redis (REDIS_URL): two gates, as two import workers would hold, draw on
// one set of slots, one request spacing and one pause per host.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { importThrottled } from '../../shared/import/metrics.ts';
import { RedisHostGate } from '../../shared/import/redis-host-gate.ts';
import { requireServer } from '../support/servers.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ready = await requireServer('Redis', REDIS_URL);
const prefix = `mediateca-test:import:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const gates: RedisHostGate[] = [];
const gate = (concurrency: number, rate: number) => {
  const made = new RedisHostGate(REDIS_URL, concurrency, rate, prefix);
  gates.push(made);
  return made;
};

after(async () => {
  for (const made of gates) await made.close();
  if (!ready) return;
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

test('two workers share a host\'s slots: the second waits until the first gives one back', { skip: !ready }, async () => {
  const [first, second] = [gate(2, 1000), gate(2, 1000)];
  const releases = [await first.acquire('slots.example'), await first.acquire('slots.example')];
  // the first gate's second request may itself have waited out the 1 ms spacing: count from here
  const throttledBefore = await throttled('slots.example', 'limit');
  const events: string[] = [];
  const waiting = second.acquire('slots.example').then((release) => { events.push('second acquired'); return release; });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(second.busyHosts(), ['slots.example']);
  events.push('first released');
  releases[0]!();
  (await waiting)();
  assert.deepEqual(events, ['first released', 'second acquired']);
  releases[1]!();
  assert.equal(await throttled('slots.example', 'limit'), throttledBefore + 1, 'the wait is counted in mediateca_import_throttled_total');
});

test('request starts are spaced 1/rate apart over both workers', { skip: !ready }, async () => {
  const [first, second] = [gate(10, 2), gate(10, 2)];
  const started = performance.now();
  (await first.acquire('rate.example'))();
  (await second.acquire('rate.example'))();
  (await first.acquire('rate.example'))();
  // three starts at 2 a second: the third no sooner than a second after the first
  assert.ok(performance.now() - started >= 950, `three starts took ${performance.now() - started} ms`);
});

test('a pause one worker was asked for holds the other too', { skip: !ready }, async () => {
  const [first, second] = [gate(2, 1000), gate(2, 1000)];
  await first.pause('paused.example', 60_000);
  assert.equal(await throttled('paused.example', 'server'), 1);
  const controller = new AbortController();
  const waiting = second.acquire('paused.example', controller.signal);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(second.busyHosts(), ['paused.example']);
  controller.abort();
  await assert.rejects(waiting, { name: 'AbortError' });
  (await second.acquire('other.example'))(); // other hosts are not held
});

async function throttled(host: string, reason: string): Promise<number> {
  const { values } = await importThrottled.get();
  return values.find((v) => v.labels.host === host && v.labels.reason === reason)?.value ?? 0;
}
