// The asset aggregate's commands: each one decides, from the asset as it is, what changes, what its history
// says and which catalog events it emits, or refuses with the reason. No I/O: the repository (shared/db/assets.ts,
// recordDecision) writes a decision, its history row and its outbox events in one transaction, against the version
// the command was decided on (a stale decision is refused there, never applied).
import { type AssetState, type MediaType, canTransition } from './asset.ts';
import { type EditorialState, decideTransition } from './editorial.ts';
import { type FieldValues, type MetadataSchema, applyFieldPatch, dayOf, defaultsFor, missingRequired, rightsExpired } from './metadata-schema.ts';
import type { AiMetadata, TechnicalMetadata } from './metadata.ts';
import type { Principal } from './permissions.ts';

/** What the commands read of an asset. */
export interface AssetFacts {
  id: string;
  projectId: string;
  state: AssetState;
  editorialState: EditorialState;
  mediaType: MediaType;
  contentType: string;
  sha256: string | null;
  size: number;
  title: string;
  description: string;
  tags: string[];
  /** schema field values (metadata-schema.ts); none when absent */
  fields?: FieldValues;
  /** when the rights expiry was recorded as passed (the rights-expired event), if it was */
  rightsExpiredAt?: Date | null;
  /** the current file version (1 until a new file is uploaded for the asset) */
  fileVersion?: number;
}

/** The asset's fields a decision changes (only those present). */
export interface AssetChanges {
  state?: AssetState;
  stateReason?: string | null;
  editorialState?: EditorialState;
  sha256?: string;
  storageKey?: string;
  contentType?: string;
  mediaType?: MediaType;
  duplicateOf?: string;
  title?: string;
  description?: string;
  tags?: string[];
  fields?: FieldValues;
  rightsExpiredAt?: Date | null;
  deletedAt?: Date | null;
  /** a new or reverted file version: the master's size, name and number (lifecycle commands below) */
  size?: number;
  filename?: string;
  fileVersion?: number;
}

type Parts = Record<string, { status: 'done' | 'skipped' | 'unavailable' | 'failed'; reason?: string }>;

/**
 * The events the aggregate emits, without the asset reference (assetId, projectId, version) the repository adds;
 * the repository proves at compile time that each, with that reference, is its catalog type's data.
 */
export type AssetEvent =
  | { type: 'io.mediateca.asset.uploaded'; data: { mediaType: string; contentType: string; sha256: string; size: number; reprocess?: boolean } }
  | { type: 'io.mediateca.asset.rendered'; data: { renditions: string[] } }
  | { type: 'io.mediateca.asset.renditions-partial'; data: { stage: PartialStage; renditions: string[] } }
  | { type: 'io.mediateca.asset.enriched'; data: { parts: Parts } }
  | { type: 'io.mediateca.asset.failed'; data: { reason: string } }
  | { type: 'io.mediateca.asset.updated'; data: { fields: string[] } }
  | { type: 'io.mediateca.asset.deleted'; data: Record<string, never> }
  | { type: 'io.mediateca.asset.rights-expired'; data: { rightsExpiry: string } }
  | { type: `io.mediateca.asset.editorial.${EditorialState}`; data: { from: EditorialState; to: EditorialState; reason?: string } }
  | { type: 'io.mediateca.asset.purged'; data: { reason: string } };

/**
 * What a history entry also carries so the read models beside the asset row replay from the log
 * (domain/asset-projections.ts): the rendition rows and technical metadata once rendered, the AI metadata and
 * the object model's findings once enriched.
 */
export interface Recorded {
  renditionRows?: Record<string, unknown>[];
  technical?: TechnicalMetadata | null;
  ai?: AiMetadata;
  labels?: { model: string; findings: { label: string; confidence: number; detections: unknown[] }[] };
}

export interface Decision {
  changes: AssetChanges;
  /** the history entry (asset_events) the change appends */
  history: { type: string; data?: Record<string, unknown> };
  events: AssetEvent[];
}

/** A command the asset's state or the caller's role does not allow: invalid (400), forbidden (403), conflict (409). */
export class CommandRefused extends Error {
  constructor(readonly problem: 'invalid' | 'forbidden' | 'conflict', reason: string) {
    super(reason);
  }
}

function moveTo(asset: AssetFacts, to: AssetState, command: string): void {
  if (asset.state !== to && !canTransition(asset.state, to)) throw new CommandRefused('conflict', `an asset in state ${asset.state} cannot be ${command}`);
}

