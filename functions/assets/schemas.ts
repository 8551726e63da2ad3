// Metadata schemas, rights, embedded metadata and batch edit: an admin defines the project's typed fields (GET/PUT
// /projects/:id/schema, every version kept), an admin raises the rights-expired events of the assets whose rights
// expiry has begun (POST /projects/:id/rights/expire; an edit that sets a past expiry raises it at once), and POST /assets/batch
// applies one metadata patch or one editorial transition to many assets, each its own decision at its own version,
// with a result per asset. GET /assets/:id/original?embed=xmp writes the current metadata into a copy of the original (JPEG, PNG, TIFF, MP4).
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import { ConcurrentModification, factsOf, findAsset } from '../../shared/db/assets.ts';
import { SchemaVersionConflict, assetsWithExpiredRights, currentSchema, personsInProject, saveSchema, schemaVersion, schemaVersions } from '../../shared/db/metadata-schemas.ts';
import { approvedOnlyProjects } from '../../shared/db/projects.ts';
import type { Asset } from '../../shared/db/schema.ts';
import { CommandRefused, type Decision, FieldsRefused, editAssetMetadata, expireRights, transitionEditorialChecked } from '../../shared/domain/asset-commands.ts';
import { EDITORIAL_STATES, MAX_REASON_LENGTH } from '../../shared/domain/editorial.ts';
import { BUILT_IN_FIELDS, type MetadataSchema, checkSchemaDefinition } from '../../shared/domain/metadata-schema.ts';
import { type Action, projectsWhere } from '../../shared/domain/permissions.ts';
import { MEDIA_TYPES } from '../../shared/domain/asset.ts';
import { recordDecision } from '../../shared/events/asset-decisions.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { Problem, badRequest, conflict, notFound } from '../../shared/http/problem.ts';
import { ProjectId, Tag, Tags, jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import { DEFAULT_SEARCH_STATES, type SearchQuery } from '../../shared/search/search-index.ts';
import { EXIFTOOL_FORMATS, embedXmpWithExiftool } from '../../shared/media/exiftool.ts';
import { EmbedError, canEmbed, embedXmp, xmpPacket } from '../../shared/media/xmp-writer.ts';
import type { Platform } from '../../shared/platform.ts';

/** Originals larger than this are not read into memory to embed metadata (a photo is far smaller). */
export const MAX_EMBED_BYTES = 256 * 1024 * 1024;

export const OriginalQuery = v.object({ embed: v.optional(v.picklist(['xmp'], 'embed must be xmp')) });

/** Assets one batch request may name. */
export const MAX_BATCH = 500;

export const SchemaInput = v.strictObject({
  /** the version the admin edited (0 when the project had none): a save on a stale version is 409 */
  expectedVersion: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  fields: v.array(v.unknown(), 'fields must be a list of field definitions'),
});

const Version = v.pipe(v.string(), v.regex(/^\d{1,9}$/, 'version must be a positive integer'), v.transform(Number), v.minValue(1, 'version must be a positive integer'));

/** What PATCH /assets/:id takes (and a batch applies to each of its assets). */
export const EditAsset = v.pipe(
  v.strictObject({
    title: v.optional(v.pipe(userText(500), v.trim(), v.minLength(1, 'title must not be blank'))),
    description: v.optional(userText(20000)),
    tags: v.optional(Tags),
    /** schema field values by name (GET /projects/:id/schema); null clears one; checked against the schema */
    fields: v.optional(v.record(v.string(), v.unknown())),
  }),
  v.check((edit) => Object.keys(edit).length > 0, 'nothing to change: send title, description, tags or fields'),
);

/** A search (GET /search's filters) whose matches a batch applies to, at most MAX_BATCH of them. */
export const BatchQuery = v.strictObject({
  q: v.optional(userText(500)),
  projectId: v.optional(v.array(ProjectId)),
  mediaType: v.optional(v.array(v.picklist(MEDIA_TYPES, `media types are ${MEDIA_TYPES.join(', ')}`))),
  editorialState: v.optional(v.array(v.picklist(EDITORIAL_STATES, `editorial states are ${EDITORIAL_STATES.join(', ')}`))),
  tags: v.optional(v.array(Tag)),
  /** schema field values by name: any of the listed */
  fields: v.optional(v.record(v.pipe(v.string(), v.regex(/^[a-z][a-zA-Z0-9_]{0,62}$/, 'fields are keyed by schema field name')), v.pipe(v.array(v.pipe(v.string(), v.maxLength(2000))), v.minLength(1), v.maxLength(100)))),
});

export const BatchInput = v.pipe(
  v.strictObject({
    ids: v.optional(v.pipe(v.array(v.pipe(v.string(), v.uuid('ids are asset ids'))), v.minLength(1, 'ids must name at least one asset'), v.maxLength(MAX_BATCH, `at most ${MAX_BATCH} assets a request`))),
    /** instead of ids: every asset this search finds in your projects (ready and archived ones), at most MAX_BATCH */
    query: v.optional(BatchQuery),
    /** the version each asset was read at (its ETag), by id: an asset changed since is not touched (412) */
    expectedVersions: v.optional(v.record(v.pipe(v.string(), v.uuid('expectedVersions is keyed by asset id')), v.pipe(v.number(), v.integer(), v.minValue(1)))),
    edit: v.optional(EditAsset),
    transition: v.optional(v.strictObject({
      to: v.picklist(EDITORIAL_STATES, `to must be one of ${EDITORIAL_STATES.join(', ')}`),
      reason: v.optional(userText(MAX_REASON_LENGTH)),
    })),
  }),
  v.check((batch) => (batch.edit === undefined) !== (batch.transition === undefined), 'send either edit or transition'),
  v.check((batch) => (batch.ids === undefined) !== (batch.query === undefined), 'send either ids or query'),
  v.check((batch) => batch.ids === undefined || new Set(batch.ids).size === batch.ids.length, 'ids must not repeat'),
);

export interface BatchResult {
  id: string;
  status: number;
  version?: number;
  editorialState?: string;
  /** the asset already held what was sent: nothing was written */
  unchanged?: boolean;
  /** why the asset was not changed (the problem its own request would have answered) */
  problem?: { title: string; detail?: string; issues?: unknown };
}

export function describeSchema(schema: MetadataSchema & { createdBy?: string; createdAt?: Date }) {
  return { version: schema.version, builtIn: BUILT_IN_FIELDS, fields: schema.fields, createdBy: schema.createdBy ?? null, createdAt: schema.createdAt ?? null };
}

export function schemaRoutes(app: Hono<AppEnv>, platform: Platform): void {
  // Editors read the schema to fill its fields; the ETag is its version.
  app.get('/projects/:id/schema', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'asset:read', projectId, 'project');
    const schema = await currentSchema(platform.db, projectId);
    c.header('ETag', `"${schema.version}"`);
    return c.json(describeSchema(schema));
  });

  app.get('/projects/:id/schema/versions', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'asset:read', projectId, 'project');
    const versions = await schemaVersions(platform.db, projectId);
    return c.json({ versions: versions.map((row) => ({ version: row.version, createdBy: row.created_by, createdAt: row.created_at })) });
  });

  app.get('/projects/:id/schema/versions/:version', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'asset:read', projectId, 'project');
    const version = parseOrProblem(Version, c.req.param('version'), 'schema version');
    const schema = await schemaVersion(platform.db, projectId, version);
    if (!schema) throw notFound(`project ${projectId} has no schema version ${version}`);
    return c.json(describeSchema(schema));
  });

  // A new version; the values assets hold are never touched (a removed field's values stay, shown as such).
  app.put('/projects/:id/schema', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'project:admin', projectId, 'project');
    const input = parseOrProblem(SchemaInput, await jsonBody(c.req.raw), 'schema');
    const checked = checkSchemaDefinition(input.fields);
    if (!checked.ok) throw badRequest(`invalid schema: ${checked.issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; ')}`, { issues: problemIssues(checked.issues) });
    const ifMatch = c.req.header('if-match')?.match(/^(?:W\/)?"?(\d{1,9})"?$/)?.[1];
    const expectedVersion = input.expectedVersion ?? (ifMatch === undefined ? undefined : Number(ifMatch));
    let saved: MetadataSchema;
    try {
      saved = await saveSchema(platform.db, projectId, checked.value, {
        actor: c.get('principal').subject,
        expectedVersion,
        events: (version) => [newEvent('io.mediateca.project.schema-changed', EVENT_SOURCE, { projectId, version, fields: checked.value.map((field) => field.name) }, projectId)],
      });
    } catch (error) {
      if (!(error instanceof SchemaVersionConflict)) throw error;
      throw conflict(`the schema of project ${projectId} was changed by someone else${error.current >= 0 ? ` (it is at version ${error.current})` : ''}; reload it and try again`);
    }
    platform.outboxWritten();
    c.header('ETag', `"${saved.version}"`);
    return c.json(describeSchema(await currentSchema(platform.db, projectId)));
  });

  // Raises rights-expired for every asset of the project whose rights expiry has begun (idempotent).
  app.post('/projects/:id/rights/expire', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'project:admin', projectId, 'project');
    return c.json(await expireDueRights(platform, new Date(), { projectId, actor: c.get('principal').subject }));
  });

  // The original as stored, or (embed=xmp) a copy with the asset's current metadata written in as XMP.
  app.get('/assets/:id/original', async (c) => {
    const { embed } = parseOrProblem(OriginalQuery, c.req.query(), 'download');
    const asset = await visibleAsset(c, platform, c.req.param('id'), 'asset:read');
    const hasMaster = ['uploaded', 'processing', 'ready', 'archived'].includes(asset.state) || (asset.state === 'failed' && asset.sha256 !== null && !asset.duplicate_of);
    if (!hasMaster) throw conflict(`asset ${asset.id} has no verified original (it is ${asset.state})`);
    const { store, config } = platform;
    if (!embed) return c.redirect(await store.presignGet(store.buckets.masters, asset.storage_key, config.downloadUrlTtlSeconds, asset.filename), 302);
    if (!canEmbed(asset.content_type)) throw new Problem(422, 'Unprocessable Content', `XMP is written into JPEG, PNG, TIFF and MP4 originals; this one is ${asset.content_type}`);
    if (Number(asset.size_bytes) > MAX_EMBED_BYTES) throw new Problem(422, 'Unprocessable Content', `originals above ${MAX_EMBED_BYTES} bytes are downloaded without embedding (this one is ${asset.size_bytes})`);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.getStream(store.buckets.masters, asset.storage_key)) chunks.push(chunk as Buffer);
    let file: Buffer;
    try {
      const metadata = { title: asset.title, description: asset.description, keywords: asset.tags, fields: asset.fields ?? {} };
      // JPEG and PNG rewritten here; TIFF and MP4 by ExifTool
      file = EXIFTOOL_FORMATS[asset.content_type]
        ? await embedXmpWithExiftool(Buffer.concat(chunks), asset.content_type, xmpPacket(metadata))
        : embedXmp(Buffer.concat(chunks), asset.content_type, metadata);
    } catch (error) {
      if (error instanceof EmbedError) throw new Problem(422, 'Unprocessable Content', `the original could not take the metadata: ${error.message}`);
      throw error;
    }
    c.header('Content-Type', asset.content_type);
    c.header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(asset.filename)}`);
    c.header('Cache-Control', 'private, no-store');
    c.header('ETag', `"${asset.version}-xmp"`);
    return c.body(new Uint8Array(file));
  });

  app.post('/assets/batch', async (c) => {
    const batch = parseOrProblem(BatchInput, await jsonBody(c.req.raw), 'batch');
    const now = new Date();
    const schemas = new Map<string, Promise<MetadataSchema>>();
    const schemaOf = (projectId: string) => {
      if (!schemas.has(projectId)) schemas.set(projectId, currentSchema(platform.db, projectId));
      return schemas.get(projectId)!;
    };
    const ids = batch.ids ?? (await idsFound(c, platform, batch.query!));
    if (ids.length > MAX_BATCH) throw badRequest(`the query finds more than ${MAX_BATCH} assets: narrow it, or send batches of ids`);
    const results: BatchResult[] = [];
    for (const id of ids) {
      results.push(await batchOne(c, platform, id, batch.expectedVersions?.[id], async (asset) => {
        const schema = await schemaOf(asset.project_id);
        if (batch.edit) {
          await checkPersonFields(platform, asset.project_id, schema, batch.edit.fields);
          return editAssetMetadata(factsOf(asset), batch.edit, schema, now);
        }
        return transitionEditorialChecked(factsOf(asset), batch.transition!.to, batch.transition!.reason, c.get('principal'), schema, now);
      }, batch.edit ? 'asset:edit' : 'asset:read'));
    }
    platform.outboxWritten();
    const succeeded = results.filter((result) => result.status === 200).length;
    return c.json({ succeeded, failed: results.length - succeeded, results });
  });
}

/** The assets a batch query finds in the caller's projects: one more than MAX_BATCH at most (to tell that there are more). */
async function idsFound(c: Context<AppEnv>, platform: Platform, query: v.InferOutput<typeof BatchQuery>): Promise<string[]> {
  const filters = {
    projectId: query.projectId, mediaType: query.mediaType, editorialState: query.editorialState, tags: query.tags,
    ...(query.fields ? { fields: Object.entries(query.fields).map(([name, values]) => ({ name, values })) } : {}),
  };
  return (await searchedIds(c, platform, projectsWhere(c.get('principal'), 'asset:read'), query.q, filters, MAX_BATCH)).slice(0, MAX_BATCH + 1);
}

/**
 * The distinct asset ids a search finds in `projectIds` (what the caller sees there; ready and archived), page by page
 * until more than `max` are in hand: a caller that gets more than `max` back knows the search finds too many.
 */
export async function searchedIds(
  c: Context<AppEnv>,
  platform: Platform,
  projectIds: string[],
  q: string | undefined,
  filters: Omit<SearchQuery['filters'], 'state'>,
  max: number,
): Promise<string[]> {
  const approvedOnlyProjectIds = await approvedOnlyProjects(platform.db, c.get('principal'), projectIds);
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await platform.search.search({
      q: q?.trim() || undefined,
      projectIds,
      approvedOnlyProjectIds,
      filters: { ...filters, state: [...DEFAULT_SEARCH_STATES] },
      facets: [],
      limit: 100,
      cursor,
    });
    for (const hit of page.hits) ids.add(hit.assetId);
    cursor = page.nextCursor;
  } while (cursor && ids.size <= max);
  return [...ids];
}

/** The asset if the caller may do `action` on it and sees it (a viewer, before approval, does not): 404 otherwise, like another project's. */
export async function visibleAsset(c: Context<AppEnv>, platform: Platform, id: string, action: Action): Promise<Asset> {
  const asset = await findAsset(platform.db, id);
  if (!asset) throw notFound('asset not found');
  authorize(c, action, asset.project_id, 'asset');
  if (asset.editorial_state !== 'approved' && (await approvedOnlyProjects(platform.db, c.get('principal'), [asset.project_id])).length > 0) throw notFound('asset not found');
  return asset;
}

/** One asset of a batch (or CSV import row): its own read, permission check, decision and write; whatever refuses it is its result. */
export async function batchOne(c: Context<AppEnv>, platform: Platform, id: string, expectedVersion: number | undefined, decide: (asset: Asset) => Promise<Decision | null>, action: Action): Promise<BatchResult> {
  try {
    const asset = await visibleAsset(c, platform, id, action);
    if (expectedVersion !== undefined && expectedVersion !== asset.version) throw new Problem(412, 'Precondition Failed', `asset ${id} is at version ${asset.version}, not ${expectedVersion}: it was changed by someone else`);
    let decision: Decision | null;
    try {
      decision = await decide(asset);
    } catch (error) {
      if (error instanceof CommandRefused) throw refusalProblem(error);
      throw error;
    }
    // nothing to change (an import row equal to the asset): answered as it is, nothing written
    if (decision === null) return { id, status: 200, version: asset.version, editorialState: asset.editorial_state, unchanged: true };
    try {
      const updated = await recordDecision(platform.db, asset, decision, { actor: c.get('principal').subject, expectedVersion: asset.version });
      return { id, status: 200, version: updated.version, editorialState: updated.editorial_state };
    } catch (error) {
      if (error instanceof ConcurrentModification) throw conflict(`asset ${id} was changed by someone else while this request ran; reload it and try again`);
      throw error;
    }
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return { id, status: error.status, problem: { title: error.title, detail: error.detail, ...(error.extra.issues ? { issues: error.extra.issues } : {}) } };
  }
}

/** A refused command as the problem its request answers: 400 naming each bad field, 403, 409. */
export function refusalProblem(refused: CommandRefused): Problem {
  if (refused instanceof FieldsRefused) return badRequest(refused.message, { issues: problemIssues(refused.issues) });
  if (refused.problem === 'invalid') return badRequest(refused.message);
  if (refused.problem === 'forbidden') return new Problem(403, 'Forbidden', refused.message);
  return conflict(refused.message);
}

/** A person field must name a person of the asset's project (GET /persons): 400 naming each field that does not. */
export async function checkPersonFields(platform: Platform, projectId: string, schema: MetadataSchema, patch: Record<string, unknown> | undefined): Promise<void> {
  if (!patch) return;
  // a value that is not a person id at all is the schema's to refuse (with every other bad field)
  const personFields = schema.fields.filter((field) => field.type === 'person' && typeof patch[field.name] === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(patch[field.name] as string));
  if (personFields.length === 0) return;
  const known = await personsInProject(platform.db, projectId, personFields.map((field) => patch[field.name] as string));
  const issues = personFields.filter((field) => !known.has(String(patch[field.name]).toLowerCase()))
    .map((field) => ({ field: field.name, reason: `names no person of project ${projectId}` }));
  if (issues.length) throw badRequest(`invalid fields: ${issues.map((issue) => `${issue.field} ${issue.reason}`).join('; ')}`, { issues: problemIssues(issues) });
}

/** Field issues in the shape of every 400's issues (path, message), each naming its field. */
export function problemIssues(issues: { field: string; reason: string }[]) {
  return issues.map((issue) => ({ path: issue.field.startsWith('fields[') ? issue.field : `fields.${issue.field}`, message: issue.reason, field: issue.field }));
}

/**
 * The rights sweep: every asset (of one project, or all) whose rights expiry has begun gets its rights-expired
 * decision, a page at a time; an asset changed meanwhile is left for the next run.
 */
export async function expireDueRights(platform: Platform, now: Date, options: { projectId?: string; actor: string; pageSize?: number }): Promise<{ expired: string[]; skipped: string[] }> {
  const outcome = { expired: [] as string[], skipped: [] as string[] };
  const today = now.toISOString().slice(0, 10);
  for (;;) {
    const page = await assetsWithExpiredRights(platform.db, today, { projectId: options.projectId, limit: options.pageSize ?? 200 });
    const fresh = page.filter((asset) => !outcome.skipped.includes(asset.id));
    if (fresh.length === 0) break;
    for (const asset of fresh) {
      const decision = expireRights(factsOf(asset), now);
      if (!decision) {
        outcome.skipped.push(asset.id);
        continue;
      }
      try {
        await recordDecision(platform.db, asset, decision, { actor: options.actor });
        outcome.expired.push(asset.id);
      } catch (error) {
        if (!(error instanceof ConcurrentModification)) throw error;
        outcome.skipped.push(asset.id);
      }
    }
    if (page.length < (options.pageSize ?? 200)) break;
  }
  if (outcome.expired.length) platform.outboxWritten();
  return outcome;
}
