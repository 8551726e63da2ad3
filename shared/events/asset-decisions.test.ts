// recordDecision: a decision is written whole (row, history, outbox) at the version it was decided on, or not at all.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConcurrentModification, assetHistory, factsOf, findAsset } from '../db/assets.ts';
import { editMetadata, failAsset } from '../domain/asset-commands.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';
import { recordDecision } from './asset-decisions.ts';

let platform: Awaited<ReturnType<typeof createTestPlatform>>;
before(async () => { platform = await createTestPlatform(); });
after(() => platform.dispose());

const outboxOf = (assetId: string) => platform.db.selectFrom('outbox').select(['type', 'data']).where('subject', '=', assetId).orderBy('id').execute();

test('a decision writes the row, one history entry and its events as catalog envelopes, at the next version', async () => {
  const asset = await seedAsset(platform, { state: 'processing' });
  const updated = await recordDecision(platform.db, asset, failAsset(factsOf(asset), 'corrupt file'), { actor: 'transcode' });
  assert.equal(updated.version, asset.version + 1);
  assert.equal(updated.state, 'failed');
  assert.equal(updated.state_reason, 'corrupt file');
  const last = (await assetHistory(platform.db, asset.id)).at(-1)!;
  assert.deepEqual([last.version, last.type, last.actor, last.data], [asset.version + 1, 'failed', 'transcode', { reason: 'corrupt file' }]);
  assert.deepEqual(await outboxOf(asset.id), [{ type: 'io.mediateca.asset.failed', data: { reason: 'corrupt file', assetId: asset.id, projectId: 'newsroom', version: asset.version + 1 } }]);
});

test('two commands decided on the same version: the second is refused and writes nothing', async () => {
  const asset = await seedAsset(platform);
  const first = editMetadata(factsOf(asset), { title: 'first' });
  const second = editMetadata(factsOf(asset), { title: 'second' });
  await recordDecision(platform.db, asset, first, { actor: 'ana' });
  await assert.rejects(recordDecision(platform.db, asset, second, { actor: 'bea' }), ConcurrentModification);
  const current = (await findAsset(platform.db, asset.id))!;
  assert.equal(current.title, 'first');
  assert.equal(current.version, asset.version + 1);
  assert.equal((await assetHistory(platform.db, asset.id)).length, asset.version + 1);
  assert.equal((await outboxOf(asset.id)).length, 1);
});