/** The file arrived whole and is what it claims: the master is kept and processing can start. */
export function verifyUpload(asset: AssetFacts, verified: { sha256: string; size: number; storageKey: string; contentType: string; mediaType: MediaType }): Decision {
  if (asset.state !== 'uploading') throw new CommandRefused('conflict', `an asset in state ${asset.state} was already verified or closed`);
  const corrected = verified.contentType !== asset.contentType;
  return {
    changes: { state: 'uploaded', sha256: verified.sha256, storageKey: verified.storageKey, stateReason: null, ...(corrected ? { contentType: verified.contentType, mediaType: verified.mediaType } : {}) },
    history: { type: 'uploaded', data: { sha256: verified.sha256, size: verified.size, ...(corrected ? { declaredContentType: asset.contentType, contentType: verified.contentType } : {}) } },
    events: [{ type: 'io.mediateca.asset.uploaded', data: { mediaType: verified.mediaType, contentType: verified.contentType, sha256: verified.sha256, size: verified.size } }],
  };
}

/** A permanent problem (the file, the upload, the media): the asset fails with the reason, kept and shown. */
export function failAsset(asset: AssetFacts, reason: string, also: { duplicateOf?: string; sha256?: string } = {}): Decision {
  moveTo(asset, 'failed', 'failed');
  return {
    changes: { state: 'failed', stateReason: reason, ...also },
    history: { type: 'failed', data: { reason } },
    events: [{ type: 'io.mediateca.asset.failed', data: { reason } }],
  };
}

export function startProcessing(asset: AssetFacts): Decision {
  moveTo(asset, 'processing', 'processed');
  return { changes: { state: 'processing', stateReason: null }, history: { type: 'processing' }, events: [] };
}

/** Renditions are made: the asset is ready; what could not be made is its state reason. */
export function recordRendered(asset: AssetFacts, renditions: string[], skipped: Record<string, string>, recorded: Recorded = {}): Decision {
  moveTo(asset, 'ready', 'made ready');
  const notMade = Object.entries(skipped).map(([name, why]) => `${name} (${why})`);
  return {
    changes: { state: 'ready', stateReason: notMade.length ? `renditions not made: ${notMade.join(', ')}` : null },
    history: { type: 'rendered', data: { renditions, skipped, ...recorded } },
    events: [{ type: 'io.mediateca.asset.rendered', data: { renditions } }],
  };
}

/**
 * Progressive rendering (time-based media): the renditions stored so far, while the rest still encode.
 * `poster`: the poster and the probe's technical metadata are stored, so search can find the asset with them;
 * `preview`: the browser preview is stored too, so it can be played.
 */
export const PARTIAL_STAGES = ['poster', 'preview'] as const;
export type PartialStage = (typeof PARTIAL_STAGES)[number];

/**
 * Part of the renditions is stored: the asset stays processing and says so (history and event), so search and
 * players need not wait for the whole set. Undefined once the asset is no longer processing: a partial step decided
 * late or again (a redelivered upload event) never takes back what rendered, failed or deleted said.
 */
export function recordRenditionsPartial(asset: AssetFacts, stage: PartialStage, renditions: string[], recorded: Recorded = {}): Decision | undefined {
  if (asset.state !== 'processing') return undefined;
  return {
    changes: {},
    history: { type: 'renditions-partial', data: { stage, renditions, ...recorded } },
    events: [{ type: 'io.mediateca.asset.renditions-partial', data: { stage, renditions } }],
  };
}

/** What the models found (history keeps every part's outcome; the event its summary). */
export function recordEnriched(_asset: AssetFacts, parts: Record<string, unknown>, summary: Parts, recorded: Recorded = {}): Decision {
  return { changes: {}, history: { type: 'enriched', data: { parts, ...recorded } }, events: [{ type: 'io.mediateca.asset.enriched', data: { parts: summary } }] };
}

export interface MetadataEdit {
  title?: string;
  description?: string;
  tags?: string[];
}

export function editMetadata(asset: AssetFacts, edit: MetadataEdit): Decision {
  if (asset.state === 'deleted') throw new CommandRefused('conflict', 'a deleted asset cannot be edited: restore it first');
  const fields = Object.keys(edit) as (keyof MetadataEdit)[];
  if (fields.length === 0) throw new CommandRefused('invalid', 'nothing to change: send title, description or tags');
  return {
    changes: { ...edit },
    history: { type: 'edited', data: { before: Object.fromEntries(fields.map((field) => [field, asset[field]])), after: edit } },
    events: [{ type: 'io.mediateca.asset.updated', data: { fields } }],
  };
}

