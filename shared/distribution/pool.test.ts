// The channel connection pool: reuse, its bound, discarding what failed, one more try on a fresh session when a
// reused one fails, closing when idle and on close().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionPool } from './pool.ts';

function fakePool(max: number, idleMs = 60_000) {
  const sessions: { id: number; alive: boolean; closed: boolean }[] = [];
  const pool = new SessionPool({
    open: async () => { const s = { id: sessions.length + 1, alive: true, closed: false }; sessions.push(s); return s; },
    close: async (s) => { s.closed = true; },
    alive: (s) => s.alive,
    max,
    idleMs,
  });
  return { pool, sessions };
}

test('a session is reused, and no more than `max` are open at once', async () => {
  const { pool, sessions } = fakePool(2);
  for (let i = 0; i < 3; i++) await pool.use(async () => {});
  assert.equal(sessions.length, 1, 'one session for three uses in turn');
  let running = 0;
  let most = 0;
  await Promise.all(Array.from({ length: 6 }, () => pool.use(async () => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
  })));
  assert.equal(most, 2);
  assert.equal(sessions.length, 2);
  assert.deepEqual(pool.size, { open: 2, idle: 2 });
  await pool.close();
  assert.ok(sessions.every((s) => s.closed));
  await assert.rejects(pool.use(async () => {}), /closed/);
});

test('a failure on a fresh session is discarded and thrown; on a reused one it is tried once more on a fresh one', async () => {
  const { pool, sessions } = fakePool(2);
  await assert.rejects(pool.use(async () => { throw new Error('boom'); }), /boom/);
  assert.equal(sessions[0]!.closed, true, 'the failed session is closed');
  await pool.use(async () => {}); // session 2, now idle
  const used: number[] = [];
  const answer = await pool.use(async (s) => {
    used.push(s.id);
    if (s.id === 2) throw new Error('the server dropped it');
    return 'delivered';
  });
  assert.equal(answer, 'delivered');
  assert.deepEqual(used, [2, 3]);
  assert.equal(sessions[1]!.closed, true);
  await pool.close();
});

test('a session that died while idle is not handed out; idle sessions close after idleMs', async () => {
  const { pool, sessions } = fakePool(2, 20);
  await pool.use(async () => {});
  sessions[0]!.alive = false;
  await pool.use(async (s) => assert.equal(s.id, 2));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(sessions[1]!.closed, true, 'closed once idle');
  assert.deepEqual(pool.size, { open: 0, idle: 0 });
});

test('an abort while waiting for a slot rejects without taking one', async () => {
  const { pool } = fakePool(1);
  let release!: () => void;
  const busy = pool.use(() => new Promise<void>((r) => { release = r; }));
  const abort = new AbortController();
  const waiting = pool.use(async () => {}, abort.signal);
  abort.abort(new Error('timed out'));
  await assert.rejects(waiting, /timed out/);
  release();
  await busy;
  await pool.use(async () => {});
  await pool.close();
});
