// distribute: gets approved assets out. Channels per project (admins; credentials encrypted at rest and never
// answered), publications per asset version and channel (producers; exactly once, embargo with `at`, retract,
// redrive of dead letters) and publishing rules evaluated on approval. The delivery worker
// (shared/distribution/worker.ts: distribute-worker, or in-process in the dev host) runs each publication through its
// channel's bulkhead, breaker and timeout.
import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import { findAsset } from '../../shared/db/assets.ts';
import { findCollection } from '../../shared/db/collections.ts';
import { changeRule, createChannel, createRule, deleteChannel, findChannel, findChannels, findPublication, findRule, listChannels, listPublications, listRules, publicationsOfAsset, ruleVersions, updateChannel } from '../../shared/db/distribution.ts';
import { currentSchema } from '../../shared/db/metadata-schemas.ts';
import type { Asset, ChannelRow, DistributionRule, Publication, PublicationState } from '../../shared/db/schema.ts';
import { allFields } from '../../shared/domain/metadata-schema.ts';
import { projectsWhere } from '../../shared/domain/permissions.ts';
import { channelProblems } from '../../shared/distribution/adapters/index.ts';
import { CHANNEL_TYPES, type ChannelType } from '../../shared/distribution/channel.ts';
import { PublishRefused, RIGHTS_EXPIRED, publish, publishAll, publishProblem, redrive, retract, rulesMatching } from '../../shared/distribution/publish.ts';
import { type RuleMatch, fieldConditionIssues } from '../../shared/distribution/rules.ts';
import { secretBoxOf } from '../../shared/distribution/secrets.ts';
import { type DistributionWorker, channelSettings } from '../../shared/distribution/worker.ts';
import type { EventHandlers } from '../../shared/events/handle.ts';
import { authorize } from '../../shared/http/access.ts';
import { type AppEnv, createFunctionApp, requireAuth } from '../../shared/http/app.ts';
import { acceptEvents } from '../../shared/http/events.ts';
import { Problem, badRequest, conflict, notFound } from '../../shared/http/problem.ts';
import { Instant, ProjectId, jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';

/** delivering ones are left to the settle, which sees the expiry (settleDeliveries) */
const RETRACTED_ON_RIGHTS_EXPIRY: PublicationState[] = ['scheduled', 'pending', 'delivered'];
const PUBLICATION_STATES: PublicationState[] = ['scheduled', 'pending', 'delivering', 'delivered', 'failed', 'retracting', 'retracted'];
const RenditionNames = v.pipe(v.array(v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,40}$/, 'a rendition name (original, preview, proxy, poster…)'))), v.maxLength(20));
const Settings = v.strictObject({
  timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(6 * 3600 * 1000))),
  maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
  retryBaseMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(3600 * 1000))),
  retryMaxMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(24 * 3600 * 1000))),
  concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64))),
  breakerThreshold: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
  breakerHalfOpenMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(24 * 3600 * 1000))),
});
const ChannelName = v.pipe(userText(100), v.minLength(1, 'name is required'));
export const NewChannel = v.object({
  name: ChannelName,
  type: v.picklist(CHANNEL_TYPES, `type is one of ${CHANNEL_TYPES.join(', ')}`),
  target: v.record(v.string(), v.unknown()),
  credentials: v.record(v.string(), v.unknown()),
  renditions: v.optional(RenditionNames, ['original']),
  settings: v.optional(Settings, {}),
});
export const ChannelPatch = v.object({ name: v.optional(ChannelName), target: v.optional(v.record(v.string(), v.unknown())), credentials: v.optional(v.record(v.string(), v.unknown())), renditions: v.optional(RenditionNames), settings: v.optional(Settings) });
export const NewPublication = v.object({ channelId: v.pipe(v.string(), v.uuid('channelId is a channel id')), at: v.optional(Instant), renditions: v.optional(RenditionNames) });
const Day = v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, 'a date bound is YYYY-MM-DD'), v.isoDate('a date bound is a calendar date'));
const Bound = v.union([v.pipe(v.number(), v.finite()), Day], 'min and max are numbers or dates (YYYY-MM-DD)');
/** A condition on a schema field (shared/distribution/rules.ts); its name is checked against the project's schema. */
const FieldCondition = v.pipe(
  v.strictObject({
    name: v.pipe(v.string(), v.regex(/^[a-z][a-zA-Z0-9_]{0,62}$/, 'a field name from the project\'s metadata schema')),
    values: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(2000))), v.minLength(1), v.maxLength(100))),
    min: v.optional(Bound),
    max: v.optional(Bound),
  }),
  v.check((c) => c.values !== undefined || c.min !== undefined || c.max !== undefined, 'a field condition has values, min or max'),
  v.check((c) => c.min === undefined || c.max === undefined || typeof c.min === typeof c.max, 'min and max are both numbers or both dates'),
);
export const RuleBody = v.object({
  name: ChannelName,
  match: v.optional(v.strictObject({
    mediaTypes: v.optional(v.array(v.picklist(['image', 'video', 'audio', 'document']))),
    tags: v.optional(v.array(v.string())),
    labels: v.optional(v.array(v.string())),
    fields: v.optional(v.pipe(v.array(FieldCondition), v.maxLength(20, 'at most 20 field conditions'))),
    collections: v.optional(v.pipe(v.array(v.pipe(v.string(), v.uuid('collections lists collection ids'))), v.minLength(1), v.maxLength(50))),
  }), {}),
  channelIds: v.pipe(v.array(v.pipe(v.string(), v.uuid())), v.minLength(1, 'a rule publishes to one channel or more')),
  delayMinutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(60 * 24 * 365)), 0),
  enabled: v.optional(v.boolean(), true),
});
export const PublicationQuery = v.object({
  channel: v.optional(v.pipe(v.string(), v.uuid('channel is a channel id'))),
  status: v.optional(v.pipe(v.string(), v.transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)), v.array(v.picklist(PUBLICATION_STATES, `status is a comma list of ${PUBLICATION_STATES.join(', ')}`)))),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'limit is a number'), v.transform(Number), v.minValue(1), v.maxValue(500)), '100'),
  cursor: v.optional(v.pipe(v.string(), v.regex(/^[^|]+\|[0-9a-f-]{36}$/, 'cursor comes from nextCursor'))),
});

