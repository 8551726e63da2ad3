// Replay of the search read model on server PostgreSQL: a new document shape is built into a new table and
// swapped in while searches run without a miss and a live edit keeps flowing; afterwards every asset has the new
// shape, the live edit is there, and the table's indexes have their names back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { projectAsset } from '../../functions/index/index.ts';
import { changeAsset } from '../../shared/db/assets.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { replaySearch } from '../../shared/search/replay.ts';
import type { SearchDocument, SearchIndex } from '../../shared/search/search-index.ts';
import { createTestPlatform } from '../support/platform.ts';
import { seedAsset } from '../support/seed-assets.ts';
import { POSTGRES_URL, createTestDatabase, requireServer } from '../support/servers.ts';

const postgresUp = await requireServer('PostgreSQL', POSTGRES_URL);
const ASSETS = 150;

describe('search replay on PostgreSQL', { skip: !postgresUp && `PostgreSQL is not reachable at ${POSTGRES_URL}` }, () => {
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

  const total = async (q?: string) => (await platform.search.search({ q, projectIds: ['newsroom'], filters: {}, facets: [], limit: 1 })).total;
  const indexNames = async () => (await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'search_documents' order by 1`.execute(platform.db)).rows.map((r) => r.indexname);

  /** The new document shape: every document carries an edition field (searchable, lowest weight). */
  const secondEdition = (index: SearchIndex): SearchIndex => Object.assign(Object.create(index) as SearchIndex, {
    upsert: (doc: SearchDocument) => index.upsert({ ...doc, fields: { ...doc.fields, edition: 'segunda' } }),
  });

  test('a new document shape replaces the old one with searches answering throughout and live edits kept', async (t) => {
    for (let i = 0; i < ASSETS; i++) {
      const asset = await seedAsset(platform, { title: `harbour picture ${i}` });
      await projectAsset(platform.db, platform.search, asset.id);
    }
    let quay = await seedAsset(platform, { title: 'quay' });
    await projectAsset(platform.db, platform.search, quay.id);
    const namesBefore = await indexNames();
    assert.equal(await total('harbour'), ASSETS);
    assert.equal(await total('segunda'), 0, 'the old shape has no edition');

    // searches throughout: every answer must find every asset
    let searching = true;
    const answers: number[] = [];
    const searches = (async () => {
      while (searching) answers.push(await total('harbour'));
    })();

    const replay = replaySearch(platform.db, (index, assetId) => projectAsset(platform.db, secondEdition(index), assetId), { pageSize: 20 });
    // a live edit while the replay runs, indexed by the live code (old shape) into the live table
    while (!(await sql<{ t: string | null }>`select to_regclass('search_documents_rebuild')::text as t`.execute(platform.db)).rows[0]!.t) await new Promise((r) => setTimeout(r, 5));
    quay = await changeAsset(platform.db, quay, {
      expectedVersion: quay.version,
      set: { title: 'quay lighthouse' },
      history: { type: 'updated', actor: 'test' },
      events: (version) => [newEvent('io.mediateca.asset.updated', EVENT_SOURCE, { assetId: quay.id, projectId: quay.project_id, version, fields: ['title'] }, quay.id)],
    });
    await projectAsset(platform.db, platform.search, quay.id);
    assert.equal(await total('lighthouse'), 1, 'the live edit is searchable at once');

    const result = await replay;
    searching = false;
    await searches;

    assert.equal(result.assets, ASSETS + 1);
    assert.ok(result.caughtUp >= 1, 'the asset edited during the pass was projected again');
    t.diagnostic(`${answers.length} searches ran during the replay`);
    assert.ok(answers.length > 0);
    assert.deepEqual([...new Set(answers)], [ASSETS], `every search during the replay found all ${ASSETS} assets (${answers.length} searches)`);
    assert.equal(await total('harbour'), ASSETS, 'same results after');
    assert.equal(await total('segunda'), ASSETS + 1, 'every document has the new shape');
    assert.equal(await total('lighthouse'), 1, 'the live edit survived the swap');
    assert.deepEqual(await indexNames(), namesBefore, 'indexes keep their names');
    assert.equal((await sql<{ t: string | null }>`select to_regclass('search_documents_rebuild')::text as t`.execute(platform.db)).rows[0]!.t, null);

    // the live index keeps working on the swapped table
    await changeAsset(platform.db, quay, { expectedVersion: quay.version, set: { title: 'quay beacon' }, history: { type: 'updated', actor: 'test' } });
    await projectAsset(platform.db, platform.search, quay.id);
    assert.equal(await total('beacon'), 1);
    // listings count from the facet rollup, whose triggers the swapped table must carry too
    assert.equal(await total(), ASSETS + 1, 'the listing total counts the rebuilt documents');
    const late = await seedAsset(platform, { title: 'late arrival' });
    await projectAsset(platform.db, platform.search, late.id);
    assert.equal(await total(), ASSETS + 2, 'a document indexed after the swap is counted');
  });
});
