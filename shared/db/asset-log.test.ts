// The asset row as a projection of its events: load at any version (time travel), snapshots every SNAPSHOT_EVERY
// events giving the same state as a full replay, and the assets table rebuilt from the log, field by field.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { editMetadata, transitionEditorial } from '../domain/asset-commands.ts';
import { recordDecision } from '../events/asset-decisions.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { seedAsset, seedAssetsInBulk } from '../../test/support/seed-assets.ts';
import { loadAsset, rebuildAssets } from './asset-log.ts';
import { factsOf, findAsset } from './assets.ts';
import type { Asset } from './schema.ts';

const SNAPSHOT_EVERY = 3;
let platform: Awaited<ReturnType<typeof createTestPlatform>>;
before(async () => { platform = await createTestPlatform({ SNAPSHOT_EVERY: String(SNAPSHOT_EVERY) }); });
after(() => platform.dispose());

const producer = { subject: 'pat', projects: { newsroom: 'producer' as const } };

/** An asset through a life of many versions: pipeline states, edits, editorial moves. */
async function livedAsset(edits: number): Promise<Asset[]> {
  let asset = await seedAsset(platform, { editorialState: 'draft', tags: ['pleno'] });
  const versions: Asset[] = [];
  for (let i = 0; i < edits; i++) {
    asset = await recordDecision(platform.db, asset, editMetadata(factsOf(asset), { title: `take ${i}`, tags: [`t${i}`] }), { actor: 'ana' });
    versions.push(asset);
  }
  asset = await recordDecision(platform.db, asset, transitionEditorial(factsOf(asset), 'in_review', undefined, producer), { actor: 'pat' });
  asset = await recordDecision(platform.db, asset, transitionEditorial(factsOf(asset), 'approved', undefined, producer), { actor: 'pat' });
  versions.push(asset);
  return versions;
}

test('the replayed asset equals the row, field by field, at its latest version', async () => {
  const versions = await livedAsset(4);
  const current = (await findAsset(platform.db, versions[0]!.id))!;
  const loaded = await loadAsset(platform.db, current.id);
  assert.ok(loaded.found);
  assert.deepEqual(loaded.asset, { ...current, progress: null });
});

test('assets created in bulk (createAssetsInBulk) replay to their rows too: one created entry records every column', async () => {
  const bulk = await seedAssetsInBulk(platform, [{ title: 'one', tags: ['a'] }, { title: 'two', state: 'archived' }]);
  for (const row of bulk) {
    const loaded = await loadAsset(platform.db, row.id);
    assert.ok(loaded.found);
    assert.deepEqual(loaded.asset, { ...row, progress: null });
    assert.equal(loaded.replayedEvents, 1);
  }
});

test('time travel: ?version=n and asOf give each earlier state; a version that never was is not found', async () => {
  const versions = await livedAsset(3);
  for (const version of versions) {
    const loaded = await loadAsset(platform.db, version.id, { version: version.version });
    assert.ok(loaded.found);
    assert.deepEqual(loaded.asset, { ...version, progress: null }, `version ${version.version}`);
    const asOf = await loadAsset(platform.db, version.id, { asOf: new Date(version.updated_at.getTime() + 0) });
    assert.ok(asOf.found);
    assert.ok(asOf.asset.version >= version.version, 'at or after the change at that instant');
  }
  assert.deepEqual(await loadAsset(platform.db, versions[0]!.id, { version: 999 }), { found: false, reason: 'no-such-version' });
  assert.deepEqual(await loadAsset(platform.db, versions[0]!.id, { asOf: new Date('2000-01-01T00:00:00Z') }), { found: false, reason: 'no-such-version' });
});

test(`snapshots every ${SNAPSHOT_EVERY} events: snapshot + tail equals the full replay at every version, and reads at most ${SNAPSHOT_EVERY} events`, async () => {
  const versions = await livedAsset(10);
  const id = versions[0]!.id;
  const snapshots = await platform.db.selectFrom('asset_snapshots').select('version').where('asset_id', '=', id).orderBy('version').execute();
  assert.ok(snapshots.length >= 4);
  assert.ok(snapshots.every((s) => s.version % SNAPSHOT_EVERY === 0));
  const last = versions.at(-1)!.version;
  for (let version = 1; version <= last; version++) {
    const fromSnapshot = await loadAsset(platform.db, id, { version });
    const full = await loadAsset(platform.db, id, { version, withoutSnapshots: true });
    assert.ok(fromSnapshot.found && full.found);
    assert.deepEqual(fromSnapshot.asset, full.asset, `version ${version}`);
    assert.ok(fromSnapshot.replayedEvents < SNAPSHOT_EVERY, `version ${version} replayed ${fromSnapshot.replayedEvents}`);
    assert.equal(full.replayedEvents, version);
  }
});

test('rebuild writes every asset row again from its events, equal field by field to what was there', async () => {
  await livedAsset(2);
  await seedAsset(platform, { state: 'failed' });
  await seedAsset(platform, { state: 'deleted' });
  const before = await platform.db.selectFrom('assets').selectAll().orderBy('id').execute();
  // damage the read model: every row's projected fields
  await platform.db.updateTable('assets').set({ title: 'damaged', tags: [], state: 'uploading', editorial_state: 'rejected', updated_at: new Date(0) }).execute();
  const projected: string[] = [];
  const outcome = await rebuildAssets(platform.db, { onRebuilt: async (asset) => { projected.push(asset.id); }, pageSize: 2 });
  assert.deepEqual(outcome, { rebuilt: before.length, unrecorded: [] });
  assert.deepEqual(projected.sort(), before.map((a) => a.id).sort());
  const after = await platform.db.selectFrom('assets').selectAll().orderBy('id').execute();
  assert.equal(after.length, before.length);
  for (const [i, row] of after.entries()) {
    for (const [column, value] of Object.entries(before[i]!)) assert.deepEqual((row as Record<string, unknown>)[column], value, `${row.id}.${column}`);
  }
});
