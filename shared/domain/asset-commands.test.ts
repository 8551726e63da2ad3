// The aggregate's commands, directly: what each decides (changes, history, events) and what each refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AssetState } from './asset.ts';
import {
  type AssetFacts, CommandRefused, deleteAsset, editMetadata, failAsset, recordEnriched, recordRenditionsPartial, recordRendered, requestReprocess, startProcessing, transitionEditorial, verifyUpload,
} from './asset-commands.ts';

const asset = (state: AssetState, more: Partial<AssetFacts> = {}): AssetFacts => ({
  id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', projectId: 'newsroom', state, editorialState: 'draft', mediaType: 'image', contentType: 'image/jpeg',
  sha256: state === 'uploading' ? null : 'a'.repeat(64), size: 10, title: 'Pleno', description: '', tags: ['congreso'], ...more,
});
const refused = (run: () => unknown, problem: CommandRefused['problem'], reason: RegExp) =>
  assert.throws(run, (error: unknown) => error instanceof CommandRefused && error.problem === problem && reason.test(error.message));

test('verify: the master is kept, a corrected type replaces the claim, asset.uploaded carries what was verified', () => {
  const plain = verifyUpload(asset('uploading'), { sha256: 'b'.repeat(64), size: 10, storageKey: 'm/k', contentType: 'image/jpeg', mediaType: 'image' });
  assert.deepEqual(plain.changes, { state: 'uploaded', sha256: 'b'.repeat(64), storageKey: 'm/k', stateReason: null });
  assert.deepEqual(plain.events, [{ type: 'io.mediateca.asset.uploaded', data: { mediaType: 'image', contentType: 'image/jpeg', sha256: 'b'.repeat(64), size: 10 } }]);
  const corrected = verifyUpload(asset('uploading'), { sha256: 'b'.repeat(64), size: 10, storageKey: 'm/k', contentType: 'image/png', mediaType: 'image' });
  assert.equal(corrected.changes.contentType, 'image/png');
  assert.deepEqual(corrected.history, { type: 'uploaded', data: { sha256: 'b'.repeat(64), size: 10, declaredContentType: 'image/jpeg', contentType: 'image/png' } });
  refused(() => verifyUpload(asset('uploaded'), { sha256: 'b', size: 1, storageKey: 'k', contentType: 'image/jpeg', mediaType: 'image' }), 'conflict', /already verified/);
});

test('fail: one decision for every permanent problem, with the reason in the state, the history and the event', () => {
  for (const state of ['uploading', 'uploaded', 'processing', 'failed'] as const) {
    const failed = failAsset(asset(state), 'corrupt file');
    assert.deepEqual(failed.changes, { state: 'failed', stateReason: 'corrupt file' });
    assert.deepEqual(failed.events, [{ type: 'io.mediateca.asset.failed', data: { reason: 'corrupt file' } }]);
  }
  assert.deepEqual(failAsset(asset('uploading'), 'duplicate', { duplicateOf: 'x', sha256: 'c' }).changes, { state: 'failed', stateReason: 'duplicate', duplicateOf: 'x', sha256: 'c' });
  refused(() => failAsset(asset('ready'), 'late'), 'conflict', /ready cannot be failed/);
});

test('processing, rendered (what was not made is the state reason), enriched', () => {
  assert.deepEqual(startProcessing(asset('uploaded')).changes, { state: 'processing', stateReason: null });
  refused(() => startProcessing(asset('uploading')), 'conflict', /uploading cannot be processed/);
  const rendered = recordRendered(asset('processing'), ['poster', 'thumbnail'], { hls: 'no audio' });
  assert.deepEqual(rendered.changes, { state: 'ready', stateReason: 'renditions not made: hls (no audio)' });
  assert.deepEqual(rendered.events, [{ type: 'io.mediateca.asset.rendered', data: { renditions: ['poster', 'thumbnail'] } }]);
  assert.equal(recordRendered(asset('processing'), [], {}).changes.stateReason, null);
  const enriched = recordEnriched(asset('ready'), { ocr: { status: 'done', ms: 3 } }, { ocr: { status: 'done' } });
  assert.deepEqual(enriched.changes, {});
  assert.deepEqual(enriched.events, [{ type: 'io.mediateca.asset.enriched', data: { parts: { ocr: { status: 'done' } } } }]);
});

