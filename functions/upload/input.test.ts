// Input limits and user text at POST /uploads: a 17 MB body of tags is refused while it is read (413) instead of
// parsed for seconds; text PostgreSQL cannot store is a 400 naming the field (it was a 500). Nothing is created.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Hono } from 'hono';
import type { AppEnv } from '../../shared/http/app.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: Hono<AppEnv>;
let token: string;
const start = async (body: unknown) => {
  const response = await app.request('/uploads', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};
const photo = { projectId: 'newsroom', filename: 'foto.jpg', size: 1000, contentType: 'image/jpeg' };
const assetCount = async () => Number((await platform.db.selectFrom('assets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

before(async () => {
  platform = await createTestPlatform();
  app = createApp(platform);
  token = await platform.signer!.mint('ana', { newsroom: 'editor' });
});
after(() => platform.dispose());

test('a million tags (17 MB) are refused with 413, and nothing is created', async () => {
  const response = await start({ ...photo, tags: Array.from({ length: 1_000_000 }, (_, i) => `tag${i}`) });
  assert.equal(response.status, 413);
  assert.match(response.body.detail, /larger than 1048576 bytes/);
  assert.equal(await assetCount(), 0);
});

test('more than 100 tags or an over-long description are 400s naming the field', async () => {
  const tags = await start({ ...photo, tags: Array.from({ length: 101 }, (_, i) => `t${i}`) });
  assert.equal(tags.status, 400);
  assert.equal(tags.body.issues[0].path, 'tags');
  const description = await start({ ...photo, description: 'd'.repeat(20_001) });
  assert.equal(description.body.issues[0].path, 'description');
  assert.equal(await assetCount(), 0);
});

test('NUL in the title, a tag or the filename, or a lone surrogate in the description, are 400s naming the field', async () => {
  for (const [field, extra] of [
    ['title', { title: 'Pleno\u0000municipal' }],
    ['tags.1', { tags: ['ok', 'mal\u0000'] }],
    ['filename', { filename: 'foto\u0000.jpg' }],
    ['description', { description: 'mitad de un par \udc00' }],
  ] as const) {
    const response = await start({ ...photo, ...extra });
    assert.equal(response.status, 400, JSON.stringify(extra));
    assert.equal(response.body.issues[0].path, field);
  }
  assert.equal(await assetCount(), 0);
  const accepted = await start({ ...photo, title: 'Pleno municipal 😀', tags: [' pleno ', 'ayuntamiento'] });
  assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  const asset = await platform.db.selectFrom('assets').selectAll().where('id', '=', accepted.body.assetId).executeTakeFirstOrThrow();
  assert.deepEqual(asset.tags, ['pleno', 'ayuntamiento']);
});
