import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIT_ACTIONS, auditCutoff, auditedRequest, isAuditAction, readRecordedSince } from './audit.ts';

test('asset routes map to audit actions only when they succeeded', () => {
  assert.deepEqual(auditedRequest('GET', '/assets/:id', 200), { action: 'asset.read', target: 'asset' });
  assert.deepEqual(auditedRequest('post', '/assets/:id/transitions', 200), { action: 'asset.transitioned', target: 'asset' });
  assert.deepEqual(auditedRequest('DELETE', '/assets/:id', 204), { action: 'asset.deleted', target: 'asset' });
  assert.deepEqual(auditedRequest('PUT', '/projects/:id/settings', 200), { action: 'project.settings-changed', target: 'project' });
  assert.equal(auditedRequest('GET', '/assets/:id', 404), undefined);
  assert.equal(auditedRequest('PATCH', '/assets/:id', 412), undefined);
  assert.equal(auditedRequest('GET', '/assets', 200), undefined);
  assert.equal(auditedRequest('GET', '/assets/:id/thumbnails.vtt', 200), undefined);
});

test('every mapped action is a known action', () => {
  for (const route of ['GET /assets/:id', 'PATCH /assets/:id', 'DELETE /assets/:id', 'POST /assets/:id/transitions', 'POST /assets/:id/reprocess', 'PUT /assets/:id/labels/:label', 'PUT /projects/:id/settings', 'POST /projects/:id/rebuild']) {
    const [method, path] = route.split(' ');
    const audited = auditedRequest(method!, path!, 200);
    assert.ok(audited && isAuditAction(audited.action), route);
  }
  assert.equal(isAuditAction('share.opened'), true);
  assert.equal(isAuditAction('asset.stolen'), false);
  assert.equal(new Set(AUDIT_ACTIONS).size, AUDIT_ACTIONS.length);
});

test('retention: the cutoff is now minus the period', () => {
  assert.deepEqual(auditCutoff(new Date('2026-01-31T00:00:00Z'), 30 * 86400), new Date('2026-01-01T00:00:00Z'));
  assert.equal(auditCutoff(new Date(), 0), undefined);
});

test('reads are recorded once per interval; other actions and a zero interval always', () => {
  const now = new Date('2026-01-31T12:00:00Z');
  assert.deepEqual(readRecordedSince('asset.read', now, 3600), new Date('2026-01-31T11:00:00Z'));
  assert.equal(readRecordedSince('asset.read', now, 0), undefined);
  assert.equal(readRecordedSince('asset.edited', now, 3600), undefined);
  assert.equal(readRecordedSince('share.downloaded', now, 3600), undefined);
});
