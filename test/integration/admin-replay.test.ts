// The admin replay endpoint (POST /admin/replays on index) on server PostgreSQL: the search read model is rebuilt
// into a new table and swapped in while GET /search keeps answering with every asset; one replay at a time; the
// run's row tells how it went. Only admins of the operations project may start one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as v from 'valibot';
import { ReplayRunAnswer } from '../../functions/index/admin.ts';
import { createApp as indexApp, projectAsset } from '../../functions/index/index.ts';
import { createApp as searchApp } from '../../functions/search/index.ts';
import { enqueue } from '../../shared/db/outbox.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { hyparquetRows } from '../support/parquet.ts';
import { createTestPlatform } from '../support/platform.ts';
import { seedAsset } from '../support/seed-assets.ts';
import { POSTGRES_URL, createTestDatabase, requireServer } from '../support/servers.ts';

const postgresUp = await requireServer('PostgreSQL', POSTGRES_URL);
const ASSETS = 120;

describe('admin replay endpoint on PostgreSQL', { skip: !postgresUp && `PostgreSQL is not reachable at ${POSTGRES_URL}` }, () => {
  let created: { url: string; drop(): Promise<void> };
  let platform: Awaited<ReturnType<typeof createTestPlatform>>;

  before(async () => {
    created = await createTestDatabase();
    platform = await createTestPlatform({ DATABASE_URL: created.url });
  });
  after(async () => {
    await platform?.dispose();
    await created?.drop();
  });

  test('a search replay runs behind the endpoint with searches answering in full throughout', async (t) => {
    for (let i = 0; i < ASSETS; i++) {
      const asset = await seedAsset(platform, { title: `harbour picture ${i}` });
      await projectAsset(platform.db, platform.search, asset.id);
    }
    const index = indexApp(platform);
    const search = searchApp(platform);
    const operator = await platform.signer!.mint('operator', { operations: 'admin' });
    const viewer = await platform.signer!.mint('viewer', { newsroom: 'editor' });
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await index.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: await response.json() as any };
    };
    const total = async () => {
      const response = await search.request('/search?q=harbour&limit=1', { headers: { authorization: `Bearer ${viewer}` } });
      assert.equal(response.status, 200);
      return ((await response.json()) as { total: number }).total;
    };
    assert.equal(await total(), ASSETS);

    assert.equal((await call('POST', '/admin/replays', viewer, { target: 'search' })).status, 403, 'a project member is no operator');
    assert.equal((await call('POST', '/admin/replays', operator, { target: 'everything' })).status, 400);

    let searching = true;
    const answers: number[] = [];
    const searches = (async () => {
      while (searching) answers.push(await total());
    })();
    const started = await call('POST', '/admin/replays', operator, { target: 'search' });
    assert.equal(started.status, 202);
    v.parse(ReplayRunAnswer, started.body);
    assert.equal(started.body.requestedBy, 'operator');
    const second = await call('POST', '/admin/replays', operator, { target: 'search' });
    if (second.status !== 202) {
      assert.equal(second.status, 409, 'one replay at a time');
      assert.equal(second.body.running, started.body.id);
    }
    let run = started.body;
    while (run.state === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      run = (await call('GET', `/admin/replays/${started.body.id}`, operator)).body;
    }
    searching = false;
    await searches;
    v.parse(ReplayRunAnswer, run);
    assert.equal(run.state, 'done', run.error ?? '');
    assert.equal(run.result.search.assets, ASSETS);
    t.diagnostic(`${answers.length} searches during the replay`);
    assert.ok(answers.length > 0);
    assert.deepEqual([...new Set(answers)], [ASSETS], 'every search during the replay found every asset');
    assert.equal(await total(), ASSETS, 'same results after');
    assert.equal((await call('GET', '/admin/replays/00000000-0000-4000-8000-000000000000', operator)).status, 404);

    // the catalogue (silver and gold from bronze) through the same endpoint: three assets announced as uploaded
    const uploaded = await platform.db.selectFrom('assets').selectAll().orderBy('id').limit(3).execute();
    await enqueue(platform.db, uploaded.map((a) => newEvent('io.mediateca.asset.uploaded', EVENT_SOURCE, { assetId: a.id, projectId: a.project_id, version: a.version, mediaType: a.media_type, contentType: a.content_type, sha256: 'x', size: Number(a.size_bytes) }, a.id)));
    // bronze takes only events of transactions older than every one running on the server (docs/analytics.md), and
    // other databases' transactions share that horizon: replay again until the three are past it
    const deadline = Date.now() + 120_000;
    for (;;) {
      const catalogue = await call('POST', '/admin/replays', operator, { target: 'catalogue' });
      assert.equal(catalogue.status, 202);
      for (run = catalogue.body; run.state === 'running';) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        run = (await call('GET', `/admin/replays/${catalogue.body.id}`, operator)).body;
      }
      assert.equal(run.state, 'done', run.error ?? '');
      if (run.result.catalogue.assets === 3 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(run.result.catalogue.assets, 3, 'silver was rebuilt with the three assets');
    const silver = await hyparquetRows(platform.store, platform.config.buckets.analytics, 'silver/assets.parquet');
    assert.deepEqual(silver.map((row) => row.asset_id).sort(), uploaded.map((a) => a.id).sort(), 'silver holds the three assets');
  });
});
