// The audit log: what is recorded and how an API request maps to an audit action. Pure; the records are written
// by db/audit.ts. Collections and share links write their own entries where they act (with their details); the
// asset routes are recorded by a middleware through auditedRequest below.

export const AUDIT_ACTIONS = [
  'asset.read',
  'asset.edited',
  'asset.transitioned',
  'asset.deleted',
  'asset.reprocessed',
  'asset.label-decided',
  'asset.restored',
  'asset.purged',
  'asset.version-started',
  'asset.reverted',
  'project.settings-changed',
  'project.schema-changed',
  'project.trash-purged',
  'project.rebuilt',
  'project.metadata-exported',
  'project.metadata-imported',
  'collection.created',
  'collection.renamed',
  'collection.deleted',
  'collection.assets-added',
  'collection.assets-removed',
  'collection.asset-moved',
  'share.created',
  'share.revoked',
  'share.opened',
  'share.refused',
  'share.downloaded',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/** Asset API routes (method and Hono route path) and the action a successful call records. */
const AUDITED_ROUTES: Record<string, { action: AuditAction; target: 'asset' | 'project' }> = {
  'GET /assets/:id': { action: 'asset.read', target: 'asset' },
  'PATCH /assets/:id': { action: 'asset.edited', target: 'asset' },
  'DELETE /assets/:id': { action: 'asset.deleted', target: 'asset' },
  'POST /assets/:id/transitions': { action: 'asset.transitioned', target: 'asset' },
  'POST /assets/:id/reprocess': { action: 'asset.reprocessed', target: 'asset' },
  'PUT /assets/:id/labels/:label': { action: 'asset.label-decided', target: 'asset' },
  'POST /assets/:id/restore': { action: 'asset.restored', target: 'asset' },
  'POST /assets/:id/purge': { action: 'asset.purged', target: 'asset' },
  'POST /assets/:id/versions': { action: 'asset.version-started', target: 'asset' },
  'POST /assets/:id/versions/:n/revert': { action: 'asset.reverted', target: 'asset' },
  'PUT /projects/:id/settings': { action: 'project.settings-changed', target: 'project' },
  'PUT /projects/:id/schema': { action: 'project.schema-changed', target: 'project' },
  'POST /projects/:id/trash/purge-due': { action: 'project.trash-purged', target: 'project' },
  'POST /projects/:id/rebuild': { action: 'project.rebuilt', target: 'project' },
};

/** The audit action of an answered request, or undefined when it is not audited (or did not succeed). */
export function auditedRequest(method: string, routePath: string, status: number): { action: AuditAction; target: 'asset' | 'project' } | undefined {
  if (status < 200 || status >= 300) return undefined;
  return AUDITED_ROUTES[`${method.toUpperCase()} ${routePath}`];
}

/**
 * A caller's read of an asset is recorded unless the same caller's read of it was recorded after this instant:
 * a client polling an asset leaves one entry per interval, not one per poll. Undefined (interval 0): every read.
 * Changes and the other actions are always recorded.
 */
export function readRecordedSince(action: AuditAction, now: Date, intervalSeconds: number): Date | undefined {
  if (action !== 'asset.read' || intervalSeconds <= 0) return undefined;
  return new Date(now.getTime() - intervalSeconds * 1000);
}

/** Entries older than this instant are pruned (retention in seconds; 0 keeps everything). */
export function auditCutoff(now: Date, retentionSeconds: number): Date | undefined {
  if (retentionSeconds <= 0) return undefined;
  return new Date(now.getTime() - retentionSeconds * 1000);
}
