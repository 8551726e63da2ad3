import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AssetState } from './asset.ts';
import { EDITORIAL_STATES, type EditorialState, decideTransition, editoriallyVisible, editorialTargets, seesUnapproved } from './editorial.ts';
import type { Principal, Role } from './permissions.ts';

const as = (role: Role): Principal => ({ subject: role, projects: { newsroom: role } });
const asset = (editorialState: EditorialState, state: AssetState = 'ready') => ({ projectId: 'newsroom', state, editorialState });

test('the whole path: an editor submits, a producer approves, an admin archives', () => {
  assert.deepEqual(decideTransition({ asset: asset('draft'), to: 'in_review', principal: as('editor') }), { ok: true, from: 'draft', to: 'in_review' });
  assert.deepEqual(decideTransition({ asset: asset('in_review'), to: 'approved', principal: as('producer') }), { ok: true, from: 'in_review', to: 'approved' });
  assert.deepEqual(decideTransition({ asset: asset('approved'), to: 'archived', principal: as('admin') }), { ok: true, from: 'approved', to: 'archived' });
});

test('a rejection needs a reason and goes back to draft from there', () => {
  const noReason = decideTransition({ asset: asset('in_review'), to: 'rejected', principal: as('producer') });
  assert.deepEqual(noReason, { ok: false, problem: 'invalid', reason: 'moving to rejected needs a reason: say what should change' });
  assert.equal(decideTransition({ asset: asset('in_review'), to: 'rejected', reason: '   ', principal: as('producer') }).ok, false, 'blank is no reason');
  assert.deepEqual(decideTransition({ asset: asset('in_review'), to: 'rejected', reason: ' crop the logo ', principal: as('producer') }), { ok: true, from: 'in_review', to: 'rejected', reason: 'crop the logo' });
  assert.deepEqual(decideTransition({ asset: asset('rejected'), to: 'draft', principal: as('editor') }), { ok: true, from: 'rejected', to: 'draft' });
  assert.equal(decideTransition({ asset: asset('in_review'), to: 'rejected', reason: 'x'.repeat(2001), principal: as('producer') }).ok, false);
});

test('each move needs its least role; higher roles may make it too', () => {
  const cases: [EditorialState, EditorialState, Role, Role][] = [
    ['draft', 'in_review', 'viewer', 'editor'],
    ['in_review', 'approved', 'editor', 'producer'],
    ['in_review', 'rejected', 'editor', 'producer'],
    ['approved', 'archived', 'producer', 'admin'],
  ];
  for (const [from, to, tooLow, enough] of cases) {
    const refused = decideTransition({ asset: asset(from), to, reason: 'r', principal: as(tooLow) });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.problem, 'forbidden', `${tooLow} ${from}→${to}`);
    assert.equal(decideTransition({ asset: asset(from), to, reason: 'r', principal: as(enough) }).ok, true, `${enough} ${from}→${to}`);
    assert.equal(decideTransition({ asset: asset(from), to, reason: 'r', principal: as('admin') }).ok, true, `admin ${from}→${to}`);
  }
  assert.equal(decideTransition({ asset: asset('draft'), to: 'in_review', principal: { subject: 'x', projects: { sports: 'admin' } } }).ok, false, 'no role in the project');
});

test('moves off the graph are conflicts that name where the asset can go', () => {
  const skip = decideTransition({ asset: asset('draft'), to: 'approved', principal: as('admin') });
  assert.deepEqual(skip, { ok: false, problem: 'conflict', reason: 'an asset in draft cannot move to approved; from draft it can move to in_review' });
  assert.equal(decideTransition({ asset: asset('approved'), to: 'approved', principal: as('admin') }).ok, false);
  for (const from of EDITORIAL_STATES) {
    for (const to of EDITORIAL_STATES) {
      const allowed = decideTransition({ asset: asset(from), to, reason: 'r', principal: as('admin') }).ok;
      assert.equal(allowed, editorialTargets(from).includes(to), `${from}→${to}`);
    }
  }
});

test('only a ready asset is approved, and a deleted one moves nowhere', () => {
  for (const state of ['uploading', 'uploaded', 'processing', 'failed'] as const) {
    const decision = decideTransition({ asset: asset('in_review', state), to: 'approved', principal: as('producer') });
    assert.deepEqual(decision, { ok: false, problem: 'conflict', reason: `only a ready asset can be approved; this one is ${state}` });
    assert.equal(decideTransition({ asset: asset('draft', state), to: 'in_review', principal: as('editor') }).ok, true, 'submitted while processing');
  }
  const deleted = decideTransition({ asset: asset('draft', 'deleted'), to: 'in_review', principal: as('admin') });
  assert.equal(!deleted.ok && deleted.problem, 'conflict');
});

test('viewers see approved assets only, unless the project lets them see the rest', () => {
  const closed = { viewersSeeUnapproved: false };
  const open = { viewersSeeUnapproved: true };
  for (const state of EDITORIAL_STATES) {
    assert.equal(editoriallyVisible(as('viewer'), { projectId: 'newsroom', editorialState: state }, closed), state === 'approved', state);
    assert.equal(editoriallyVisible(as('viewer'), { projectId: 'newsroom', editorialState: state }, open), true, state);
    assert.equal(editoriallyVisible(as('editor'), { projectId: 'newsroom', editorialState: state }, closed), true, state);
  }
  assert.equal(seesUnapproved(as('viewer'), 'sports', open), false, 'no role in that project');
});
