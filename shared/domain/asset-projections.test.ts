import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type HistoryEntry, projectDerived } from './asset-projections.ts';

const entry = (type: string, data: Record<string, unknown> = {}, actor = 'x'): HistoryEntry => ({ type, actor, data });
const rows = (...names: string[]) => names.map((name) => ({ name, storage_key: `k/${name}` }));
const box = { x: 0, y: 0, width: 1, height: 1 };

test('renditions and technical metadata follow rendering, new file versions and reverts; unknown until recorded', () => {
  assert.deepEqual(projectDerived([entry('created'), entry('ready')]), { renditions: undefined, technical: undefined, ai: undefined, labels: [] });
  const rendered = entry('rendered', { renditions: ['preview'], renditionRows: rows('preview'), technical: { width: 4 } });
  assert.deepEqual(projectDerived([rendered]).renditions, rows('preview'));
  assert.deepEqual(projectDerived([rendered, entry('file-version-added')]), { renditions: [], technical: null, ai: undefined, labels: [] });
  const back = entry('file-version-reverted', { renditionRows: rows('preview', 'thumbnail'), technical: { width: 4 } });
  assert.deepEqual(projectDerived([rendered, entry('file-version-added'), back]).renditions, rows('preview', 'thumbnail'));
  assert.equal(projectDerived([rendered, entry('rendered', { renditions: ['preview'] })]).renditions, undefined, 'an entry that does not record them');
  assert.equal(projectDerived([rendered, entry('failed', { reason: 'bad' })]).renditions, undefined, 'a failed render may have left some');
  const poster = entry('renditions-partial', { stage: 'poster', renditions: ['poster'], renditionRows: rows('poster'), technical: { width: 4 } });
  assert.deepEqual(projectDerived([entry('processing'), poster]), { renditions: rows('poster'), technical: { width: 4 }, ai: undefined, labels: [] }, 'a progressive step replays what it stored');
  const whole = entry('rendered', { renditions: ['poster', 'preview'], renditionRows: rows('poster', 'preview'), technical: { width: 4 } });
  assert.deepEqual(projectDerived([poster, whole]).renditions, rows('poster', 'preview'));
});

test('labels: findings replace suggestions, decisions stay with who made them, AI metadata is the latest', () => {
  const first = entry('enriched', { parts: { objects: { status: 'done' } }, ai: { ocr: 'a' }, labels: { model: 'm1', findings: [{ label: 'dog', confidence: 0.9, detections: [{ box, confidence: 0.9 }] }, { label: 'cat', confidence: 0.5, detections: [] }] } });
  const decided = entry('label-decided', { label: 'cat', status: 'accepted' }, 'ed');
  const second = entry('enriched', { parts: { objects: { status: 'done' } }, ai: { ocr: 'b' }, labels: { model: 'm2', findings: [{ label: 'car', confidence: 0.7, detections: [] }] } });
  const projected = projectDerived([first, decided, second]);
  assert.deepEqual(projected.ai, { ocr: 'b' });
  assert.deepEqual(projected.labels!.map((l) => [l.label, l.status, l.decided_by, l.model]), [['cat', 'accepted', 'ed', 'm1'], ['car', 'suggested', null, 'm2']]);
  assert.equal(projectDerived([entry('enriched', { parts: { objects: { status: 'done' } } })]).labels, undefined, 'found without recording what');
});
