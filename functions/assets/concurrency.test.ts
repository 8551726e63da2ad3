// Two (or more) clients edit the same asset at once: exactly one wins, the others are refused (412 with the
// If-Match they read, 409 without), and nothing is lost or applied twice. Real concurrent requests, on PGlite and
// on PostgreSQL (where the writers are separate connections racing in the database itself).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { POSTGRES_URL, createTestDatabase, requireServer } from '../../test/support/servers.ts';
import { createApp } from './index.ts';

const hasPostgres = await requireServer('PostgreSQL', POSTGRES_URL);

for (const mode of ['PGlite', 'PostgreSQL'] as const) {
  describe(`concurrent edits (${mode})`, { skip: mode === 'PostgreSQL' && !hasPostgres ? 'PostgreSQL not running' : false }, () => {
    let platform: Awaited<ReturnType<typeof createTestPlatform>>;
    let app: ReturnType<typeof createApp>;
    let drop = async () => {};
    let token = '';
    const ready = (async () => {
      let env: Record<string, string> = {};
      if (mode === 'PostgreSQL') {
        const database = await createTestDatabase();
        env = { DATABASE_URL: database.url };
        drop = database.drop;
      }
      platform = await createTestPlatform(env);
      app = createApp(platform);
      token = await platform.signer!.mint('ed', { newsroom: 'editor' });
    })();
    after(async () => {
      await platform?.dispose();
      await drop();
    });

    const patch = (assetId: string, title: string, ifMatch?: string) =>
      app.request(`/assets/${assetId}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(ifMatch ? { 'if-match': ifMatch } : {}) }, body: JSON.stringify({ title }) });

    test('clients that read the same version: exactly one edit wins, the others get 412', async () => {
      await ready;
      for (let round = 0; round < 5; round++) {
        const asset = await seedAsset(platform, { editorialState: 'draft' });
        const clients = 2 + round; // two clients, then more
        const responses = await Promise.all(Array.from({ length: clients }, (_, i) => patch(asset.id, `client ${i}`, `"${asset.version}"`)));
        const statuses = responses.map((r) => r.status);
        assert.equal(statuses.filter((s) => s === 200).length, 1, `one winner among ${statuses}`);
        assert.equal(statuses.filter((s) => s === 412).length, clients - 1, `the others refused: ${statuses}`);
        for (const refused of responses.filter((r) => r.status === 412)) assert.equal(refused.headers.get('content-type'), 'application/problem+json');
        const winner = responses.findIndex((r) => r.status === 200);
        const now = await platform.db.selectFrom('assets').select(['title', 'version']).where('id', '=', asset.id).executeTakeFirstOrThrow();
        assert.deepEqual(now, { title: `client ${winner}`, version: asset.version + 1 }, "the winner's edit, applied once");
        const history = await platform.db.selectFrom('asset_events').select('type').where('asset_id', '=', asset.id).where('version', '>', asset.version).execute();
        assert.deepEqual(history.map((h) => h.type), ['edited']);
      }
    });

    test('without If-Match, a request that loses the race in the database is 409, never a silent overwrite', async () => {
      await ready;
      const asset = await seedAsset(platform, { editorialState: 'draft' });
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => patch(asset.id, `writer ${i}`)));
      const statuses = responses.map((r) => r.status);
      assert.ok(statuses.every((s) => s === 200 || s === 409), String(statuses));
      const won = statuses.filter((s) => s === 200).length;
      assert.ok(won >= 1);
      const now = await platform.db.selectFrom('assets').select('version').where('id', '=', asset.id).executeTakeFirstOrThrow();
      assert.equal(now.version, asset.version + won, 'one version per edit that won: none applied over another');
    });
  });
}
