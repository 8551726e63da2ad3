// Collections and share links end to end, as the "Done when" has it: an uploaded photo is approved, put in
// a collection (which search then filters by, through the event path), shared through a link that a client opens
// WITHOUT a token (the items, then a rendition's bytes through the recorded redirect), the access appears in the
// audit log; a revoked link answers 410, an expired one is refused. Registered once per mode (embedded, servers).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Host } from '../../scripts/host.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import type { E2eEnvironment } from './pipeline-suite.ts';

export function sharingSuite(mode: string, start: () => Promise<E2eEnvironment | undefined>) {
  describe(`collections, share links and audit end to end (${mode})`, () => {
    let host: Host;
    let editor: Client;
    let producer: Client;
    let admin: Client;
    let started = false;

    before(async () => {
      const env = await start();
      if (!env) return;
      started = true;
      host = env.host;
      editor = new Client(host.url, await host.platform.signer!.mint('editor-s', { newsroom: 'editor' }));
      producer = new Client(host.url, await host.platform.signer!.mint('producer-s', { newsroom: 'producer' }));
      admin = new Client(host.url, await host.platform.signer!.mint('admin-s', { newsroom: 'admin' }));
    });

    test('a collection with an approved photo is shared, opened without a token, downloaded, audited, revoked and expired', async (t) => {
      if (!started) return t.skip('servers missing');
      const photo = await makeJpegWithExif({ width: 640, height: 480, seed: 31 });
      const { assetId } = await editor.upload(photo, 'muelle.jpg', 'image/jpeg', { title: 'Muelle al amanecer' });
      const ready = await editor.waitForAsset(assetId, (a) => a.state === 'ready' || a.state === 'failed');
      assert.equal(ready.state, 'ready', ready.stateReason);
      assert.equal((await editor.request('POST', `/assets/${assetId}/transitions`, { to: 'in_review' })).status, 200);
      assert.equal((await producer.request('POST', `/assets/${assetId}/transitions`, { to: 'approved' })).status, 200);

      const album = await editor.request('POST', '/projects/newsroom/collections', { name: 'Puerto' });
      assert.equal(album.status, 201, JSON.stringify(album.body));
      assert.equal((await editor.request('POST', `/collections/${album.body.id}/assets`, { assetIds: [assetId] })).status, 200);
      // membership reaches search through the event path (index consumes collection.assets-added)
      const found = await editor.waitForSearch(`collection=${album.body.id}`, (r) => r.hits?.length === 1);
      assert.equal(found.hits[0].assetId, assetId);
      assert.equal(found.total, 1);

      const link = await editor.request('POST', `/collections/${album.body.id}/shares`, { renditions: ['thumbnail', 'preview'], expiresAt: new Date(Date.now() + 86400_000).toISOString() });
      assert.equal(link.status, 201, JSON.stringify(link.body));
      assert.ok(link.body.url.startsWith(`${host.url}/s/`));

      // a client with no token at all
      const opened = await fetch(link.body.url, { headers: { 'user-agent': 'sharing-e2e' } });
      assert.equal(opened.status, 200);
      const shared = (await opened.json()) as { collection: { name: string; assets: { id: string; title: string; renditions: { name: string; url: string; contentType: string }[] }[] } };
      assert.equal(shared.collection.name, 'Puerto');
      assert.deepEqual(shared.collection.assets.map((a) => [a.id, a.title]), [[assetId, 'Muelle al amanecer']]);
      const thumbnail = shared.collection.assets[0]!.renditions.find((r) => r.name === 'thumbnail');
      assert.ok(thumbnail, JSON.stringify(shared.collection.assets[0]!.renditions.map((r) => r.name)));
      const download = await fetch(thumbnail.url); // the recorded redirect, followed to the store's presigned URL
      assert.equal(download.status, 200);
      const bytes = Buffer.from(await download.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
      const redirect = await fetch(thumbnail.url, { redirect: 'manual' });
      assert.equal(redirect.status, 302);
      assert.equal((await fetch(`${host.url}/s/${link.body.token}/assets/${assetId}/original`, { redirect: 'manual' })).status, 404, 'the original is not shared');

      const audit = await admin.request('GET', `/projects/newsroom/audit?via=share-link&targetId=${album.body.id}`);
      assert.equal(audit.status, 200);
      const actions = (audit.body.entries as { action: string; actor: string; details: { userAgent?: string; assetIds?: string[] } }[]);
      assert.deepEqual(actions.map((e) => e.action), ['share.downloaded', 'share.downloaded', 'share.opened']);
      assert.ok(actions.every((e) => e.actor === `share:${link.body.id}`));
      assert.deepEqual(actions[2]!.details.assetIds, [assetId]);
      assert.equal(actions[2]!.details.userAgent, 'sharing-e2e');
      assert.equal((await editor.request('GET', '/projects/newsroom/audit')).status, 403, 'only admins read the audit log');

      // revoked → 410, recorded as refused
      assert.equal((await editor.request('DELETE', `/shares/${link.body.id}`)).status, 204);
      const revoked = await fetch(link.body.url);
      assert.equal(revoked.status, 410);
      assert.match(((await revoked.json()) as { detail: string }).detail, /revoked/);
      assert.equal((await fetch(thumbnail.url, { redirect: 'manual' })).status, 410);

      // expired → refused (410): a link whose expiry has passed
      const brief = await editor.request('POST', `/assets/${assetId}/shares`, { expiresAt: new Date(Date.now() + 2000).toISOString() });
      assert.equal(brief.status, 201, JSON.stringify(brief.body));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(brief.body.expiresAt) + 200 - Date.now())));
      const expired = await fetch(brief.body.url);
      assert.equal(expired.status, 410);
      assert.match(((await expired.json()) as { detail: string }).detail, /expired/);
      const refusals = await admin.request('GET', `/projects/newsroom/audit?action=share.refused`);
      assert.ok(refusals.body.entries.some((e: { details: { shareId: string } }) => e.details.shareId === brief.body.id));
      assert.ok(refusals.body.entries.some((e: { details: { shareId: string } }) => e.details.shareId === link.body.id));
    });
  });
}
