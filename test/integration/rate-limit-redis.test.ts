// Two platform instances (as two replicas of the search function would be: each its own limiter and Redis
// connection, one database) with REDIS_URL share one rate-limit budget per caller and per client address.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createApp } from '../../functions/search/index.ts';
import { loadConfig } from '../../shared/config.ts';
import { type Platform, createPlatform } from '../../shared/platform.ts';
import { requireServer } from '../support/servers.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ready = await requireServer('Redis', REDIS_URL);
const prefix = `mediateca-test:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
// one data folder: both verify tokens with the same local key
const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-rate-limit-'));
const platforms: Platform[] = [];

before(async () => {
  if (!ready) return;
  const config = loadConfig({ MEDIATECA_DATA: dataDir, DATABASE_URL: 'memory://', REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_PER_IP_PER_MINUTE: '8' });
  const first = await createPlatform({ name: 'search-1', config });
  platforms.push(first, await createPlatform({ name: 'search-2', config, database: first.database }));
});

after(async () => {
  for (const platform of platforms.reverse()) await platform.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (!ready) return;
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

test('a caller has one budget across both instances, and so has an address', { skip: !ready }, async () => {
  const [first, second] = platforms.map((platform) => ({ platform, app: createApp(platform) }));
  // what the Node server hands the app: the client's connection
  const connection = { incoming: { socket: { remoteAddress: '192.0.2.7' } } };
  const search = (instance: typeof first, token: string) => instance!.app.request('/search?q=anything', { headers: { authorization: `Bearer ${token}` } }, connection);
  const ana = await first!.platform.signer!.mint('ana', { newsroom: 'viewer' });
  const remaining: string[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await search(i % 2 === 0 ? first : second, ana);
    assert.equal(response.status, 200, await response.clone().text());
    remaining.push(response.headers.get('ratelimit-remaining')!);
  }
  // the subject's budget (5) is closer to running out than the address's (8)
  assert.deepEqual(remaining, ['4', '3', '2', '1', '0']);
  for (const instance of [first, second]) {
    const refused = await search(instance, ana);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match((await refused.json()).detail, /requests for this caller/);
  }

  // 7 requests from this address so far (5 served, 2 refused by the subject's budget): one more is allowed
  const bea = await second!.platform.signer!.mint('bea', { newsroom: 'viewer' });
  assert.equal((await search(first, bea)).status, 200);
  const refused = await search(second, bea);
  assert.equal(refused.status, 429);
  assert.match((await refused.json()).detail, /requests from this address/);
});
