// assets: list assets (listing.ts); read an asset with its metadata, renditions and short-lived download URLs;
// edit descriptive fields (optimistic concurrency via If-Match); editorial transitions; history; reprocess (admin);
// soft delete; project settings. Viewers see approved assets only, unless their project's settings open the rest.
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import { reclusterFaces } from '../../shared/ai/vision/face-clusters.ts';
import { spanishLabel } from '../../shared/ai/vision/labels.ts';
import { loadAsset, rebuildAssets } from '../../shared/db/asset-log.ts';
import { ConcurrentModification, assetHistory, factsOf, findAsset, getMetadata, listRenditions } from '../../shared/db/assets.ts';
import { publicationHistory } from '../../shared/db/distribution.ts';
import { decideLabel, listFaces, listLabels, removeAssetFaces } from '../../shared/db/enrichment.ts';
import { enqueue } from '../../shared/db/outbox.ts';
import { approvedOnlyProjects, projectSettings, updateProjectSettings } from '../../shared/db/projects.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { CommandRefused, type Decision, decideLabel as labelDecided, deleteAsset, editAssetMetadata, requestReprocess, transitionEditorialChecked } from '../../shared/domain/asset-commands.ts';
import { currentSchema } from '../../shared/db/metadata-schemas.ts';
import { EDITORIAL_STATES, MAX_REASON_LENGTH } from '../../shared/domain/editorial.ts';
import { type RecordOptions, recordDecision } from '../../shared/events/asset-decisions.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { type AppEnv, createFunctionApp, requireAuth } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { Problem, badRequest, conflict, forbidden, notFound } from '../../shared/http/problem.ts';
import { Instant, Tags, jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { auditRoutes, auditTrail } from './audit.ts';
import { collectionRoutes } from './collections.ts';
import { assetSummary, listingRoutes } from './listing.ts';
import { shareRoutes } from './shares.ts';
import { personRoutes } from './people.ts';
import { EditAsset, checkPersonFields, expireDueRights, refusalProblem, schemaRoutes } from './schemas.ts';
import { csvRoutes } from './csv.ts';
import { thumbnailRoutes, thumbnailsUrl } from './thumbnails.ts';
import { hlsRoutes, hlsUrl } from './hls.ts';
import { purgeDueTrash, trashRoutes } from './trash.ts';
import { acceptEvents } from '../../shared/http/events.ts';
import { versionRoutes } from './versions.ts';

export { EditAsset };

export const EditorialTransition = v.strictObject({
  to: v.picklist(EDITORIAL_STATES, `to must be one of ${EDITORIAL_STATES.join(', ')}`),
  reason: v.optional(userText(MAX_REASON_LENGTH)),
});

const TimeTravel = v.pipe(
  v.object({
    version: v.optional(v.pipe(v.string(), v.regex(/^\d{1,9}$/, 'version must be a positive integer'), v.transform(Number), v.minValue(1, 'version must be a positive integer'))),
    asOf: v.optional(Instant),
  }),
  v.check((q) => q.version === undefined || q.asOf === undefined, 'ask for a version or an instant (asOf), not both'),
);

export const LabelDecision = v.strictObject({ status: v.picklist(['accepted', 'rejected', 'suggested'], 'status must be accepted, rejected or suggested') });

export const ProjectSettingsInput = v.strictObject({
  /** adaptive streaming ladder (360p + 720p) for this project's videos */
  hls: v.optional(v.boolean()),
  /** viewers see every editorial state (otherwise approved assets only) */
  viewersSeeUnapproved: v.optional(v.boolean()),
  /** days a deleted asset stays in the trash before it is purged for good (0: until an admin purges it) */
  trashRetentionDays: v.optional(v.pipe(v.number(), v.integer('trashRetentionDays must be a whole number of days'), v.minValue(0), v.maxValue(36500))),
});

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'assets');
  // the audit log records the asset routes' reads and changes once they answered (audit.ts)
  app.use('*', auditTrail(platform));
  // scheduled (schedules/purge-trash.yaml and expire-rights.yaml, the host's loops): the trash and rights sweeps
  acceptEvents(app, platform, 'assets', {
    'io.mediateca.trash.purge-requested': async (_event, p) => { await purgeDueTrash(p, new Date(), 'trash-retention'); },
    'io.mediateca.rights.expire-requested': async (_event, p) => { await expireDueRights(p, new Date(), { actor: 'rights-sweep' }); },
  });
  thumbnailRoutes(app, platform);
  hlsRoutes(app, platform);
  app.use('/assets/*', requireAuth(platform));
  app.use('/projects/*', requireAuth(platform));
  app.use('/persons/*', requireAuth(platform)); // also matches /persons itself
  app.use('/collections/*', requireAuth(platform));
  app.use('/shares/*', requireAuth(platform));
  app.use('/audit', requireAuth(platform));
  personRoutes(app, platform);
  listingRoutes(app, platform);
  schemaRoutes(app, platform);
  // before GET /assets/:id: export.csv is not an asset id
  csvRoutes(app, platform);
  collectionRoutes(app, platform);
  // share links: managed with a token; opened without one (GET /s/:token), the link's token its authorisation
  shareRoutes(app, platform);
  auditRoutes(app, platform);
  trashRoutes(app, platform);
  versionRoutes(app, platform);

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

  // An admin rebuilds the project's asset rows from their events; index projects each into search again.
  app.post('/projects/:id/rebuild', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'project:admin', projectId, 'project');
    const outcome = await rebuildAssets(platform.db, {
      projectId,
      onRebuilt: (asset) => enqueue(platform.db, [newEvent('io.mediateca.asset.updated', EVENT_SOURCE, { assetId: asset.id, projectId, version: asset.version, fields: ['rebuilt'] }, asset.id)]),
    });
    platform.outboxWritten();
    return c.json(outcome);
  });

  app.get('/assets/:id', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:read');
    const { version, asOf } = parseOrProblem(TimeTravel, c.req.query(), 'time travel');
    // time travel: the asset's own fields as they were (metadata, renditions and URLs are today's, so left out)
    if (version !== undefined || asOf !== undefined) {
      const past = await loadAsset(platform.db, asset.id, { version, asOf });
      if (!past.found && past.reason === 'unrecorded') throw conflict(`the history of asset ${asset.id} before version ${past.version} does not record its changes (it predates event-sourced assets)`);
      if (!past.found) throw notFound(version !== undefined ? `asset ${asset.id} has no version ${version}` : `asset ${asset.id} did not exist at ${asOf!.toISOString()}`);
      c.header('ETag', `"${past.asset.version}"`);
      return c.json(assetSummary(past.asset));
    }
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
    const schema = await currentSchema(platform.db, asset.project_id);
    await checkPersonFields(platform, asset.project_id, schema, edit.fields);
    const updated = await decideAndRecord(c, platform, asset, () => editAssetMetadata(factsOf(asset), edit, schema, new Date()));
    c.header('ETag', `"${updated.version}"`);
    return c.json(await describeAsset(platform, updated));
  });

  // draft → in_review → approved → archived, rejected back to draft: the domain decides, the repository writes the
  // new state, its history and the transition's event in one transaction.
  app.post('/assets/:id/transitions', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:read');
    const { to, reason } = parseOrProblem(EditorialTransition, await jsonBody(c.req.raw), 'transition');
    // required schema fields filled before review and approval; never approved past the rights expiry
    const schema = await currentSchema(platform.db, asset.project_id);
    const updated = await decideAndRecord(c, platform, asset, () => transitionEditorialChecked(factsOf(asset), to, reason, c.get('principal'), schema, new Date()));
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
    await decideAndRecord(c, platform, asset, () => labelDecided(factsOf(asset), label, status));
    return c.json(describeLabel(decided));
  });

  app.post('/assets/:id/reprocess', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:reprocess');
    const updated = await decideAndRecord(c, platform, asset, () => requestReprocess(factsOf(asset)));
    return c.json({ assetId: updated.id, state: updated.state, version: updated.version }, 202);
  });

  app.delete('/assets/:id', async (c) => {
    const asset = await readableAsset(c, platform, 'asset:edit');
    const decision = deleteAsset(factsOf(asset), new Date());
    if (!decision) return c.body(null, 204);
    await decideAndRecord(c, platform, asset, () => decision, { alsoInTransaction: (trx) => removeAssetFaces(trx, asset.project_id, asset.id, reclusterFaces) });
    return c.body(null, 204);
  });
  return app;
}