export interface DistributeAppOptions {
  /** an in-process worker to wake when work is added (the dev host's, a test's); apart, distribute-worker polls */
  worker?: DistributionWorker;
  /** the clock embargoes are read against (tests) */
  now?: () => Date;
}

export function createApp(platform: Platform, options: DistributeAppOptions = {}): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'distribute');
  const secrets = secretBoxOf(platform.config);
  const now = options.now ?? (() => new Date());
  const work = () => { options.worker?.wake(); platform.outboxWritten(); };

  for (const path of ['/projects/:id/channels', '/projects/:id/channels/*', '/projects/:id/distribution-rules', '/projects/:id/distribution-rules/*', '/assets/:id/publications', '/assets/:id/publications/*', '/publications', '/publications/*']) {
    app.use(path, requireAuth(platform));
  }

  // Channels (admins)
  app.get('/projects/:id/channels', async (c) => {
    const projectId = adminOf(c);
    return c.json({ channels: (await listChannels(platform.db, projectId)).map((ch) => describeChannel(platform, ch)) });
  });

  app.post('/projects/:id/channels', async (c) => {
    const projectId = adminOf(c);
    const input = parseOrProblem(NewChannel, await jsonBody(c.req.raw), 'channel');
    const problems = channelProblems(input.type, input.target, input.credentials, platform.config.distribution.network);
    if (problems.length) throw badRequest(`the ${input.type} channel is not usable: ${problems.join('; ')}`, { problems });
    const created = await createChannel(platform.db, { id: randomUUID(), project_id: projectId, name: input.name, type: input.type, target: input.target, credentials: secrets.encrypt(input.credentials), renditions: input.renditions, settings: input.settings as Record<string, number> });
    if (!created) throw conflict(`project ${projectId} already has a channel named ${JSON.stringify(input.name)}`);
    return c.json(describeChannel(platform, created), 201);
  });

  app.patch('/projects/:id/channels/:channelId', async (c) => {
    const channel = await channelOf(c);
    const patch = parseOrProblem(ChannelPatch, await jsonBody(c.req.raw), 'channel');
    const target = patch.target ?? (channel.target as Record<string, unknown>);
    const credentials = patch.credentials ?? secrets.decrypt(channel.credentials);
    const problems = channelProblems(channel.type as ChannelType, target, credentials, platform.config.distribution.network);
    if (problems.length) throw badRequest(`the ${channel.type} channel would not be usable: ${problems.join('; ')}`, { problems });
    const version = versionFromIfMatch(c.req.header('if-match')) ?? channel.version;
    const updated = await updateChannel(platform.db, channel.id, version, {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.target !== undefined && { target }),
      ...(patch.credentials !== undefined && { credentials: secrets.encrypt(credentials) }),
      ...(patch.renditions !== undefined && { renditions: patch.renditions }),
      ...(patch.settings !== undefined && { settings: { ...(channel.settings as Record<string, number>), ...(patch.settings as Record<string, number>) } }),
    }).catch((error) => { if (/channels_project_name|unique/i.test(String(error))) throw conflict(`another channel is named ${JSON.stringify(patch.name)}`); throw error; });
    if (!updated) throw new Problem(412, 'Precondition Failed', `the channel changed since version ${version}; read it again`);
    return c.json(describeChannel(platform, updated));
  });

  app.delete('/projects/:id/channels/:channelId', async (c) => {
    const channel = await channelOf(c);
    if (!(await deleteChannel(platform.db, channel.id))) throw conflict('the channel has publications delivered or in flight: retract them first');
    return c.body(null, 204);
  });

  // Rules (admins): versioned, every change kept with who made it
  app.get('/projects/:id/distribution-rules', async (c) => c.json({ rules: (await listRules(platform.db, adminOf(c))).map(describeRule) }));

  app.post('/projects/:id/distribution-rules', async (c) => {
    const projectId = adminOf(c);
    const input = parseOrProblem(RuleBody, await jsonBody(c.req.raw), 'rule');
    await channelsInProject(projectId, input.channelIds);
    await matchFitsProject(projectId, input.match);
    const rule = await createRule(platform.db, randomUUID(), projectId, ruleInput(input), c.get('principal').subject);
    return c.json(describeRule(rule), 201);
  });

  app.put('/projects/:id/distribution-rules/:ruleId', async (c) => {
    const rule = await ruleOf(c);
    const input = parseOrProblem(RuleBody, await jsonBody(c.req.raw), 'rule');
    await channelsInProject(rule.project_id, input.channelIds);
    await matchFitsProject(rule.project_id, input.match);
    const version = versionFromIfMatch(c.req.header('if-match')) ?? rule.version;
    const changed = await changeRule(platform.db, rule.id, version, ruleInput(input), c.get('principal').subject);
    if (!changed) throw new Problem(412, 'Precondition Failed', `the rule changed since version ${version}; read it again`);
    return c.json(describeRule(changed));
  });

  app.delete('/projects/:id/distribution-rules/:ruleId', async (c) => {
    const rule = await ruleOf(c);
    if (!(await changeRule(platform.db, rule.id, rule.version, 'deleted', c.get('principal').subject))) throw new Problem(412, 'Precondition Failed', 'the rule changed meanwhile; read it again');
    return c.body(null, 204);
  });

  app.get('/projects/:id/distribution-rules/:ruleId/versions', async (c) => {
    const rule = await ruleOf(c);
    return c.json({ ruleId: rule.id, versions: (await ruleVersions(platform.db, rule.id)).map((r) => ({ version: r.version, data: r.data, actor: r.actor, changedAt: r.changed_at })) });
  });

  // Publications
  app.post('/assets/:id/publications', async (c) => {
    const asset = await assetOf(c, 'asset:publish');
    const input = parseOrProblem(NewPublication, await jsonBody(c.req.raw), 'publication');
    const channel = await findChannel(platform.db, input.channelId);
    if (!channel || channel.project_id !== asset.project_id) throw badRequest(`channel ${input.channelId} is not a channel of project ${asset.project_id}`);
    try {
      const { publication, created } = await publish(platform.db, asset, channel, { at: input.at ? new Date(input.at) : undefined, renditions: input.renditions, actor: c.get('principal').subject, now: now() });
      if (created) work();
      return c.json(describePublication(publication, channel), created ? 201 : 200);
    } catch (error) {
      if (error instanceof PublishRefused) throw conflict(error.message);
      throw error;
    }
  });

  app.get('/assets/:id/publications', async (c) => {
    const asset = await assetOf(c, 'asset:read');
    return c.json({ assetId: asset.id, publications: (await publicationsOfAsset(platform.db, asset.id)).map((p) => describePublication(p, { name: p.channel_name, type: p.channel_type })) });
  });

  app.delete('/assets/:id/publications/:publicationId', async (c) => {
    const asset = await assetOf(c, 'asset:publish');
    const publication = await findPublication(platform.db, c.req.param('publicationId'));
    if (!publication || publication.asset_id !== asset.id) throw notFound('publication not found');
    if (publication.state === 'retracted' || publication.state === 'retracting') return c.json(await publicationWithChannel(publication), 202);
    const retracted = await retract(platform.db, publication, c.get('principal').subject, 'retracted by request', now());
    if (!retracted) throw conflict(`the publication is ${publication.state}; retract it once the delivery in progress settles`);
    work();
    return c.json(await publicationWithChannel(retracted), 202);
  });

  app.get('/publications', async (c) => {
    const query = parseOrProblem(PublicationQuery, c.req.query(), 'query');
    const [createdAt, id] = query.cursor ? query.cursor.split('|') as [string, string] : [];
    const rows = await listPublications(platform.db, { projectIds: projectsWhere(c.get('principal'), 'asset:read'), channelId: query.channel, states: query.status, after: createdAt && id ? { createdAt, id } : undefined, limit: query.limit });
    const last = rows.at(-1);
    return c.json({ publications: rows.map((p) => describePublication(p, { name: p.channel_name, type: p.channel_type })), nextCursor: rows.length === query.limit && last ? `${last.listed_at}|${last.id}` : null });
  });

  app.post('/publications/:id/redrive', async (c) => {
    const publication = await findPublication(platform.db, c.req.param('id'));
    if (!publication) throw notFound('publication not found');
    authorize(c, 'asset:publish', publication.project_id, 'publication');
    const redriven = await redrive(platform.db, publication, c.get('principal').subject, now());
    if (!redriven) throw conflict(`only a failed (dead-lettered) publication can be redriven; this one is ${publication.state}`);
    work();
    return c.json(await publicationWithChannel(redriven), 202);
  });

  // Rules run on approval: an approved asset that matches is published to the rule's channels (after its delay).
  const handlers: EventHandlers = {
    'io.mediateca.asset.editorial.approved': async (event) => {
      const asset = await findAsset(platform.db, event.data.assetId);
      if (!asset || publishProblem(asset, now())) return;
      const rules = await rulesMatching(platform.db, await listRules(platform.db, asset.project_id, { enabledOnly: true }), asset);
      const at = now();
      // every channel the matching rules name, in one transaction (one commit per approval)
      const targets: Parameters<typeof publishAll>[2] = [];
      const channels = new Map((await findChannels(platform.db, asset.project_id, rules.flatMap((rule) => rule.channel_ids))).map((channel) => [channel.id, channel]));
      for (const rule of rules) {
        for (const channelId of rule.channel_ids) {
          const channel = channels.get(channelId);
          if (!channel) continue;
          targets.push({ channel, request: { at: new Date(at.getTime() + rule.delay_minutes * 60_000), actor: `rule:${rule.id}`, ruleId: rule.id, now: at } });
        }
      }
      for (const answer of await publishAll(platform.db, asset, targets)) {
        if (answer.refused) platform.logger.warn({ channel: answer.channel.name, asset: asset.id, reason: answer.refused }, 'a rule matched but the asset cannot go to this channel');
      }
      if (rules.length) work();
    },
  };
  // Rights expiry retracts every live publication of the asset (every version): what never went out is cancelled, what
  // went out is removed from its channel by the worker. A delivery in progress is retracted when it settles (the
  // settle reads the asset's rights, settleDeliveries); a redelivered event finds nothing left to retract.
  handlers['io.mediateca.asset.rights-expired'] = async (event) => {
    let retracted = 0;
    for (const publication of await publicationsOfAsset(platform.db, event.data.assetId)) {
      if (!RETRACTED_ON_RIGHTS_EXPIRY.includes(publication.state)) continue;
      if (await retract(platform.db, publication, 'rights-expiry', RIGHTS_EXPIRED, now())) retracted++;
    }
    if (retracted) work();
  };
  acceptEvents(app, platform, 'distribute', handlers);

  function adminOf(c: Context<AppEnv>): string {
    const projectId = parseOrProblem(ProjectId, c.req.param('id'), 'project id');
    authorize(c, 'project:admin', projectId, 'project');
    return projectId;
  }

  async function channelOf(c: Context<AppEnv>): Promise<ChannelRow> {
    const projectId = adminOf(c);
    const channel = await findChannel(platform.db, c.req.param('channelId')!);
    if (!channel || channel.project_id !== projectId) throw notFound('channel not found');
    return channel;
  }

  async function ruleOf(c: Context<AppEnv>): Promise<DistributionRule> {
    const projectId = adminOf(c);
    const rule = await findRule(platform.db, c.req.param('ruleId')!);
    if (!rule || rule.project_id !== projectId) throw notFound('rule not found');
    return rule;
  }

  async function channelsInProject(projectId: string, ids: string[]): Promise<void> {
    for (const id of ids) {
      const channel = await findChannel(platform.db, id);
      if (!channel || channel.project_id !== projectId) throw badRequest(`channel ${id} is not a channel of project ${projectId}`);
    }
  }

  /** the fields a rule reads exist in the project's schema (and are bounded by their kind); its collections are the project's */
  async function matchFitsProject(projectId: string, match: RuleMatch): Promise<void> {
    if (match.fields?.length) {
      const issues = fieldConditionIssues(match.fields, allFields(await currentSchema(platform.db, projectId)));
      if (issues.length) throw badRequest(`match.fields: ${issues.map((issue) => `${issue.field} ${issue.reason}`).join('; ')}`, { issues: issues.map((issue) => ({ path: `match.fields.${issue.field}`, message: issue.reason, field: issue.field })) });
    }
    for (const id of match.collections ?? []) {
      const collection = await findCollection(platform.db, id);
      if (!collection || collection.project_id !== projectId) throw badRequest(`match.collections: ${id} is not a collection of project ${projectId}`);
    }
  }

  async function assetOf(c: Context<AppEnv>, action: 'asset:read' | 'asset:publish'): Promise<Asset> {
    const asset = await findAsset(platform.db, c.req.param('id')!);
    if (!asset || asset.deleted_at) throw notFound('asset not found');
    authorize(c, action, asset.project_id, 'asset');
    return asset;
  }

  async function publicationWithChannel(publication: Publication) {
    const channel = await findChannel(platform.db, publication.channel_id);
    return describePublication(publication, { name: channel?.name ?? '', type: channel?.type ?? '' });
  }

  return app;
}

