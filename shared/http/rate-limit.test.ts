import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { createApp as uploadApp } from '../../functions/upload/index.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createFunctionApp, requireAuth } from './app.ts';
import { createLogger } from '../observability/logger.ts';
import { RateLimited, clientIp, createRateLimits } from './rate-limit.ts';

const logger = createLogger('rate-limit-test');
const config = { perSubject: 3, perIp: 5, uploadsPerSubject: 2, keyPrefix: 'test', trustedProxyHops: 0 };

describe('the in-memory limiter', () => {
  test('counts each key on its own, then refuses with the time to wait', async () => {
    const limits = createRateLimits(config, undefined, logger);
    assert.deepEqual((await limits.consume('subject', 'ana'))?.remaining, 2);
    assert.deepEqual((await limits.consume('subject', 'ana'))?.remaining, 1);
    const last = await limits.consume('subject', 'ana');
    assert.equal(last?.remaining, 0);
    assert.equal(last?.limit, 3);
    await assert.rejects(limits.consume('subject', 'ana'), (error: unknown) => {
      assert.ok(error instanceof RateLimited);
      assert.equal(error.status, 429);
      assert.match(error.detail!, /at most 3 a minute; try again in \d+ s/);
      assert.ok(Number(error.headers['Retry-After']) >= 1 && Number(error.headers['Retry-After']) <= 60);
      assert.equal(error.headers['RateLimit-Remaining'], '0');
      return true;
    });
    assert.equal((await limits.consume('subject', 'bea'))?.remaining, 2, 'another caller has its own budget');
    assert.equal((await limits.consume('ip', 'ana'))?.remaining, 4, 'and each budget is separate');
    await limits.close();
  });

  test('with Redis unreachable, each process still limits in its own memory', async () => {
    const limits = createRateLimits(config, 'redis://127.0.0.1:1', logger);
    for (const remaining of [2, 1, 0]) assert.equal((await limits.consume('subject', 'ana'))?.remaining, remaining);
    await assert.rejects(limits.consume('subject', 'ana'), RateLimited);
    await limits.close();
  });

  test('0 turns a budget off', async () => {
    const limits = createRateLimits({ ...config, perSubject: 0 }, undefined, logger);
    for (let i = 0; i < 10; i++) assert.equal(await limits.consume('subject', 'ana'), undefined);
    await assert.rejects(async () => { for (let i = 0; i < 6; i++) await limits.consume('ip', '10.0.0.1'); }, RateLimited);
  });
});

test('the client address is the socket peer, or the one the outermost trusted proxy saw', async () => {
  const app = new Hono().get('/', (c) => c.text(String(clientIp(c, Number(c.req.query('hops'))))));
  const ask = async (hops: number, forwarded?: string) =>
    (await app.fetch(new Request(`http://x/?hops=${hops}`, { headers: forwarded ? { 'x-forwarded-for': forwarded } : {} }), { incoming: { socket: { remoteAddress: '10.0.0.9' } } })).text();
  assert.equal(await ask(0, '1.2.3.4'), '10.0.0.9', 'without trusted proxies the header is the client talking');
  assert.equal(await ask(1, 'spoofed, 1.2.3.4'), '1.2.3.4');
  assert.equal(await ask(2, 'spoofed, 1.2.3.4, 10.1.1.1'), '1.2.3.4');
  assert.equal(await ask(1), '10.0.0.9');
});

describe('on the API', () => {
  let platform: Awaited<ReturnType<typeof createTestPlatform>>;
  before(async () => {
    platform = await createTestPlatform({ RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_UPLOADS_PER_MINUTE: '2' });
  });
  after(() => platform.dispose());

  test('the fourth request of a caller in a minute is 429 problem+json with Retry-After; health is never limited', async () => {
    const app = createFunctionApp(platform, 'probe');
    app.get('/private', requireAuth(platform), (c) => c.json({ ok: true }));
    const headers = { authorization: `Bearer ${await platform.signer!.mint('limited', { newsroom: 'viewer' })}` };
    for (const remaining of ['2', '1', '0']) {
      const response = await app.request('/private', { headers });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('ratelimit-limit'), '3');
      assert.equal(response.headers.get('ratelimit-remaining'), remaining);
      assert.ok(Number(response.headers.get('ratelimit-reset')) >= 1);
    }
    const refused = await app.request('/private', { headers });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal(refused.headers.get('ratelimit-remaining'), '0');
    assert.match((await refused.json()).detail, /RATE_LIMIT_PER_MINUTE/);
    for (let i = 0; i < 5; i++) assert.equal((await app.request('/_/health')).status, 200);
  });

  test('creating uploads has its own, stricter budget', async () => {
    const app = uploadApp(platform);
    const headers = { authorization: `Bearer ${await platform.signer!.mint('uploader', { newsroom: 'editor' })}`, 'content-type': 'application/json' };
    const create = () => app.request('/uploads', { method: 'POST', headers, body: JSON.stringify({ projectId: 'newsroom', filename: 'a.jpg', size: 10, contentType: 'image/jpeg' }) });
    assert.equal((await create()).status, 201);
    const second = await create();
    assert.equal(second.status, 201);
    assert.equal(second.headers.get('ratelimit-limit'), '2', 'the tighter budget is the one reported');
    const third = await create();
    assert.equal(third.status, 429);
    assert.match((await third.json()).detail, /upload creations .*RATE_LIMIT_UPLOADS_PER_MINUTE/);
  });
});