export async function readableAsset(c: Context<AppEnv>, platform: Platform, action: Parameters<typeof authorize>[1]): Promise<Asset> {
  const asset = await findAsset(platform.db, c.req.param('id')!);
  if (!asset) throw notFound('asset not found');
  authorize(c, action, asset.project_id, 'asset');
  // An asset the caller may not see yet (a viewer, before approval) does not exist for them, like another project's.
  if (asset.editorial_state !== 'approved' && (await approvedOnlyProjects(platform.db, c.get('principal'), [asset.project_id])).length > 0) throw notFound('asset not found');
  return asset;
}

/**
 * Decides a command on the asset as read and records it at that version (or at the client's If-Match). A stale
 * If-Match is 412; losing a race without one is 409: either way nothing is written.
 */
export async function decideAndRecord(c: Context<AppEnv>, platform: Platform, asset: Asset, command: () => Decision, options: Partial<RecordOptions> = {}): Promise<Asset> {
  const ifMatch = versionFromIfMatch(c.req.header('if-match'));
  if (ifMatch !== undefined && ifMatch !== asset.version) throw preconditionFailed(asset);
  let decision: Decision;
  try {
    decision = command();
  } catch (error) {
    if (error instanceof CommandRefused) throw refusal(error);
    throw error;
  }
  try {
    const updated = await recordDecision(platform.db, asset, decision, { ...options, actor: c.get('principal').subject, expectedVersion: asset.version });
    platform.outboxWritten();
    return updated;
  } catch (error) {
    if (!(error instanceof ConcurrentModification)) throw error;
    if (ifMatch !== undefined) throw preconditionFailed(asset);
    throw conflict(`asset ${asset.id} was changed by someone else while this request ran; reload it and try again`);
  }
}

