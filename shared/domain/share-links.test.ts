import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_SHARE_LIFETIME_SECONDS, type ShareLinkFacts, checkShareExpiry, decideShareAccess, shareAllowsRendition, shareable } from './share-links.ts';

const now = new Date('2026-05-01T12:00:00Z');
const open: ShareLinkFacts = { expiresAt: null, revokedAt: null, hasPassword: false, renditions: null, allowOriginal: false };

test('an open link opens; revoked and expired links are gone (410) whatever the password', () => {
  assert.deepEqual(decideShareAccess(open, now, undefined), { allowed: true });
  assert.deepEqual(decideShareAccess({ ...open, expiresAt: new Date('2026-05-01T12:00:01Z') }, now, undefined), { allowed: true });
  const revoked = decideShareAccess({ ...open, hasPassword: true, revokedAt: new Date('2026-04-30T00:00:00Z') }, now, true);
  assert.equal(revoked.allowed, false);
  assert.equal(!revoked.allowed && revoked.status, 410);
  assert.match(!revoked.allowed ? revoked.reason : '', /revoked/);
  const expired = decideShareAccess({ ...open, expiresAt: now }, now, undefined);
  assert.equal(!expired.allowed && expired.status, 410);
  assert.match(!expired.allowed ? expired.reason : '', /expired on 2026-05-01T12:00:00.000Z/);
});

test('a password link asks for its password (401), refuses a wrong one (401) and opens with the right one', () => {
  const locked = { ...open, hasPassword: true };
  const asked = decideShareAccess(locked, now, undefined);
  assert.equal(!asked.allowed && asked.status, 401);
  assert.match(!asked.allowed ? asked.reason : '', /protected by a password/);
  const wrong = decideShareAccess(locked, now, false);
  assert.match(!wrong.allowed ? wrong.reason : '', /wrong password/);
  assert.deepEqual(decideShareAccess(locked, now, true), { allowed: true });
});

test('expiry of a new link: in the future, within the maximum lifetime', () => {
  assert.equal(checkShareExpiry(undefined, now), undefined);
  assert.equal(checkShareExpiry(new Date(now.getTime() + 3600_000), now), undefined);
  assert.match(checkShareExpiry(now, now)!, /future/);
  assert.match(checkShareExpiry(new Date(now.getTime() + (MAX_SHARE_LIFETIME_SECONDS + 1) * 1000), now)!, /at most 366 days/);
});

test('renditions: every one when the link names none, else only those named', () => {
  assert.equal(shareAllowsRendition(open, 'web'), true);
  assert.equal(shareAllowsRendition({ renditions: ['thumbnail'] }, 'thumbnail'), true);
  assert.equal(shareAllowsRendition({ renditions: ['thumbnail'] }, 'web'), false);
  assert.equal(shareAllowsRendition({ renditions: [] }, 'thumbnail'), false);
});

test('only approved assets that are ready or archived go out through a link', () => {
  assert.equal(shareable({ state: 'ready', editorialState: 'approved' }), true);
  assert.equal(shareable({ state: 'archived', editorialState: 'approved' }), true);
  assert.equal(shareable({ state: 'ready', editorialState: 'in_review' }), false);
  assert.equal(shareable({ state: 'deleted', editorialState: 'approved' }), false);
  assert.equal(shareable({ state: 'processing', editorialState: 'approved' }), false);
});
