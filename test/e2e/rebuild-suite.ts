// After a whole end-to-end run: the read models rebuilt from the event log equal what the run left, field by
// field (every asset row, rendition list, technical and AI metadata, label and search document). Registered last,
// once per mode. Faces are not replayed (domain/asset-projections.ts says why) and are left alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rebuildReadModels } from '../../functions/index/rebuild.ts';
import type { Platform } from '../../shared/platform.ts';
import { INDEXED_STATES, type SearchDocument } from '../../shared/search/search-index.ts';
import type { E2eEnvironment } from './pipeline-suite.ts';

export function rebuildSuite(mode: string, start: () => Promise<E2eEnvironment | undefined>) {
  describe(`read models rebuilt from events (${mode})`, () => {
    test('every asset, rendition list and search document equals what the run left', async (t) => {
      const env = await start();
      if (!env) return t.skip('servers missing');
      const { platform } = env.host;
      await settled(platform);
      const before = await readModels(platform);
      assert.ok(before.assets.length > 5, 'the run left assets to compare');
      // damage both read models: rebuild must bring back every field
      await platform.db.updateTable('assets').set({ title: 'damaged', tags: [], editorial_state: 'rejected', fields: { damaged: true }, rights_expired_at: new Date(0), updated_at: new Date(0) }).execute();
      await platform.db.deleteFrom('renditions').execute();
      await platform.db.deleteFrom('asset_metadata').execute();
      await platform.db.updateTable('ai_labels').set({ status: 'rejected', decided_by: 'damage' }).execute();
      for (const doc of before.documents) await platform.search.remove(doc.assetId);
      const outcome = await rebuildReadModels(platform);
      assert.deepEqual(outcome, { rebuilt: before.assets.length, unrecorded: [] });
      const after = await readModels(platform);
      assert.equal(after.assets.length, before.assets.length);
      for (const [i, row] of after.assets.entries()) {
        for (const [column, value] of Object.entries(before.assets[i]!)) assert.deepEqual((row as Record<string, unknown>)[column], value, `asset ${row.id}: ${column}`);
      }
      assert.deepEqual(after.renditions, before.renditions);
      assert.deepEqual(after.metadata, before.metadata);
      assert.deepEqual(after.labels, before.labels);
      assert.equal(after.documents.length, before.documents.length);
      for (const [i, doc] of after.documents.entries()) {
        for (const [field, value] of Object.entries(before.documents[i]!)) assert.deepEqual((doc as unknown as Record<string, unknown>)[field], value, `document ${doc.assetId}: ${field}`);
      }
    });
  });
}

/** No asset still moving through the pipeline and every event delivered: the run's writes are over. */
async function settled(platform: Platform): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const moving = await platform.db.selectFrom('assets').select('id').where('state', 'in', ['uploaded', 'processing']).execute();
    const pending = await platform.db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute();
    if (moving.length === 0 && pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${moving.length} assets processing, ${pending.length} events unpublished`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function readModels(platform: Platform) {
  const assets = await platform.db.selectFrom('assets').selectAll().orderBy('id').execute();
  // renditions as their rendering recorded them; created_at aside: a duplicate delivery that renders again and then
  // loses the asset's version to the first run rewrites the row's time without a history entry of its own
  const renditions = (await platform.db.selectFrom('renditions').selectAll().orderBy('asset_id').orderBy('name').execute()).map(({ created_at: _at, ...row }) => row);
  // the metadata's and labels' updated_at say when a row was last written, which a rebuild does again
  const metadata = await platform.db.selectFrom('asset_metadata').select(['asset_id', 'kind', 'data']).orderBy('asset_id').orderBy('kind').execute();
  const labels = await platform.db.selectFrom('ai_labels').select(['asset_id', 'label', 'confidence', 'detections', 'status', 'decided_by', 'model']).orderBy('asset_id').orderBy('label').execute();
  const projectIds = [...new Set(assets.map((asset) => asset.project_id))];
  const documents: SearchDocument[] = [];
  const result = await platform.search.search({ projectIds, filters: { state: [...INDEXED_STATES] }, facets: [], limit: 100 });
  assert.ok(result.total <= 100, 'one page holds every document');
  documents.push(...result.hits.map((hit) => hit.document));
  documents.sort((a, b) => a.assetId.localeCompare(b.assetId));
  return { assets, renditions, metadata, labels, documents };
}