function describeChannel(platform: Platform, channel: ChannelRow) {
  return {
    id: channel.id,
    projectId: channel.project_id,
    name: channel.name,
    type: channel.type,
    target: channel.target,
    renditions: channel.renditions,
    settings: channelSettings(platform.config.distribution, channel),
    // the credentials are never answered, only which key seals them
    credentials: { set: true, keyId: channel.credentials.split('.')[0] },
    breaker: { state: channel.breaker_state, changedAt: channel.breaker_changed_at },
    version: channel.version,
    createdAt: channel.created_at,
    updatedAt: channel.updated_at,
  };
}

function describePublication(p: Publication, channel: { name: string; type: string }) {
  return {
    id: p.id,
    assetId: p.asset_id,
    assetVersion: p.asset_version,
    projectId: p.project_id,
    channel: { id: p.channel_id, name: channel.name, type: channel.type },
    state: p.state,
    at: p.not_before,
    renditions: p.renditions,
    attempts: p.attempts,
    lastError: p.last_error,
    nextAttemptAt: p.state === 'pending' || p.state === 'scheduled' || p.state === 'retracting' ? p.due_at : null,
    externalId: p.external_id,
    externalUrl: p.external_url,
    idempotencyKey: p.idempotency_key,
    requestedBy: p.requested_by,
    ruleId: p.rule_id,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
    deliveredAt: p.delivered_at,
    retractedAt: p.retracted_at,
  };
}

function describeRule(rule: DistributionRule) {
  return { id: rule.id, projectId: rule.project_id, name: rule.name, match: rule.match, channelIds: rule.channel_ids, delayMinutes: rule.delay_minutes, enabled: rule.enabled, version: rule.version, createdAt: rule.created_at, updatedAt: rule.updated_at };
}

function ruleInput(input: v.InferOutput<typeof RuleBody>) {
  return { name: input.name, match: input.match, channel_ids: input.channelIds, delay_minutes: input.delayMinutes, enabled: input.enabled };
}

function versionFromIfMatch(header: string | undefined): number | undefined {
  const match = /^"?(\d+)"?$/.exec(header?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}
