// The asset's lifecycle end to end (issue 10), as clients drive it: two clients edit at once and exactly one wins;
// time travel shows the earlier state; a new file version is uploaded, rendered and reverted; the asset is
// deleted, restored, deleted and purged, and nothing of it remains in storage, search or people.
// Registered once per mode, before the rebuild suite.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { Host } from '../../scripts/host.ts';
import { reclusterFaces } from '../../shared/ai/vision/face-clusters.ts';
import { replaceFaces } from '../../shared/db/enrichment.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import type { E2eEnvironment } from './pipeline-suite.ts';

export function lifecycleSuite(mode: string, start: () => Promise<E2eEnvironment | undefined>) {
  describe(`asset lifecycle end to end (${mode})`, () => {
    let host: Host;
    let editor: Client;
    let other: Client;
    let admin: Client;
    let started = false;
    before(async () => {
      const env = await start();
      if (!env) return;
      started = true;
      host = env.host;
      editor = new Client(host.url, await host.platform.signer!.mint('lifecycle-editor', { newsroom: 'editor' }));
      other = new Client(host.url, await host.platform.signer!.mint('lifecycle-other', { newsroom: 'editor' }));
      admin = new Client(host.url, await host.platform.signer!.mint('lifecycle-admin', { newsroom: 'admin' }));
    });

    test('concurrent edit, time travel, a file version uploaded and reverted, delete, restore, delete, purge', async (t) => {
      if (!started) return t.skip('servers missing');
      const first = await makeJpegWithExif({ width: 96, height: 64, seed: 101 });
      const second = await makeJpegWithExif({ width: 120, height: 80, seed: 102 });
      const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
      const marker = `lifecycle${Date.now().toString(36)}`;
      const { assetId } = await editor.upload(first, 'muelle.jpg', 'image/jpeg', { title: `Muelle ${marker}` });
      const ready = await editor.waitForAsset(assetId, (a) => a.state === 'ready' || a.state === 'failed');
      assert.equal(ready.state, 'ready', ready.stateReason);

      // two clients, the same ETag, at once: exactly one wins
      const etag = `"${ready.version}"`;
      const [a, b] = await Promise.all([
        editor.request('PATCH', `/assets/${assetId}`, { description: 'from the editor' }, { 'if-match': etag }),
        other.request('PATCH', `/assets/${assetId}`, { description: 'from the other editor' }, { 'if-match': etag }),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [200, 412]);
      const edited = (a.status === 200 ? a : b).body;
      assert.equal((await editor.request('GET', `/assets/${assetId}?version=${ready.version}`)).body.description, '', 'time travel: as it was');

      // a new file for the same asset, rendered; then back to the first
      const opened = await editor.request('POST', `/assets/${assetId}/versions`, { filename: 'muelle-2.jpg', size: second.length, contentType: 'image/jpeg', sha256: sha(second) });
      assert.equal(opened.status, 201);
      assert.ok((await fetch(opened.body.url, { method: 'PUT', headers: opened.body.headers, body: new Uint8Array(second) })).ok);
      const renewed = await editor.waitForAsset(assetId, (x) => x.fileVersion === 2 && (x.state === 'ready' || x.state === 'failed'));
      assert.deepEqual([renewed.state, renewed.sha256, renewed.description], ['ready', sha(second), edited.description]);
      const reverted = await editor.request('POST', `/assets/${assetId}/versions/1/revert`);
      assert.equal(reverted.status, 200);
      assert.deepEqual([reverted.body.fileVersion, reverted.body.sha256], [1, sha(first)]);
      await editor.waitForSearch(`q=${marker}`, (r) => r.hits?.some((h: { assetId: string }) => h.assetId === assetId));

      // a face of its own person (enrichment is off in these suites)
      const { db, store, search } = host.platform;
      await replaceFaces(db, 'newsroom', assetId, [{ box: { x: 0, y: 0, width: 0.5, height: 0.5 }, confidence: 0.9, descriptor: Array.from({ length: 1024 }, (_, i) => (i === 777 ? 10 : 0)) }], reclusterFaces);
      const personId = (await db.selectFrom('faces').select('person_id').where('asset_id', '=', assetId).executeTakeFirstOrThrow()).person_id;

      assert.equal((await editor.request('DELETE', `/assets/${assetId}`)).status, 204);
      const restored = await editor.request('POST', `/assets/${assetId}/restore`);
      assert.deepEqual([restored.status, restored.body.state], [200, 'ready']);
      assert.equal((await editor.request('DELETE', `/assets/${assetId}`)).status, 204);
      assert.ok((await editor.request('GET', '/projects/newsroom/trash')).body.assets.some((x: { id: string }) => x.id === assetId));
      const purged = await admin.request('POST', `/assets/${assetId}/purge`);
      assert.equal(purged.status, 200, JSON.stringify(purged.body));
      assert.ok(purged.body.objectsRemoved >= 8, 'two masters and two versions of renditions');

      for (const bucket of [store.buckets.incoming, store.buckets.masters, store.buckets.renditions]) {
        const left: string[] = [];
        for await (const object of store.list(bucket, `newsroom/${assetId}/`)) left.push(object.key);
        assert.deepEqual(left, [], `nothing left in ${bucket}`);
      }
      const found = await search.search({ projectIds: ['newsroom'], q: marker, filters: { state: ['ready', 'failed', 'archived', 'processing', 'deleted'] }, facets: [], limit: 10 });
      assert.ok(!found.hits.some((hit) => hit.document.assetId === assetId), 'no search document');
      assert.equal((await db.selectFrom('faces').select('id').where('asset_id', '=', assetId).execute()).length, 0);
      assert.equal(await db.selectFrom('persons').select('id').where('id', '=', personId).executeTakeFirst(), undefined, 'its person, left with no face, is gone');
      assert.equal((await editor.request('GET', `/assets/${assetId}`)).status, 404);
      const tombstone = await db.selectFrom('asset_events').select('type').where('asset_id', '=', assetId).orderBy('version', 'desc').executeTakeFirstOrThrow();
      assert.equal(tombstone.type, 'purged');
    });
  });
}
