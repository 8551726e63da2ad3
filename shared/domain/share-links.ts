// Share links: who may open what through a link, decided without I/O. A link opens an asset or a collection for
// anyone holding its URL (no token), read-only, until it expires or is revoked (both answer 410 Gone), behind a
// password when it has one. It hands out the renditions it names (every one when it names none) and the
// original only when it says so. Only approved assets that still exist are ever shown through a link.
import type { EditorialState } from './editorial.ts';

export type ShareTargetType = 'asset' | 'collection';
export const SHARE_TARGET_TYPES = ['asset', 'collection'] as const;

/** A link may live at most a year; one without an expiry lives until it is revoked. */
export const MAX_SHARE_LIFETIME_SECONDS = 366 * 24 * 3600;
export const MIN_SHARE_PASSWORD_LENGTH = 8;

export interface ShareLinkFacts {
  expiresAt: Date | null;
  revokedAt: Date | null;
  hasPassword: boolean;
  /** null: every rendition */
  renditions: readonly string[] | null;
  allowOriginal: boolean;
}

export type ShareAccess =
  | { allowed: true }
  | { allowed: false; status: 410; reason: string }
  | { allowed: false; status: 401; reason: string };

/**
 * Whether the link opens now. `password`: whether the caller proved the password (undefined: they gave none).
 * Revoked or expired links are gone whatever the password.
 */
export function decideShareAccess(link: ShareLinkFacts, now: Date, password: boolean | undefined): ShareAccess {
  if (link.revokedAt) return { allowed: false, status: 410, reason: `this link was revoked on ${link.revokedAt.toISOString()}` };
  if (link.expiresAt && link.expiresAt.getTime() <= now.getTime()) return { allowed: false, status: 410, reason: `this link expired on ${link.expiresAt.toISOString()}` };
  if (link.hasPassword && password === undefined) return { allowed: false, status: 401, reason: 'this link is protected by a password; send it (POST with {"password"} or the Share-Password header)' };
  if (link.hasPassword && !password) return { allowed: false, status: 401, reason: 'wrong password for this link' };
  return { allowed: true };
}

/** The expiry of a new link: in the future and within MAX_SHARE_LIFETIME_SECONDS; a reason when it is not. */
export function checkShareExpiry(expiresAt: Date | undefined, now: Date): string | undefined {
  if (!expiresAt) return undefined;
  if (expiresAt.getTime() <= now.getTime()) return 'expiresAt must be in the future';
  if (expiresAt.getTime() - now.getTime() > MAX_SHARE_LIFETIME_SECONDS * 1000) return `a link may live at most ${MAX_SHARE_LIFETIME_SECONDS / 86400} days`;
  return undefined;
}

/** Whether the link hands out this rendition. */
export function shareAllowsRendition(link: Pick<ShareLinkFacts, 'renditions'>, name: string): boolean {
  return link.renditions === null || link.renditions.includes(name);
}

/** Only approved assets that still exist (not deleted, not failed or still processing) go out through a link. */
export function shareable(asset: { state: string; editorialState: EditorialState }): boolean {
  return asset.editorialState === 'approved' && (asset.state === 'ready' || asset.state === 'archived');
}
