// Input limits and user text at the edge of the assets function: oversized bodies are refused while they are
// read (413), over-long arrays and strings and text PostgreSQL cannot store are 400s naming the field; none of
// them reaches the database (they answered 200 and broke indexing, or 500, before).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Hono } from 'hono';
import { findAsset } from '../../shared/db/assets.ts';
import { replaceFaces } from '../../shared/db/enrichment.ts';
import { reclusterFaces } from '../../shared/ai/vision/face-clusters.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: Hono<AppEnv>;
let token: string;
const send = async (method: string, path: string, body?: unknown, init: RequestInit = {}) => {
  const response = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' || body instanceof ReadableStream || body instanceof Blob ? body : JSON.stringify(body),
    ...init,
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
};

before(async () => {
  platform = await createTestPlatform();
  app = createApp(platform);
  token = await platform.signer!.mint('ana', { newsroom: 'editor' });
});
after(() => platform.dispose());

describe('PATCH /assets/:id limits', () => {
  test('150k tags (3 MB) are refused with 413 before parsing; the asset is unchanged', async () => {
    const asset = await seedAsset(platform);
    const tags = Array.from({ length: 150_000 }, (_, i) => `etiqueta-${i}`);
    const response = await send('PATCH', `/assets/${asset.id}`, { title: 'Nuevo', tags });
    assert.equal(response.status, 413);
    assert.equal(response.type, 'application/problem+json');
    assert.match(response.body.detail, /larger than 1048576 bytes/);
    assert.equal((await findAsset(platform.db, asset.id))!.version, asset.version);
  });

  test('a body streamed without Content-Length is cut off at the limit too', async () => {
    const asset = await seedAsset(platform);
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"title":"x"'));
        if (sent++ < 100) controller.enqueue(chunk); // 6.4 MB in all, unless the reader stops early
        else controller.close();
      },
    });
    const response = await send('PATCH', `/assets/${asset.id}`, stream, { duplex: 'half' } as RequestInit);
    assert.equal(response.status, 413);
    assert.ok(sent < 100, `the body was not read to its end (${sent} chunks pulled)`);
  });

  test('more than 100 tags, a tag over 100 characters or an over-long title are 400s naming the field', async () => {
    const asset = await seedAsset(platform);
    const tooMany = await send('PATCH', `/assets/${asset.id}`, { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.detail, /tags: at most 100 tags/);
    const tooLong = await send('PATCH', `/assets/${asset.id}`, { tags: ['ok', 'x'.repeat(101)] });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body.detail, /tags\.1: must be at most 100 characters/);
    const title = await send('PATCH', `/assets/${asset.id}`, { title: 't'.repeat(501) });
    assert.match(title.body.detail, /title: must be at most 500 characters/);
    const fine = await send('PATCH', `/assets/${asset.id}`, { tags: Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(100, 'x')) });
    assert.equal(fine.status, 200, JSON.stringify(fine.body));
  });

  test('NUL and other control characters, or a lone surrogate, are 400s naming the field', async () => {
    const asset = await seedAsset(platform);
    for (const [field, edit] of [
      ['title', { title: 'Pleno\u0000' }],
      ['tags.0', { tags: ['a\u0000b'] }],
      ['description', { description: 'mitad \ud800 de un par' }],
      ['description', { description: 'campana \u0007' }],
    ] as const) {
      const response = await send('PATCH', `/assets/${asset.id}`, edit);
      assert.equal(response.status, 400, JSON.stringify(edit));
      assert.equal(response.body.issues[0].path, field);
    }
    // the raw JSON escape reaches the server as a lone surrogate, too
    const raw = await send('PATCH', `/assets/${asset.id}`, '{"description":"\\ud800"}');
    assert.equal(raw.status, 400);
    const kept = await send('PATCH', `/assets/${asset.id}`, { description: 'Línea uno\nLínea dos\tcon tabulador 😀' });
    assert.equal(kept.status, 200, 'tabs, newlines and real pairs are text');
    assert.equal((await findAsset(platform.db, asset.id))!.description, 'Línea uno\nLínea dos\tcon tabulador 😀');
  });

  test('a body that is not UTF-8 or not JSON is a 400', async () => {
    const asset = await seedAsset(platform);
    const latin1 = await send('PATCH', `/assets/${asset.id}`, new Blob([Uint8Array.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])]));
    assert.equal(latin1.status, 400);
    assert.match(latin1.body.detail, /UTF-8/);
  });
});

describe('user text in paths and other bodies', () => {
  test('a label name with NUL is a 400, not a database error', async () => {
    const asset = await seedAsset(platform);
    const response = await send('PUT', `/assets/${asset.id}/labels/dog%00`, { status: 'accepted' });
    assert.equal(response.status, 400);
    assert.match(response.body.detail, /invalid label: must not contain NUL/);
  });

  test('a person name with NUL is a 400', async () => {
    const asset = await seedAsset(platform);
    await replaceFaces(platform.db, 'newsroom', asset.id, [{ box: { x: 0, y: 0, width: 0.5, height: 0.5 }, confidence: 0.9, descriptor: [1, 0, 0] }], reclusterFaces);
    const [person] = (await send('GET', '/persons')).body.persons;
    const response = await send('PATCH', `/persons/${person.id}`, { name: 'Ana\u0000' });
    assert.equal(response.status, 400);
    assert.equal(response.body.issues[0].path, 'name');
    assert.equal((await send('PATCH', `/persons/${person.id}`, { name: 'Ana García' })).status, 200);
  });
});
