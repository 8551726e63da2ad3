// The audit log over HTTP: a middleware that records the asset routes' reads and changes (domain/audit.ts says
// which), the helper collections and share links record through, and GET /projects/:id/audit for admins.
// Entries are their own append-only table (db/audit.ts), not a projection of the event log: reads, downloads and
// share-link accesses change nothing and have no event, and the log must keep the caller's address.
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import * as v from 'valibot';
import { findAsset } from '../../shared/db/assets.ts';
import { appendAudit, appendAuditUnlessSince, pruneAudit, queryAudit } from '../../shared/db/audit.ts';
import { AUDIT_ACTIONS, type AuditAction, auditCutoff, auditedRequest, readRecordedSince } from '../../shared/domain/audit.ts';
import { projectsWhere } from '../../shared/domain/permissions.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { badRequest, forbidden } from '../../shared/http/problem.ts';
import { clientIp } from '../../shared/http/rate-limit.ts';
import { Instant, ProjectId, commaList, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';

export interface AuditRecord {
  projectId: string;
  action: AuditAction;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
  /** the caller's subject unless given (a share link records `share:<id>`) */
  actor?: string;
  via?: 'api' | 'share-link';
}

/**
 * Writes one entry for the request in `c` (its caller and address); an asset read only when the caller's last
 * read of it is older than AUDIT_READ_INTERVAL (readRecordedSince).
 */
export async function recordAudit(c: Context<AppEnv>, platform: Platform, record: AuditRecord): Promise<void> {
  const now = new Date();
  const entry = {
    project_id: record.projectId,
    occurred_at: now,
    actor: record.actor ?? c.get('principal')?.subject ?? 'anonymous',
    via: record.via ?? 'api',
    action: record.action,
    target_type: record.targetType,
    target_id: record.targetId,
    address: clientIp(c, platform.config.rateLimits.trustedProxyHops) ?? null,
    details: record.details ?? {},
  };
  const since = readRecordedSince(record.action, now, platform.config.auditReadIntervalSeconds);
  if (since) await appendAuditUnlessSince(platform.db, entry, since);
  else await appendAudit(platform.db, [entry]);
  pruneNowAndThen(platform);
}

const PRUNE_EVERY_MS = 3600_000;
const lastPruned = new WeakMap<Platform, number>();

/** At most once an hour per process, entries past AUDIT_RETENTION leave (in the background). */
function pruneNowAndThen(platform: Platform): void {
  const now = Date.now();
  if (now - (lastPruned.get(platform) ?? 0) < PRUNE_EVERY_MS) return;
  lastPruned.set(platform, now);
  const cutoff = auditCutoff(new Date(now), platform.config.auditRetentionSeconds);
  if (!cutoff) return;
  pruneAudit(platform.db, cutoff).catch((err) => platform.logger.warn({ err }, 'pruning the audit log failed'));
}

/**
 * Records the asset routes' successful reads and changes after they answered. A failure to record is logged,
 * not answered: the change itself is committed (and in the asset's history) by then.
 */
export function auditTrail(platform: Platform): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const audited = auditedRequest(c.req.method, routePath(c), c.res.status);
    const principal = c.get('principal');
    if (!audited || !principal) return;
    try {
      const id = c.req.param('id')!;
      const projectId = audited.target === 'project' ? id : await projectOfAnswer(c);
      if (!projectId) return;
      const details: Record<string, unknown> = {};
      if (audited.action === 'asset.transitioned' || audited.action === 'asset.edited') Object.assign(details, await answerFields(c, ['editorialState', 'version']));
      if (audited.action === 'asset.label-decided') details.label = c.req.param('label');
      await recordAudit(c, platform, { projectId, action: audited.action, targetType: audited.target, targetId: id, details });
    } catch (err) {
      platform.logger.error({ err, path: c.req.path }, 'writing the audit log failed');
    }
  };

  async function projectOfAnswer(c: Context<AppEnv>): Promise<string | undefined> {
    const fields = await answerFields(c, ['projectId']);
    if (typeof fields.projectId === 'string') return fields.projectId;
    // answers without a body (204 on delete): the asset's project from the database
    return (await findAsset(platform.db, c.req.param('id')!))?.project_id;
  }
}

async function answerFields(c: Context<AppEnv>, names: string[]): Promise<Record<string, unknown>> {
  if (!c.res.headers.get('content-type')?.includes('json')) return {};
  const body = (await c.res.clone().json().catch(() => ({}))) as Record<string, unknown>;
  return Object.fromEntries(names.filter((name) => body[name] !== undefined).map((name) => [name, body[name]]));
}

export const AuditQueryParams = v.object({
  actor: v.optional(userText(300)),
  action: commaList(v.picklist(AUDIT_ACTIONS, `actions are ${AUDIT_ACTIONS.join(', ')}`)),
  targetId: v.optional(userText(300)),
  via: v.optional(v.picklist(['api', 'share-link'], 'via is api or share-link')),
  from: v.optional(Instant),
  to: v.optional(Instant),
  limit: v.pipe(v.optional(v.string(), '50'), v.transform(Number), v.integer('limit must be an integer'), v.minValue(1), v.maxValue(500)),
  cursor: v.optional(v.pipe(v.string(), v.regex(/^\d{1,19}$/, 'cursor is the nextCursor of a previous page'))),
});

/** GET /audit: the projects to read, among those the caller administers (all of them unless named). */
export const AuditAcrossProjectsParams = v.object({ ...AuditQueryParams.entries, projectId: commaList(ProjectId) });

export function auditRoutes(app: Hono<AppEnv>, platform: Platform): void {
  app.get('/projects/:id/audit', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'audit:read', projectId, 'project');
    return c.json(await auditPage(platform, [projectId], parseOrProblem(AuditQueryParams, c.req.query(), 'audit query')));
  });

  app.get('/audit', async (c) => {
    const params = parseOrProblem(AuditAcrossProjectsParams, c.req.query(), 'audit query');
    for (const projectId of params.projectId ?? []) authorize(c, 'audit:read', projectId, 'project');
    const projectIds = params.projectId ?? projectsWhere(c.get('principal'), 'audit:read');
    if (projectIds.length === 0) throw forbidden('reading the audit log needs the admin role in a project');
    return c.json(await auditPage(platform, projectIds, params));
  });
}

async function auditPage(platform: Platform, projectIds: string[], params: v.InferOutput<typeof AuditQueryParams>) {
  if (params.from && params.to && params.from >= params.to) throw badRequest('from must be before to');
  const rows = await queryAudit(platform.db, { projectIds, actor: params.actor, action: params.action, targetId: params.targetId, via: params.via, from: params.from, to: params.to, beforeId: params.cursor, limit: params.limit + 1 });
  const page = rows.slice(0, params.limit);
  return {
    entries: page.map((row) => ({
      id: String(row.id),
      projectId: row.project_id,
      occurredAt: new Date(row.occurred_at).toISOString(),
      actor: row.actor,
      via: row.via,
      action: row.action,
      targetType: row.target_type,
      targetId: row.target_id,
      address: row.address,
      details: row.details,
    })),
    nextCursor: rows.length > params.limit ? String(page[page.length - 1]!.id) : undefined,
  };
}
