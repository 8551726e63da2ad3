// assets: list assets (listing.ts); read an asset with its metadata, renditions and short-lived download URLs;
// edit descriptive fields (optimistic concurrency via If-Match); editorial transitions; history; reprocess (admin);
// soft delete; project settings. Viewers see approved assets only, unless their project's settings open the rest.
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import { reclusterFaces } from '../../shared/ai/vision/face-clusters.ts';
import { spanishLabel } from '../../shared/ai/vision/labels.ts';
import { ConcurrentModification, assetHistory, changeAsset, findAsset, getMetadata, listRenditions } from '../../shared/db/assets.ts';
import { publicationHistory } from '../../shared/db/distribution.ts';
import { decideLabel, listFaces, listLabels, removeAssetFaces } from '../../shared/db/enrichment.ts';
import { approvedOnlyProjects, projectSettings, updateProjectSettings } from '../../shared/db/projects.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { canTransition } from '../../shared/domain/asset.ts';
import { EDITORIAL_STATES, MAX_REASON_LENGTH, type TransitionDecision, decideTransition } from '../../shared/domain/editorial.ts';
import { EVENT_SOURCE, editorialEventType } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { type AppEnv, createFunctionApp, requireAuth } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { Problem, badRequest, conflict, forbidden, notFound } from '../../shared/http/problem.ts';
import { Tags, jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { assetSummary, listingRoutes } from './listing.ts';
import { personRoutes } from './people.ts';
import { thumbnailRoutes, thumbnailsUrl } from './thumbnails.ts';

const EditAsset = v.pipe(
  v.strictObject({
    title: v.optional(v.pipe(userText(500), v.trim(), v.minLength(1))),
    description: v.optional(userText(20000)),
    tags: v.optional(Tags),
  }),
  v.check((edit) => Object.keys(edit).length > 0, 'nothing to change: send title, description or tags'),
);

const EditorialTransition = v.strictObject({
  to: v.picklist(EDITORIAL_STATES, `to must be one of ${EDITORIAL_STATES.join(', ')}`),
  reason: v.optional(userText(MAX_REASON_LENGTH)),
});

const LabelDecision = v.strictObject({ status: v.picklist(['accepted', 'rejected', 'suggested'], 'status must be accepted, rejected or suggested') });

const ProjectSettingsInput = v.strictObject({
  /** adaptive streaming ladder (360p + 720p) for this project's videos */
  hls: v.optional(v.boolean()),
  /** viewers see every editorial state (otherwise approved assets only) */
  viewersSeeUnapproved: v.optional(v.boolean()),
});

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'assets');
  thumbnailRoutes(app, platform);
  app.use('/assets/*', requireAuth(platform));
  app.use('/projects/*', requireAuth(platform));
  app.use('/persons/*', requireAuth(platform)); // also matches /persons itself
  personRoutes(app, platform);
  listingRoutes(app, platform);

  app.get('/projects/:id/settings', async (c) => {
    authorize(c, 'asset:read', c.req.param('id'), 'project');
    return c.json(await projectSettings(platform.db, c.req.param('id')));
  });

  app.put('/projects/:id/settings', async (c) => {
    authorize(c, 'project:admin', c.req.param('id'), 'project');
    const settings = parseOrProblem(ProjectSettingsInput, await jsonBody(c.req.raw), 'project settings');
    await updateProjectSettings(platform.db, c.req.param('id'), settings);
    return c.json(settings);
  });

  app.get('/assets/:id', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:read');
    c.header('ETag', `"${asset.version}"`);
    return c.json(await describeAsset(platform, asset));
  });

  app.get('/assets/:id/history', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:read');
    const [events, publications] = await Promise.all([assetHistory(platform.db, asset.id), publicationHistory(platform.db, asset.id)]);
    return c.json({
      assetId: asset.id,
      events: events.map((e) => ({ version: e.version, type: e.type, actor: e.actor, data: e.data, occurredAt: e.occurred_at })),
      // distribution: every publication's transitions (requested, delivering, delivered, failed, retracted…)
      publications: publications.map((e) => ({ publicationId: e.publication_id, channel: e.channel_name, assetVersion: e.asset_version, from: e.from_state, to: e.to_state, reason: e.reason, attempt: e.attempt, actor: e.actor, occurredAt: e.occurred_at })),
    });
  });

  app.patch('/assets/:id', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:edit');
    const edit = parseOrProblem(EditAsset, await jsonBody(c.req.raw), 'edit');
    const expectedVersion = versionFromIfMatch(c.req.header('if-match')) ?? asset.version;
    if (expectedVersion !== asset.version) throw preconditionFailed(asset);
    const updated = await write(() => changeAsset(platform.db, asset, {
      expectedVersion,
      set: edit,
      history: { type: 'edited', actor: c.get('principal').subject, data: { before: pick(asset, Object.keys(edit)), after: edit } },
      events: (version) => [newEvent('io.mediateca.asset.updated', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version, fields: Object.keys(edit) }, asset.id)],
    }), asset);
    platform.outboxWritten();
    c.header('ETag', `"${updated.version}"`);
    return c.json(await describeAsset(platform, updated));
  });

  // draft → in_review → approved → archived, rejected back to draft: the domain decides, the repository writes the
  // new state, its history and the transition's event in one transaction.
  app.post('/assets/:id/transitions', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:read');
    const { to, reason } = parseOrProblem(EditorialTransition, await jsonBody(c.req.raw), 'transition');
    const expectedVersion = versionFromIfMatch(c.req.header('if-match')) ?? asset.version;
    if (expectedVersion !== asset.version) throw preconditionFailed(asset);
    const principal = c.get('principal');
    const decision = decideTransition({ asset: { projectId: asset.project_id, state: asset.state, editorialState: asset.editorial_state }, to, reason, principal });
    if (!decision.ok) throw refusal(decision);
    const moved = { from: decision.from, to: decision.to, ...(decision.reason ? { reason: decision.reason } : {}) };
    const updated = await write(() => changeAsset(platform.db, asset, {
      expectedVersion,
      set: { editorial_state: decision.to },
      history: { type: 'editorial-transition', actor: principal.subject, data: moved },
      events: (version) => [newEvent(editorialEventType(decision.to), EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version, ...moved }, asset.id)],
    }), asset);
    platform.outboxWritten();
    c.header('ETag', `"${updated.version}"`);
    return c.json(await describeAsset(platform, updated));
  });

  // An editor's word on a model's suggestion: accepted labels stay, rejected ones leave search; both are history.
  app.put('/assets/:id/labels/:label', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:edit');
    const label = parseOrProblem(userText(100), c.req.param('label'), 'label');
    const { status } = parseOrProblem(LabelDecision, await jsonBody(c.req.raw), 'label decision');
    const actor = c.get('principal').subject;
    const decided = await decideLabel(platform.db, asset.id, label, status, actor);
    if (!decided) throw notFound(`asset has no label "${label}"`);
    await write(() => changeAsset(platform.db, asset, {
      expectedVersion: asset.version,
      set: {},
      history: { type: 'label-decided', actor, data: { label, status } },
      events: (version) => [newEvent('io.mediateca.asset.updated', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version, fields: ['labels'] }, asset.id)],
    }), asset);
    platform.outboxWritten();
    return c.json(describeLabel(decided));
  });

  app.post('/assets/:id/reprocess', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:reprocess');
    if (!canTransition(asset.state, 'processing') || !asset.sha256) throw conflict(`an asset in state ${asset.state} cannot be reprocessed`);
    const updated = await write(() => changeAsset(platform.db, asset, {
      expectedVersion: asset.version,
      set: { state: 'processing', state_reason: null },
      history: { type: 'reprocess-requested', actor: c.get('principal').subject },
      events: (version) => [newEvent('io.mediateca.asset.uploaded', EVENT_SOURCE, {
        assetId: asset.id, projectId: asset.project_id, version, mediaType: asset.media_type, contentType: asset.content_type,
        sha256: asset.sha256!, size: Number(asset.size_bytes), reprocess: true,
      }, asset.id)],
    }), asset);
    platform.outboxWritten();
    return c.json({ assetId: updated.id, state: updated.state, version: updated.version }, 202);
  });

  app.delete('/assets/:id', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:edit');
    if (asset.state === 'deleted') return c.body(null, 204);
    await write(() => changeAsset(platform.db, asset, {
      expectedVersion: asset.version,
      set: { state: 'deleted', deleted_at: new Date() },
      history: { type: 'deleted', actor: c.get('principal').subject, data: { previousState: asset.state } },
      events: (version) => [newEvent('io.mediateca.asset.deleted', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version }, asset.id)],
      alsoInTransaction: (trx) => removeAssetFaces(trx, asset.project_id, asset.id, reclusterFaces),
    }), asset);
    platform.outboxWritten();
    return c.body(null, 204);
  });
  return app;
}