/** An editor's word on a model's label (the label itself is written beside the decision). */
export function decideLabel(_asset: AssetFacts, label: string, status: string): Decision {
  return { changes: {}, history: { type: 'label-decided', data: { label, status } }, events: [{ type: 'io.mediateca.asset.updated', data: { fields: ['labels'] } }] };
}

/** submit, withdraw, approve, reject, archive, reopen: the editorial rules of editorial.ts. */
export function transitionEditorial(asset: AssetFacts, to: EditorialState, reason: string | undefined, principal: Principal): Decision {
  const decision = decideTransition({ asset: { projectId: asset.projectId, state: asset.state, editorialState: asset.editorialState }, to, reason, principal });
  if (!decision.ok) throw new CommandRefused(decision.problem, decision.reason);
  const moved = { from: decision.from, to: decision.to, ...(decision.reason ? { reason: decision.reason } : {}) };
  return { changes: { editorialState: decision.to }, history: { type: 'editorial-transition', data: moved }, events: [{ type: `io.mediateca.asset.editorial.${decision.to}`, data: moved }] };
}

/** An admin asks for every rendition again. */
export function requestReprocess(asset: AssetFacts): Decision {
  if (!canTransition(asset.state, 'processing') || !asset.sha256) throw new CommandRefused('conflict', `an asset in state ${asset.state} cannot be reprocessed`);
  return {
    changes: { state: 'processing', stateReason: null },
    history: { type: 'reprocess-requested' },
    events: [{ type: 'io.mediateca.asset.uploaded', data: { mediaType: asset.mediaType, contentType: asset.contentType, sha256: asset.sha256, size: asset.size, reprocess: true } }],
  };
}

/** Soft delete; undefined when the asset is deleted already (deleting twice changes nothing). */
export function deleteAsset(asset: AssetFacts, now: Date): Decision | undefined {
  if (asset.state === 'deleted') return undefined;
  moveTo(asset, 'deleted', 'deleted');
  return { changes: { state: 'deleted', deletedAt: now }, history: { type: 'deleted', data: { previousState: asset.state } }, events: [{ type: 'io.mediateca.asset.deleted', data: {} }] };
}

// Metadata schemas and rights (metadata-schema.ts): descriptive fields and schema field values in one edit, the
// editorial rules that depend on them, the rights-expired event and what embedded metadata fills on ingest.

export interface FullMetadataEdit extends MetadataEdit {
  /** schema field values by name; null clears one */
  fields?: Record<string, unknown>;
}

/** A field a schema refuses, named; the route answers 400 with every issue. */
export class FieldsRefused extends CommandRefused {
  constructor(readonly issues: { field: string; reason: string }[]) {
    super('invalid', `invalid fields: ${issues.map((issue) => `${issue.field} ${issue.reason}`).join('; ')}`);
  }
}

/**
 * Title, description, tags and schema fields in one decision, validated against the project's schema. Setting a
 * rights expiry that has already begun records the rights-expired event with the edit; moving it later (or clearing
 * it) makes the asset's rights current again.
 */
export function editAssetMetadata(asset: AssetFacts, edit: FullMetadataEdit, schema: MetadataSchema, now: Date): Decision {
  if (asset.state === 'deleted') throw new CommandRefused('conflict', 'a deleted asset cannot be edited: restore it first');
  const { fields: patch, ...descriptive } = edit;
  const names = Object.keys(descriptive) as (keyof MetadataEdit)[];
  if (names.length === 0 && (patch === undefined || Object.keys(patch).length === 0)) throw new CommandRefused('invalid', 'nothing to change: send title, description, tags or fields');
  const before: Record<string, unknown> = Object.fromEntries(names.map((name) => [name, asset[name]]));
  const after: Record<string, unknown> = { ...descriptive };
  const changes: AssetChanges = { ...descriptive };
  const changed: string[] = [...names];
  const events: AssetEvent[] = [];
  if (patch && Object.keys(patch).length) {
    const current = asset.fields ?? {};
    const applied = applyFieldPatch(schema, current, patch);
    if (!applied.ok) throw new FieldsRefused(applied.issues);
    const { values, changed: fieldNames } = applied.value;
    if (fieldNames.length) {
      changes.fields = values;
      before.fields = Object.fromEntries(fieldNames.map((name) => [name, current[name] ?? null]));
      after.fields = Object.fromEntries(fieldNames.map((name) => [name, values[name] ?? null]));
      changed.push(...fieldNames.map((name) => `fields.${name}`));
      if (fieldNames.includes('rightsExpiry')) {
        const expired = rightsExpired(values, now);
        if (expired && !asset.rightsExpiredAt) {
          changes.rightsExpiredAt = now;
          events.push({ type: 'io.mediateca.asset.rights-expired', data: { rightsExpiry: values.rightsExpiry as string } });
        } else if (!expired && asset.rightsExpiredAt) changes.rightsExpiredAt = null;
      }
    }
  }
  return {
    changes,
    history: { type: 'edited', data: { before, after, ...(schema.version ? { schemaVersion: schema.version } : {}) } },
    events: [{ type: 'io.mediateca.asset.updated', data: { fields: changed } }, ...events],
  };
}