test('renditions partial: announced while processing, with what it records; never once the asset left processing', () => {
  const poster = recordRenditionsPartial(asset('processing', { mediaType: 'video' }), 'poster', ['poster'], { technical: { contentType: 'video/mp4', size: 10 }, renditionRows: [{ name: 'poster' }] });
  assert.deepEqual(poster, {
    changes: {},
    history: { type: 'renditions-partial', data: { stage: 'poster', renditions: ['poster'], technical: { contentType: 'video/mp4', size: 10 }, renditionRows: [{ name: 'poster' }] } },
    events: [{ type: 'io.mediateca.asset.renditions-partial', data: { stage: 'poster', renditions: ['poster'] } }],
  });
  assert.deepEqual(recordRenditionsPartial(asset('processing'), 'preview', ['poster', 'preview', 'waveform'])?.events, [{ type: 'io.mediateca.asset.renditions-partial', data: { stage: 'preview', renditions: ['poster', 'preview', 'waveform'] } }]);
  // a redelivered upload event re-rendering after the set was recorded, or an asset failed or deleted meanwhile
  for (const state of ['ready', 'failed', 'deleted', 'archived', 'uploaded'] as const) assert.equal(recordRenditionsPartial(asset(state), 'poster', ['poster']), undefined, state);
});

test('edit: the fields changed, before and after in the history; nothing to change or a deleted asset is refused', () => {
  const edited = editMetadata(asset('ready'), { title: 'Pleno del jueves', tags: [] });
  assert.deepEqual(edited.changes, { title: 'Pleno del jueves', tags: [] });
  assert.deepEqual(edited.history, { type: 'edited', data: { before: { title: 'Pleno', tags: ['congreso'] }, after: { title: 'Pleno del jueves', tags: [] } } });
  assert.deepEqual(edited.events, [{ type: 'io.mediateca.asset.updated', data: { fields: ['title', 'tags'] } }]);
  refused(() => editMetadata(asset('ready'), {}), 'invalid', /nothing to change/);
  refused(() => editMetadata(asset('deleted'), { title: 'x' }), 'conflict', /deleted/);
});

test('editorial transitions emit the event of the state moved to', () => {
  const submitted = transitionEditorial(asset('ready'), 'in_review', undefined, { subject: 'e', projects: { newsroom: 'editor' } });
  assert.deepEqual(submitted, { changes: { editorialState: 'in_review' }, history: { type: 'editorial-transition', data: { from: 'draft', to: 'in_review' } }, events: [{ type: 'io.mediateca.asset.editorial.in_review', data: { from: 'draft', to: 'in_review' } }] });
  refused(() => transitionEditorial(asset('ready'), 'in_review', undefined, { subject: 'v', projects: { newsroom: 'viewer' } }), 'forbidden', /viewer/);
});

test('reprocess and delete', () => {
  assert.deepEqual(requestReprocess(asset('ready')).events, [{ type: 'io.mediateca.asset.uploaded', data: { mediaType: 'image', contentType: 'image/jpeg', sha256: 'a'.repeat(64), size: 10, reprocess: true } }]);
  refused(() => requestReprocess(asset('uploading')), 'conflict', /cannot be reprocessed/);
  const now = new Date('2026-01-01T00:00:00Z');
  assert.deepEqual(deleteAsset(asset('ready'), now), { changes: { state: 'deleted', deletedAt: now }, history: { type: 'deleted', data: { previousState: 'ready' } }, events: [{ type: 'io.mediateca.asset.deleted', data: {} }] });
  assert.equal(deleteAsset(asset('deleted'), now), undefined, 'deleting twice changes nothing');
});
