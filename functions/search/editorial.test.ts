// Search as viewers and editors see it: the index projects each asset's editorial state, and viewers find approved
// assets only unless their project's settings open the other states to them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { updateProjectSettings } from '../../shared/db/projects.ts';
import type { EditorialState } from '../../shared/domain/editorial.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { projectAsset } from '../index/index.ts';
import { createApp } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
let search: (who: 'viewer' | 'editor', query: string) => Promise<string[]>;
const titles: Partial<Record<EditorialState, string>> = { draft: 'Pleno borrador', in_review: 'Pleno en revision', approved: 'Pleno aprobado', archived: 'Pleno archivado' };

before(async () => {
  platform = await createTestPlatform();
  for (const [editorialState, title] of Object.entries(titles)) {
    const asset = await seedAsset(platform, { title, editorialState: editorialState as EditorialState });
    await projectAsset(platform.db, platform.search, asset.id);
  }
  const app = createApp(platform);
  const tokens = { viewer: await platform.signer!.mint('vic', { newsroom: 'viewer' }), editor: await platform.signer!.mint('eli', { newsroom: 'editor' }) };
  search = async (who, query) => {
    const response = await app.request(`/search?${query}`, { headers: { authorization: `Bearer ${tokens[who]}` } });
    assert.equal(response.status, 200);
    return ((await response.json()).hits as { title: string }[]).map((hit) => hit.title).sort();
  };
});
after(() => platform.dispose());

test('viewers find approved assets only; editors find every editorial state and can filter by it', async () => {
  assert.deepEqual(await search('viewer', 'q=pleno'), ['Pleno aprobado']);
  assert.deepEqual(await search('viewer', 'q=pleno&editorialState=draft'), []);
  assert.deepEqual(await search('editor', 'q=pleno'), Object.values(titles).sort());
  assert.deepEqual(await search('editor', 'q=pleno&editorialState=in_review,draft'), ['Pleno borrador', 'Pleno en revision']);
});

test('a project that opens every state to its viewers', async () => {
  await updateProjectSettings(platform.db, 'newsroom', { viewersSeeUnapproved: true });
  assert.deepEqual(await search('viewer', 'q=pleno'), Object.values(titles).sort());
  await updateProjectSettings(platform.db, 'newsroom', {});
  assert.deepEqual(await search('viewer', 'q=pleno'), ['Pleno aprobado']);
});
