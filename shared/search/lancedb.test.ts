import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
