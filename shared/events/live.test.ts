import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelopeOf } from './envelope.ts';
import { LiveChanges } from './live.ts';

test('asset events reach every listener until it stops; events about no asset do not', () => {
  const live = new LiveChanges();
  const first: string[] = [];
  const second: string[] = [];
  const stopFirst = live.subscribe((change) => first.push(`${change.type} ${change.assetId} ${change.projectId}`));
  live.subscribe((change) => second.push(change.assetId));
  live.publish(envelopeOf('io.mediateca.asset.rendered', 'test', { assetId: 'a1', projectId: 'newsroom', version: 1, renditions: [] }));
  live.publish(envelopeOf('io.mediateca.uploads.sweep-requested', 'test', {}));
  live.publish(envelopeOf('io.mediateca.person.updated', 'test', { personId: 'p1', projectId: 'newsroom' }));
  stopFirst();
  live.publish(envelopeOf('io.mediateca.asset.updated', 'test', { assetId: 'a2', projectId: 'sports', version: 1, fields: ['title'] }));
  assert.deepEqual(first, ['io.mediateca.asset.rendered a1 newsroom']);
  assert.deepEqual(second, ['a1', 'a2']);
  assert.equal(live.listenerCount, 1);
});