export function refusal(refused: CommandRefused): Problem {
  return refusalProblem(refused);
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
    renditions: await Promise.all(renditions.map((r) => describeRendition(platform, asset.id, r, ttl, { current: true }))),
    urlsExpireAt: new Date(Date.now() + ttl * 1000).toISOString(),
  };
}

/** A rendition row (or a file version's stored copy of one) with a URL that stays valid for `ttl` seconds. */
export async function describeRendition(
  platform: Platform,
  assetId: string,
  r: { name: string; storage_key: string; content_type: string; size_bytes: string | number; width: number | null; height: number | null; duration_seconds: number | null },
  ttl: number,
  { current }: { current: boolean },
) {
  const { store, config } = platform;
  return {
    name: r.name,
    contentType: r.content_type,
    size: Number(r.size_bytes),
    width: r.width,
    height: r.height,
    /** seconds, for video and audio renditions */
    duration: r.duration_seconds ?? null,
    // the current thumbnails track and HLS ladder are served pointing at signed URLs (thumbnails.ts, hls.ts)
    url: r.name === 'sprite-vtt' && current ? thumbnailsUrl(config, assetId, ttl)
      : r.name === 'hls' && current ? hlsUrl(config, assetId, ttl)
      : await store.presignGet(store.buckets.renditions, r.storage_key, ttl),
  };
}

function describeLabel(row: Awaited<ReturnType<typeof listLabels>>[number]) {
  return { label: row.label, labelEs: spanishLabel(row.label), confidence: row.confidence, status: row.status, decidedBy: row.decided_by, detections: row.detections };
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
