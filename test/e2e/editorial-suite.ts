// The editorial flow end to end (issue 10's "Done when"), as each role drives it with its own token: an editor
// uploads; an admin defines the project's schema with a required field; the editor fills the fields (a bad field
// is refused with its name), submits for review; a producer approves; a viewer, who saw nothing of the asset
// before, then sees it (by id and in search). Runs in its own project so the required field gates no other suite.
// Registered once per mode.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import type { E2eEnvironment } from './pipeline-suite.ts';

const PROJECT = 'desk';

export function editorialSuite(mode: string, start: () => Promise<E2eEnvironment | undefined>) {
  describe(`editorial flow end to end (${mode})`, () => {
    const clients: Record<'editor' | 'producer' | 'viewer' | 'admin', Client> = {} as never;
    let started = false;
    before(async () => {
      const env = await start();
      if (!env) return;
      started = true;
      for (const role of ['editor', 'producer', 'viewer', 'admin'] as const) {
        clients[role] = new Client(env.host.url, await env.host.platform.signer!.mint(`desk-${role}`, { [PROJECT]: role }));
      }
    });

    test('editor uploads and fills the schema (a bad field named), submits; a producer approves; a viewer then sees it', async (t) => {
      if (!started) return t.skip('servers missing');
      const { editor, producer, viewer, admin } = clients;
      const marker = `desk${Date.now().toString(36)}`;
      const { assetId } = await editor.upload(await makeJpegWithExif({ width: 80, height: 60, seed: 303 }), 'pleno.jpg', 'image/jpeg', { projectId: PROJECT, title: `Pleno ${marker}` });
      const ready = await editor.waitForAsset(assetId, (a) => a.state === 'ready' || a.state === 'failed');
      assert.equal(ready.state, 'ready', ready.stateReason);
      assert.equal(ready.editorialState, 'draft');

      // the admin defines the schema: a required section, a bounded rating; the editor may not
      const fields = [
        { name: 'section', type: 'enum', options: ['politics', 'sport', 'culture'], required: true },
        { name: 'rating', type: 'number', min: 0, max: 5 },
      ];
      assert.equal((await editor.request('PUT', `/projects/${PROJECT}/schema`, { fields })).status, 403);
      const schema = await admin.request('PUT', `/projects/${PROJECT}/schema`, { fields });
      assert.equal(schema.status, 200, JSON.stringify(schema.body));

      // not yet reviewable: the required field is missing, and it is named
      const early = await editor.request('POST', `/assets/${assetId}/transitions`, { to: 'in_review' });
      assert.equal(early.status, 400);
      assert.deepEqual(early.body.issues.map((i: { field: string }) => i.field), ['section']);

      // a bad field is refused with its name, and nothing is written
      const bad = await editor.request('PATCH', `/assets/${assetId}`, { fields: { section: 'weather', rating: 2 } });
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type') ?? '', /problem\+json/);
      assert.deepEqual(bad.body.issues.map((i: { field: string }) => i.field), ['section']);
      assert.equal((await editor.request('GET', `/assets/${assetId}`)).body.version, ready.version, 'nothing written');
      const filled = await editor.request('PATCH', `/assets/${assetId}`, { fields: { section: 'politics', rating: 4 } });
      assert.equal(filled.status, 200, JSON.stringify(filled.body));
      assert.deepEqual(filled.body.fields, { section: 'politics', rating: 4 });

      const submitted = await editor.request('POST', `/assets/${assetId}/transitions`, { to: 'in_review' });
      assert.deepEqual([submitted.status, submitted.body.editorialState], [200, 'in_review']);
      assert.equal((await editor.request('POST', `/assets/${assetId}/transitions`, { to: 'approved' })).status, 403, 'editors do not approve');

      // before approval the viewer finds nothing: 404 by id, no hit in search (where the editor already finds it)
      await editor.waitForSearch(`q=${marker}`, (r) => r.hits?.some((h: { assetId: string; editorialState?: string }) => h.assetId === assetId));
      assert.equal((await viewer.request('GET', `/assets/${assetId}`)).status, 404);
      const hidden = await viewer.request('GET', `/search?q=${marker}`);
      assert.equal(hidden.status, 200);
      assert.ok(!hidden.body.hits.some((h: { assetId: string }) => h.assetId === assetId), 'the viewer does not find it before approval');

      const approved = await producer.request('POST', `/assets/${assetId}/transitions`, { to: 'approved' });
      assert.deepEqual([approved.status, approved.body.editorialState], [200, 'approved']);

      const seen = await viewer.request('GET', `/assets/${assetId}`);
      assert.equal(seen.status, 200);
      assert.deepEqual([seen.body.editorialState, seen.body.fields.section], ['approved', 'politics']);
      await viewer.waitForSearch(`q=${marker}`, (r) => r.hits?.some((h: { assetId: string }) => h.assetId === assetId));
      assert.equal((await viewer.request('PATCH', `/assets/${assetId}`, { fields: { rating: 1 } })).status, 403, 'viewers do not edit');
    });
  });
}
