// People: merging two people that are one. The merged person's faces join the kept one (count summed, centroid
// weighted), the kept name wins (the merged one's when it has none), the merged person is gone, and the kept
// person's assets are re-indexed (person.updated). Bad merges are refused with a reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reclusterFaces } from '../../shared/ai/vision/face-clusters.ts';
import { replaceFaces } from '../../shared/db/enrichment.ts';
import { assetsHarness } from '../../test/support/assets-harness.ts';
import { seedAsset } from '../../test/support/seed-assets.ts';

const harness = assetsHarness({ projectsOf: (role) => ({ newsroom: role, other: role }) });
const { call } = harness;

const box = { x: 0.1, y: 0.1, width: 0.2, height: 0.2 };
/** descriptors on different axes are far apart: each opens a person of its own */
const descriptor = (axis: number) => Array.from({ length: 1024 }, (_, i) => (i === axis ? 10 : 0));

/** An asset whose one face is on `axis`; answers the asset and its face's person. */
async function assetWithFace(axis: number, projectId = 'newsroom'): Promise<{ assetId: string; personId: string }> {
  const asset = await seedAsset(harness.platform, { projectId, title: `face on axis ${axis}` });
  await replaceFaces(harness.platform.db, projectId, asset.id, [{ box, confidence: 0.9, descriptor: descriptor(axis) }], reclusterFaces);
  const face = await harness.platform.db.selectFrom('faces').select('person_id').where('asset_id', '=', asset.id).executeTakeFirstOrThrow();
  return { assetId: asset.id, personId: face.person_id };
}

test('merging a person into another: faces move, counts add up, the name carries over, the merged person goes', async () => {
  const first = await assetWithFace(11);
  const second = await assetWithFace(12);
  const third = await assetWithFace(12); // the same person as `second`: two faces
  assert.notEqual(first.personId, second.personId);
  assert.equal(second.personId, third.personId);
  assert.equal((await call('editor', 'PATCH', `/persons/${second.personId}`, { name: 'Ana García' })).status, 200);

  // the kept person (first) has no name: the merged one's carries over
  const merged = await call('editor', 'POST', `/persons/${second.personId}/merge`, { into: first.personId });
  assert.equal(merged.status, 200, JSON.stringify(merged.body));
  assert.deepEqual({ id: merged.body.id, name: merged.body.name, faceCount: merged.body.faceCount }, { id: first.personId, name: 'Ana García', faceCount: 3 });
  assert.equal((await call('viewer', 'GET', `/persons/${second.personId}`)).status, 404, 'the merged person is gone');
  const kept = await call('viewer', 'GET', `/persons/${first.personId}`);
  assert.deepEqual([kept.body.name, kept.body.faceCount], ['Ana García', 3]);
  const faces = await harness.platform.db.selectFrom('faces').select(['asset_id', 'person_id']).where('asset_id', 'in', [first.assetId, second.assetId, third.assetId]).execute();
  assert.deepEqual(new Set(faces.map((f) => f.person_id)), new Set([first.personId]), 'every face is the kept person’s');
  const centroid = (await harness.platform.db.selectFrom('persons').select('centroid').where('id', '=', first.personId).executeTakeFirstOrThrow()).centroid;
  assert.deepEqual([centroid[11], centroid[12]], [10 / 3, 20 / 3], 'the centroid is weighted by face count');
  // the kept person's assets (now the merged one's too) are re-indexed
  const events = await harness.platform.db.selectFrom('outbox').select(['type', 'data']).where('subject', '=', first.personId).execute();
  assert.ok(events.some((e) => e.type === 'io.mediateca.person.updated' && (e.data as { personId: string }).personId === first.personId));

  // a name on the kept person wins
  const fourth = await assetWithFace(13);
  assert.equal((await call('editor', 'PATCH', `/persons/${fourth.personId}`, { name: 'Someone else' })).status, 200);
  const again = await call('editor', 'POST', `/persons/${fourth.personId}/merge`, { into: first.personId });
  assert.deepEqual([again.body.name, again.body.faceCount], ['Ana García', 4]);
});

test('bad merges are refused with a reason: with themselves, across projects, a viewer, an unknown person, a bad body', async () => {
  const one = await assetWithFace(21);
  const elsewhere = await assetWithFace(22, 'other');
  const itself = await call('editor', 'POST', `/persons/${one.personId}/merge`, { into: one.personId });
  assert.equal(itself.status, 400);
  assert.match(itself.body.detail, /themselves/);
  const across = await call('editor', 'POST', `/persons/${one.personId}/merge`, { into: elsewhere.personId });
  assert.equal(across.status, 409);
  assert.match(across.body.detail, /different projects/);
  assert.equal((await call('viewer', 'POST', `/persons/${one.personId}/merge`, { into: elsewhere.personId })).status, 403);
  assert.equal((await call('editor', 'POST', `/persons/${one.personId}/merge`, { into: '00000000-0000-4000-8000-000000000000' })).status, 404);
  const bad = await call('editor', 'POST', `/persons/${one.personId}/merge`, { into: 'Ana' });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.body), /into must be a person id/);
  // nothing changed
  assert.equal((await call('viewer', 'GET', `/persons/${one.personId}`)).body.faceCount, 1);
  assert.equal((await call('viewer', 'GET', `/persons/${elsewhere.personId}`)).body.faceCount, 1);
});
