import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestPlatform } from '../../test/support/platform.ts';
import { searchConformanceSuite } from '../../test/support/search-conformance.ts';
import { DEFAULT_EMBEDDING_DIMENSIONS } from '../config.ts';
import { LanceSearchIndex } from './lancedb.ts';

searchConformanceSuite('LanceDB', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'mediateca-lance-'));
  const index = await LanceSearchIndex.open({ path: folder, dimensions: DEFAULT_EMBEDDING_DIMENSIONS });
  return {
    index,
    close: async () => {
      await index.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
});

test('SEARCH_ENGINE=lancedb: the platform searches a Lance dataset under its data folder', async () => {
  const platform = await createTestPlatform({ SEARCH_ENGINE: 'lancedb' });
  try {
    assert.equal(platform.search.backend, 'lancedb');
    assert.ok(existsSync(platform.config.search.lancedbPath));
    assert.ok(platform.config.search.lancedbPath.startsWith(platform.config.dataDir));
    const assetId = randomUUID();
    await platform.search.upsert({ assetId, projectId: 'p', mediaType: 'image', state: 'ready', title: 'Faro del norte', description: '', tags: [], filename: 'faro.jpg', createdAt: new Date(), fields: {} });
    const result = await platform.search.search({ q: 'faros', projectIds: ['p'], filters: {}, facets: [], limit: 10 });
    assert.deepEqual(result.hits.map((hit) => hit.assetId), [assetId]);
  } finally {
    await platform.dispose();
  }
});