async function readableAsset(c: Context<AppEnv>, platform: Platform, action: Parameters<typeof authorize>[1]): Promise<Asset> {
  const asset = await findAsset(platform.db, c.req.param('id')!);
  if (!asset) throw notFound('asset not found');
  authorize(c, action, asset.project_id, 'asset');
  // An asset the caller may not see yet (a viewer, before approval) does not exist for them, like another project's.
  if (asset.editorial_state !== 'approved' && (await approvedOnlyProjects(platform.db, c.get('principal'), [asset.project_id])).length > 0) throw notFound('asset not found');
  return asset;
}

function refusal(decision: Extract<TransitionDecision, { ok: false }>): Problem {
  if (decision.problem === 'invalid') return badRequest(decision.reason);
  if (decision.problem === 'forbidden') return forbidden(decision.reason);
  return conflict(decision.reason);
}

export async function describeAsset(platform: Platform, asset: Asset) {
  const { store, config } = platform;
  const ttl = config.downloadUrlTtlSeconds;
  const [metadata, renditions, labels, faces] = await Promise.all([
    getMetadata(platform.db, asset.id),
    listRenditions(platform.db, asset.id),
    listLabels(platform.db, asset.id),
    listFaces(platform.db, asset.id),
  ]);
  const hasMaster = ['uploaded', 'processing', 'ready', 'archived'].includes(asset.state) || (asset.state === 'failed' && asset.sha256 !== null && !asset.duplicate_of);
  return {
    ...assetSummary(asset),
    metadata,
    /** what enrich found: label suggestions with the editor's decision, and faces with their person */
    ai: { labels: labels.map(describeLabel), faces },
    downloadUrl: hasMaster ? await store.presignGet(store.buckets.masters, asset.storage_key, ttl, asset.filename) : undefined,
    renditions: await Promise.all(renditions.map(async (r) => ({
      name: r.name,
      contentType: r.content_type,
      size: Number(r.size_bytes),
      width: r.width,
      height: r.height,
      /** seconds, for video and audio renditions */
      duration: r.duration_seconds,
      // the thumbnails track is served with its cues pointing at a signed sprite URL (thumbnails.ts)
      url: r.name === 'sprite-vtt' ? thumbnailsUrl(config, asset.id, ttl) : await store.presignGet(store.buckets.renditions, r.storage_key, ttl),
    }))),
    urlsExpireAt: new Date(Date.now() + ttl * 1000).toISOString(),
  };
}

function describeLabel(row: Awaited<ReturnType<typeof listLabels>>[number]) {
  return { label: row.label, labelEs: spanishLabel(row.label), confidence: row.confidence, status: row.status, decidedBy: row.decided_by, detections: row.detections };
}

async function write(change: () => Promise<Asset>, asset: Asset): Promise<Asset> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof ConcurrentModification) throw preconditionFailed(asset);
    throw error;
  }
}

/** The version in `If-Match: "<version>"` (the asset's ETag); undefined without the header or with `*`. */
function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(header.trim());
  if (!match) throw badRequest(`If-Match must be the asset's ETag, e.g. "3" from GET /assets/:id; got ${JSON.stringify(header.slice(0, 100))}`);
  return Number(match[1]);
}

function preconditionFailed(asset: Asset): Problem {
  return new Problem(412, 'Precondition Failed', `asset ${asset.id} was changed by someone else; reload it and try again`);
}

function pick(asset: Asset, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (asset as unknown as Record<string, unknown>)[k]]));
}
