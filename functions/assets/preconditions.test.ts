// What the assets function answers before it changes anything: If-Match and project lookups.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestPlatform } from '../../test/support/platform.ts';
import { startUpload } from '../../shared/uploads/start.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let app: ReturnType<typeof createApp>;
let headers: Record<string, string>;
let assetId: string;
before(async () => {
  platform = await createTestPlatform();
  app = createApp(platform);
  headers = { authorization: `Bearer ${await platform.signer!.mint('ana', { newsroom: 'admin' })}`, 'content-type': 'application/json' };
  ({ assetId } = await startUpload(platform, 'ana', { projectId: 'newsroom', filename: 'a.jpg', size: 10, contentType: 'image/jpeg', tags: [] }));
});
after(() => platform.dispose());

const patch = (ifMatch: string | undefined, title: string) =>
  app.request(`/assets/${assetId}`, { method: 'PATCH', headers: { ...headers, ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) }, body: JSON.stringify({ title }) });

test('an If-Match that is not an ETag is refused 400 with the reason, and nothing changes', async () => {
  const before = await (await app.request(`/assets/${assetId}`, { headers })).json();
  for (const ifMatch of ['"abc"', 'abc', '"1", "2"', '"99999999999999999999"']) {
    const response = await patch(ifMatch, 'not applied');
    assert.equal(response.status, 400, ifMatch);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.match((await response.json()).detail, /If-Match must be the asset's ETag/);
  }
  const after = await (await app.request(`/assets/${assetId}`, { headers })).json();
  assert.equal(after.version, before.version);
  assert.equal(after.title, before.title);
});

test('the current ETag, W/ form or * is applied; a stale one is 412', async () => {
  const etag = (await app.request(`/assets/${assetId}`, { headers })).headers.get('etag')!;
  const current = await patch(etag, 'first');
  assert.equal(current.status, 200);
  assert.equal((await patch(etag, 'stale')).status, 412);
  assert.equal((await patch(`W/${current.headers.get('etag')}`, 'weak')).status, 200);
  assert.equal((await patch('*', 'any')).status, 200);
});

test('a project named like an Object.prototype key is not found (404), not forbidden', async () => {
  for (const project of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const response = await app.request(`/projects/${project}/settings`, { headers });
    assert.equal(response.status, 404, project);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
  }
});
