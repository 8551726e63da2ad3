import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AssetFacts } from './asset-commands.ts';
import { CommandRefused } from './asset-commands.ts';
import { type FileVersionFacts, purgeAsset, purgeDueAt, restoreAsset, revertFileVersion, startFileVersion, verifyFileVersion } from './asset-lifecycle.ts';

const facts = (over: Partial<AssetFacts> = {}): AssetFacts => ({
  id: 'a', projectId: 'p', state: 'ready', editorialState: 'draft', mediaType: 'image', contentType: 'image/jpeg', sha256: 'f'.repeat(64), size: 10, title: 't', description: '', tags: [], fileVersion: 1, ...over,
});
const refused = (fn: () => unknown, problem: string) => assert.throws(fn, (error) => error instanceof CommandRefused && error.problem === problem);

test('restore: only from the trash, back to the state deleted in, announced so search and enrich take it back', () => {
  refused(() => restoreAsset(facts(), 'ready', []), 'conflict');
  const ready = restoreAsset(facts({ state: 'deleted' }), 'ready', ['preview', 'thumbnail']);
  assert.deepEqual(ready.changes, { state: 'ready', deletedAt: null });
  assert.deepEqual(ready.events, [{ type: 'io.mediateca.asset.rendered', data: { renditions: ['preview', 'thumbnail'] } }]);
  assert.equal(restoreAsset(facts({ state: 'deleted' }), 'archived', []).changes.state, 'archived');
  const processing = restoreAsset(facts({ state: 'deleted' }), 'processing', []);
  assert.equal(processing.changes.state, 'failed');
  assert.equal(processing.events[0]!.type, 'io.mediateca.asset.uploaded');
  assert.equal((processing.events[0]!.data as { reprocess?: boolean }).reprocess, true);
  assert.equal(restoreAsset(facts({ state: 'deleted', sha256: null }), 'uploading', []).changes.stateReason, 'deleted before its upload finished');
});

test('purge: only from the trash; the decision is the tombstone', () => {
  refused(() => purgeAsset(facts(), 'why', { objects: 1 }), 'conflict');
  const decision = purgeAsset(facts({ state: 'deleted' }), 'retention', { objects: 4 });
  assert.deepEqual(decision.changes, {});
  assert.deepEqual(decision.history, { type: 'purged', data: { reason: 'retention', objectsRemoved: 4 } });
  assert.deepEqual(decision.events, [{ type: 'io.mediateca.asset.purged', data: { reason: 'retention' } }]);
  assert.equal(purgeDueAt(new Date('2026-01-01T00:00:00Z'), 30).toISOString(), '2026-01-31T00:00:00.000Z');
});

const version = (over: Partial<FileVersionFacts> = {}): FileVersionFacts => ({
  fileVersion: 2, state: 'uploading', filename: 'b.png', contentType: 'image/png', mediaType: 'image', size: 20, sha256: null, storageKey: 'p/a/v2/original.png', renditions: [], ...over,
});

test('a new file version: only on a ready or failed asset with no other version uploading; verified, it is rendered anew', () => {
  for (const state of ['uploading', 'processing', 'deleted', 'archived'] as const) refused(() => startFileVersion(facts({ state }), { fileVersion: 2, filename: 'b', contentType: 'image/png', size: 1 }, undefined), 'conflict');
  refused(() => startFileVersion(facts(), { fileVersion: 3, filename: 'b', contentType: 'image/png', size: 1 }, version()), 'conflict');
  assert.equal(startFileVersion(facts(), { fileVersion: 2, filename: 'b', contentType: 'image/png', size: 1 }, undefined).history.type, 'file-version-started');
  const verified = verifyFileVersion(facts(), version(), { sha256: 'e'.repeat(64), size: 20, contentType: 'image/png', mediaType: 'image' });
  assert.deepEqual(verified.changes, { state: 'processing', stateReason: null, sha256: 'e'.repeat(64), storageKey: 'p/a/v2/original.png', contentType: 'image/png', mediaType: 'image', size: 20, filename: 'b.png', fileVersion: 2 });
  assert.deepEqual(verified.events, [{ type: 'io.mediateca.asset.uploaded', data: { mediaType: 'image', contentType: 'image/png', sha256: 'e'.repeat(64), size: 20, reprocess: true } }]);
  refused(() => verifyFileVersion(facts(), version({ state: 'current' }), { sha256: 'e', size: 1, contentType: 'image/png', mediaType: 'image' }), 'conflict');
});

test('revert: to an earlier verified version, whose renditions come back with it', () => {
  const earlier = version({ fileVersion: 1, state: 'previous', sha256: 'd'.repeat(64), renditions: ['preview', 'thumbnail'], storageKey: 'p/a/original.jpg', contentType: 'image/jpeg', filename: 'a.jpg' });
  const reverted = revertFileVersion(facts({ fileVersion: 2, state: 'failed' }), earlier);
  assert.equal(reverted.changes.state, 'ready');
  assert.equal(reverted.changes.fileVersion, 1);
  assert.deepEqual(reverted.history, { type: 'file-version-reverted', data: { from: 2, to: 1 } });
  assert.deepEqual(reverted.events, [{ type: 'io.mediateca.asset.rendered', data: { renditions: ['preview', 'thumbnail'] } }]);
  refused(() => revertFileVersion(facts({ fileVersion: 1 }), earlier), 'conflict');
  refused(() => revertFileVersion(facts({ fileVersion: 2 }), version({ fileVersion: 3, state: 'failed' })), 'conflict');
  refused(() => revertFileVersion(facts({ fileVersion: 2, state: 'processing' }), earlier), 'conflict');
});
