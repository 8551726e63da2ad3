import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Principal, can, projectsWhere, roleIn } from './permissions.ts';

const ana: Principal = { subject: 'ana', projects: { newsroom: 'editor', sports: 'viewer', archive: 'admin' } };

test('roles are ordered viewer < editor < producer < admin, per project', () => {
  assert.ok(can(ana, 'asset:read', 'sports'));
  assert.ok(!can(ana, 'asset:upload', 'sports'));
  assert.ok(can(ana, 'asset:upload', 'newsroom'));
  assert.ok(!can(ana, 'asset:publish', 'newsroom'));
  assert.ok(can(ana, 'asset:reprocess', 'archive'));
  assert.ok(!can(ana, 'asset:read', 'finance'), 'no role, no access');
});

test('searches are scoped to the projects the caller may read', () => {
  assert.deepEqual(projectsWhere(ana, 'asset:read').sort(), ['archive', 'newsroom', 'sports']);
  assert.deepEqual(projectsWhere(ana, 'asset:upload').sort(), ['archive', 'newsroom']);
});

test('project ids that are Object.prototype keys are ordinary names: no role unless granted', () => {
  for (const project of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.equal(roleIn(ana, project), undefined, project);
    assert.ok(!can(ana, 'asset:read', project), project);
  }
  const owner: Principal = { subject: 'o', projects: Object.fromEntries([['constructor', 'admin']]) };
  assert.equal(roleIn(owner, 'constructor'), 'admin');
  assert.ok(can(owner, 'project:admin', 'constructor'));
});