/**
 * transitionEditorial, with the schema's rules: an asset goes to review and is approved only with its required
 * fields filled, and is never approved past its rights expiry.
 */
export function transitionEditorialChecked(asset: AssetFacts, to: EditorialState, reason: string | undefined, principal: Principal, schema: MetadataSchema, now: Date): Decision {
  const decision = transitionEditorial(asset, to, reason, principal); // role and graph first: a refusal for them says nothing of the fields
  const values = asset.fields ?? {};
  if (to === 'in_review' || to === 'approved') {
    const missing = missingRequired(schema, values);
    if (missing.length) throw new FieldsRefused(missing.map((field) => ({ field, reason: `is required before moving to ${to}` })));
  }
  if (to === 'approved' && rightsExpired(values, now)) {
    throw new CommandRefused('conflict', `the asset's rights expired on ${String(values.rightsExpiry)} (rightsExpiry): it cannot be approved for publishing`);
  }
  return decision;
}

/** The sweep's decision: the rights expiry has begun and was not yet recorded; undefined otherwise (idempotent). */
export function expireRights(asset: AssetFacts, now: Date): Decision | undefined {
  const values = asset.fields ?? {};
  if (asset.rightsExpiredAt || !rightsExpired(values, now) || asset.state === 'deleted') return undefined;
  const rightsExpiry = values.rightsExpiry as string;
  return {
    changes: { rightsExpiredAt: now },
    history: { type: 'rights-expired', data: { rightsExpiry, on: dayOf(now) } },
    events: [{ type: 'io.mediateca.asset.rights-expired', data: { rightsExpiry } }, { type: 'io.mediateca.asset.updated', data: { fields: ['rightsExpired'] } }],
  };
}

/** Descriptive metadata embedded in the file (IPTC, XMP, EXIF), as read on ingest. */
export interface EmbeddedMetadata {
  headline?: string;
  caption?: string;
  keywords?: string[];
  /** credit, copyright, creator, location, usageTerms… by built-in field name */
  fields?: Record<string, unknown>;
}

/**
 * On ingest: what the file says fills what the uploader left empty (a headline the title still the filename's
 * stem, the caption an empty description, keywords empty tags, each field with no value), and the schema's
 * defaults fill the rest. Never overwrites what someone typed; an embedded value the schema refuses is left out.
 * Undefined when nothing would change.
 */
export function fillFromEmbedded(asset: AssetFacts, embedded: EmbeddedMetadata, schema: MetadataSchema, defaultTitle: string): Decision | undefined {
  const changes: AssetChanges = {};
  const filled: string[] = [];
  if (embedded.headline && asset.title === defaultTitle) {
    changes.title = embedded.headline;
    filled.push('title');
  }
  if (embedded.caption && asset.description === '') {
    changes.description = embedded.caption;
    filled.push('description');
  }
  if (embedded.keywords?.length && asset.tags.length === 0) {
    changes.tags = embedded.keywords;
    filled.push('tags');
  }
  const current = asset.fields ?? {};
  const offered = Object.fromEntries(Object.entries(embedded.fields ?? {}).filter(([name]) => current[name] === undefined));
  let values: FieldValues = { ...current };
  for (const [name, value] of Object.entries(offered)) {
    const applied = applyFieldPatch(schema, values, { [name]: value });
    if (applied.ok) values = applied.value.values;
  }
  values = { ...defaultsFor(schema, values), ...values };
  const fieldNames = Object.keys(values).filter((name) => current[name] === undefined);
  if (fieldNames.length) {
    changes.fields = values;
    filled.push(...fieldNames.map((name) => `fields.${name}`));
  }
  if (filled.length === 0) return undefined;
  return {
    changes,
    history: { type: 'metadata-embedded', data: { filled, from: 'embedded metadata and schema defaults' } },
    events: [{ type: 'io.mediateca.asset.updated', data: { fields: filled } }],
  };
}
