// projectAsset: what reaches the search index. Huge text (150k tags, hours of transcript or OCR) is indexed
// within PostgreSQL's tsvector limit instead of failing the event into the dead letters; failed assets are
// indexed with their state (search shows them only for state=failed); deleted ones leave.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { changeAsset, getMetadata, putMetadata } from '../../shared/db/assets.ts';
import { MAX_TAGS } from '../../shared/domain/asset.ts';
import type { SearchQuery } from '../../shared/search/search-index.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { MAX_AI_TEXT_BYTES, projectAsset } from './index.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
const search = (query: Partial<SearchQuery>) => platform.search.search({ projectIds: ['newsroom'], filters: {}, facets: [], limit: 10, ...query });
const words = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i.toString(36)}`).join(' ');

before(async () => {
  platform = await createTestPlatform();
});
after(() => platform.dispose());

test('an asset from before the tag limit, with 150k tags, is indexed and found by its title and first tags', async () => {
  const asset = await seedAsset(platform, { title: 'Archivo etiquetado', tags: Array.from({ length: 150_000 }, (_, i) => `etiqueta-${i}`) });
  await projectAsset(platform.db, platform.search, asset.id);
  const { hits } = await search({ q: 'etiquetado' });
  assert.deepEqual(hits.map((hit) => hit.assetId), [asset.id]);
  assert.equal(hits[0]!.document.tags.length, MAX_TAGS);
  assert.deepEqual((await search({ filters: { tags: ['etiqueta-0'] } })).hits.map((hit) => hit.assetId), [asset.id]);
});

test('3 MB of transcript and OCR text are indexed within the limit: found by title and by their start; the asset keeps all of it', async () => {
  const asset = await seedAsset(platform, { title: 'Entrevista interminable' });
  const transcript = `buenos días ${words('palabra', 300_000)}`;
  await putMetadata(platform.db, asset.id, 'ai', { ocr: { text: `rótulo ${words('texto', 300_000)}` }, transcript: { text: transcript } });
  await projectAsset(platform.db, platform.search, asset.id);
  const { hits } = await search({ q: 'interminable' });
  assert.deepEqual(hits.map((hit) => hit.assetId), [asset.id]);
  assert.deepEqual((await search({ q: 'rotulo' })).hits.map((hit) => hit.assetId), [asset.id], 'the start of the OCR text is searchable');
  assert.deepEqual((await search({ q: 'buenos dias' })).hits.map((hit) => hit.assetId), [asset.id], 'the start of the transcript too');
  assert.ok(Buffer.byteLength(hits[0]!.document.transcript!) <= MAX_AI_TEXT_BYTES, 'hits carry a bounded transcript');
  assert.equal(((await getMetadata(platform.db, asset.id)).ai as { transcript: { text: string } }).transcript.text, transcript);
});

test('a failed asset is indexed with its state; deleting it takes it out', async () => {
  const failed = await seedAsset(platform, { state: 'failed', title: 'Subida rota' });
  await projectAsset(platform.db, platform.search, failed.id);
  assert.deepEqual((await search({ q: 'rota', filters: { state: ['failed'] } })).hits.map((hit) => hit.document.state), ['failed']);
  const deleted = await changeAsset(platform.db, failed, { expectedVersion: failed.version, set: { state: 'deleted', deleted_at: new Date() }, history: { type: 'deleted', actor: 'test' } });
  await projectAsset(platform.db, platform.search, deleted.id);
  assert.deepEqual((await search({ q: 'rota', filters: { state: ['failed'] } })).hits, []);
});

test('assets still uploading or processing are not indexed', async () => {
  for (const state of ['uploading', 'processing'] as const) {
    const asset = await seedAsset(platform, { state, title: `Pendiente ${state}` });
    await projectAsset(platform.db, platform.search, asset.id);
    assert.deepEqual((await search({ q: state })).hits, [], state);
  }
});
