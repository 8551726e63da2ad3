// What the API answers, as valibot schemas: the OpenAPI document's response bodies (functions/web/api.ts), checked
// against real answers by functions/web/openapi.test.ts. Requests are described by the schemas that validate them,
// beside their routes.
import * as v from 'valibot';
import { ASSET_STATES, MEDIA_TYPES } from '../../shared/domain/asset.ts';
import { EDITORIAL_STATES } from '../../shared/domain/editorial.ts';
import { FIELD_TYPES } from '../../shared/domain/metadata-schema.ts';

const nullableString = v.nullable(v.string());
const Box = v.object({ x: v.number(), y: v.number(), width: v.number(), height: v.number() });

export const AssetSummary = v.object({
  id: v.string(),
  projectId: v.string(),
  state: v.picklist(ASSET_STATES),
  stateReason: nullableString,
  /** the current pipeline stage while processing */
  progress: v.nullable(v.object({ stage: v.string(), percent: v.number() })),
  mediaType: v.picklist(MEDIA_TYPES),
  /** where the asset is in the editorial workflow */
  editorialState: v.picklist(EDITORIAL_STATES),
  title: v.string(),
  description: v.string(),
  tags: v.array(v.string()),
  filename: v.string(),
  contentType: v.string(),
  size: v.number(),
  sha256: nullableString,
  duplicateOf: nullableString,
  owner: v.string(),
  version: v.number(),
  /** the file version shown (1 until a new file is uploaded: GET /assets/:id/versions) */
  fileVersion: v.optional(v.number()),
  createdAt: v.string(),
  updatedAt: v.string(),
  deletedAt: nullableString,
  /** schema field values by name (GET /projects/:id/schema), the built-in rights fields included */
  fields: v.record(v.string(), v.unknown()),
  /** when the rights expiry began and the rights-expired event was raised; null while the rights are current */
  rightsExpiredAt: nullableString,
});

export const ListedAsset = v.object({ ...AssetSummary.entries, thumbnailUrl: v.optional(v.string()) });
export const AssetListing = v.object({ assets: v.array(ListedAsset), nextCursor: v.optional(v.string()) });

export const Label = v.object({
  label: v.string(),
  labelEs: v.nullable(v.string()),
  confidence: v.number(),
  status: v.picklist(['suggested', 'accepted', 'rejected']),
  decidedBy: nullableString,
  detections: v.array(v.object({ box: Box, time: v.optional(v.number()), confidence: v.number() })),
});

export const Face = v.object({ id: v.string(), personId: v.string(), name: nullableString, box: Box, time: v.nullable(v.number()), confidence: v.number() });

export const Rendition = v.object({
  name: v.string(),
  contentType: v.string(),
  size: v.number(),
  width: v.nullable(v.number()),
  height: v.nullable(v.number()),
  /** seconds, for video and audio */
  duration: v.nullable(v.number()),
  url: v.string(),
});

export const Asset = v.object({
  ...AssetSummary.entries,
  /** technical metadata by kind (image, video, audio, exif…); `ai`: OCR text, transcript, key frames, what each model did */
  metadata: v.record(v.string(), v.record(v.string(), v.unknown())),
  ai: v.object({ labels: v.array(Label), faces: v.array(Face) }),
  /** the original, presigned; absent until it is verified */
  downloadUrl: v.optional(v.string()),
  renditions: v.array(Rendition),
  urlsExpireAt: v.string(),
});

export const AssetHistory = v.object({
  assetId: v.string(),
  events: v.array(v.object({ version: v.number(), type: v.string(), actor: v.string(), data: v.unknown(), occurredAt: v.string() })),
});

export const Reprocessing = v.object({ assetId: v.string(), state: v.picklist(ASSET_STATES), version: v.number() });

export const ProjectSettings = v.object({ hls: v.optional(v.boolean()) });

export const Person = v.object({ id: v.string(), projectId: v.string(), name: nullableString, faceCount: v.number(), createdAt: v.string() });
export const PersonList = v.object({ persons: v.array(Person) });

const uploadBase = {
  uploadId: v.string(),
  assetId: v.string(),
  state: v.picklist(ASSET_STATES),
  expiresAt: v.string(),
  urlsExpireAt: v.string(),
};
export const UploadPlan = v.variant('method', [
  v.object({ ...uploadBase, method: v.literal('PUT'), url: v.string(), headers: v.record(v.string(), v.string()) }),
  v.object({
    ...uploadBase,
    method: v.literal('MULTIPART'),
    multipart: v.object({
      partSize: v.number(),
      partCount: v.number(),
      /** presigned PUT URLs of the parts still missing */
      parts: v.array(v.object({ partNumber: v.number(), url: v.string() })),
      received: v.array(v.object({ partNumber: v.number(), etag: v.string() })),
      completeUrl: v.string(),
    }),
  }),
]);
export const UploadCompleted = v.object({ assetId: v.string(), state: v.string(), detail: v.string() });

export const SearchHit = v.object({
  assetId: v.string(),
  projectId: v.string(),
  mediaType: v.string(),
  state: v.string(),
  editorialState: v.optional(v.string()),
  title: v.string(),
  description: v.string(),
  tags: v.array(v.string()),
  filename: v.string(),
  createdAt: v.string(),
  capturedAt: v.optional(v.string()),
  fields: v.record(v.string(), v.string()),
  labels: v.optional(v.array(v.string())),
  personIds: v.optional(v.array(v.string())),
  ocrText: v.optional(v.string()),
  transcript: v.optional(v.string()),
  /** metadata schema field values by name */
  schemaFields: v.optional(v.record(v.string(), v.unknown())),
  score: v.number(),
  thumbnailUrl: v.optional(v.string()),
});
export const SearchResults = v.object({
  backend: v.string(),
  total: v.number(),
  totalIsEstimate: v.optional(v.boolean()),
  facetsApproximate: v.optional(v.boolean()),
  rankedAmongNewest: v.optional(v.number()),
  hits: v.array(SearchHit),
  facets: v.record(v.string(), v.array(v.object({ value: v.string(), count: v.number() }))),
  /** schema fields asked for in fieldFacets: their values (as text) by count */
  fieldFacets: v.optional(v.record(v.string(), v.array(v.object({ value: v.string(), count: v.number() })))),
  nextCursor: v.optional(v.string()),
  semantic: v.object({ available: v.boolean(), reason: v.optional(v.string()) }),
});

export const Import = v.object({
  id: v.string(),
  projectId: v.string(),
  state: v.picklist(['running', 'paused', 'completed', 'cancelling', 'cancelled']),
  priority: v.number(),
  source: v.looseObject({ type: v.string() }),
  defaults: v.record(v.string(), v.unknown()),
  createdAt: v.string(),
  items: v.number(),
  counts: v.record(v.string(), v.number()),
  assets: v.record(v.string(), v.number()),
  duplicates: v.number(),
  finishedAt: v.nullable(v.string()),
  throughput: v.object({ settled: v.number(), bytes: v.number(), seconds: v.number(), itemsPerSecond: v.number(), bytesPerSecond: v.number() }),
});
export const ImportDryRun = v.object({
  dryRun: v.literal(true),
  items: v.number(),
  toFetch: v.number(),
  settledAtListing: v.number(),
  shown: v.array(v.object({ url: v.string(), title: v.optional(v.string()), host: v.string(), state: v.string(), reason: v.optional(v.string()) })),
});
export const ImportItem = v.object({
  item: v.number(),
  url: v.string(),
  title: v.optional(v.string()),
  state: v.string(),
  outcome: v.picklist(['imported', 'processing', 'duplicate', 'skipped', 'failed', 'cancelled', 'open']),
  assetId: nullableString,
  assetState: nullableString,
  duplicateOf: nullableString,
  reason: nullableString,
  attempts: v.number(),
  nextAttemptAt: nullableString,
});
export const ImportTasks = v.object({ tasks: v.array(ImportItem), nextCursor: nullableString });
export const ImportReport = v.object({ import: Import, items: v.array(ImportItem) });

/** An answer whose fields are not described yet (distribution): a JSON object. */
export const Described = v.looseObject({});

/** the trash (functions/assets/trash.ts): deleted assets, newest deletion first, and when each is purged (null: kept until an admin purges it) */
export const Trash = v.object({ assets: v.array(v.object({ ...AssetSummary.entries, purgeAt: nullableString })) });
export const Purged = v.object({ assetId: v.string(), projectId: v.string(), purged: v.literal(true), objectsRemoved: v.number() });
/** an asset's file versions (functions/assets/versions.ts), oldest first */
export const FileVersions = v.object({
  assetId: v.string(),
  current: v.number(),
  versions: v.array(v.object({
    fileVersion: v.number(),
    state: v.picklist(['uploading', 'current', 'previous', 'failed']),
    current: v.boolean(),
    filename: v.string(),
    contentType: v.string(),
    mediaType: v.picklist(MEDIA_TYPES),
    size: v.number(),
    sha256: nullableString,
    reason: nullableString,
    createdBy: v.string(),
    createdAt: v.string(),
    downloadUrl: v.optional(v.string()),
    renditions: v.array(Rendition),
  })),
});
export const TrashSweep = v.object({ purged: v.number(), skipped: v.number(), errors: v.number() });

/** A change to an asset, pushed to the workspace over server-sent events (GET /events). */
export const LiveEvent = v.object({ type: v.string(), assetId: v.string(), projectId: v.string(), time: v.string() });

/** How the workspace signs in: the development token (embedded default), an OIDC provider (authorization code + PKCE), or both. */
export const SignInOptions = v.object({
  /** tokens from `npm start` / `npm run token` are accepted (the platform signs its own) */
  devToken: v.boolean(),
  /** the claim that maps project ids to roles in an access token */
  rolesClaim: v.string(),
  oidc: v.optional(v.object({ issuer: v.string(), clientId: v.string(), scope: v.string() })),
});

/** Named in the document's components; routes that use them point there. */
/** A field of a project's metadata schema (shared/domain/metadata-schema.ts). */
export const FieldDefinition = v.object({
  name: v.string(),
  type: v.picklist(FIELD_TYPES),
  label: v.optional(v.string()),
  help: v.optional(v.string()),
  required: v.optional(v.boolean()),
  default: v.optional(v.unknown()),
  /** enum and multi-enum */
  options: v.optional(v.array(v.string())),
  /** text */
  maxLength: v.optional(v.number()),
  /** number */
  min: v.optional(v.number()),
  max: v.optional(v.number()),
});
export const MetadataSchema = v.object({
  /** 0 until an admin defines one */
  version: v.number(),
  /** rights and descriptive fields every project has */
  builtIn: v.array(FieldDefinition),
  fields: v.array(FieldDefinition),
  createdBy: nullableString,
  createdAt: nullableString,
});
export const SchemaVersions = v.object({ versions: v.array(v.object({ version: v.number(), createdBy: v.string(), createdAt: v.string() })) });
export const RightsSweep = v.object({ expired: v.array(v.string()), skipped: v.array(v.string()) });
export const BatchResults = v.object({
  succeeded: v.number(),
  failed: v.number(),
  /** in the order of the request's ids */
  results: v.array(v.object({
    id: v.string(),
    /** what the asset's own request would have answered: 200, or 400 (issues name each bad field), 403, 404, 409, 412 */
    status: v.number(),
    version: v.optional(v.number()),
    editorialState: v.optional(v.picklist(EDITORIAL_STATES)),
    problem: v.optional(v.object({ title: v.string(), detail: v.optional(v.string()), issues: v.optional(v.array(v.object({ path: v.string(), message: v.string(), field: v.optional(v.string()) }))) })),
  })),
});

/** Named in the document's components; routes that use them point there. */
/** POST /assets/import.csv: a result per CSV row, in the file's order */
export const ImportResults = v.object({
  succeeded: v.number(),
  failed: v.number(),
  results: v.array(v.object({
    /** the row's line in the file (the header is line 1) */
    line: v.number(),
    id: v.string(),
    /** 200, or what the row's own PATCH would have answered: 400 (issues name each bad field), 403, 404, 409, 412 */
    status: v.number(),
    version: v.optional(v.number()),
    editorialState: v.optional(v.picklist(EDITORIAL_STATES)),
    /** the asset already held every cell: nothing written */
    unchanged: v.optional(v.boolean()),
    problem: v.optional(v.object({ title: v.string(), detail: v.optional(v.string()), issues: v.optional(v.array(v.object({ path: v.string(), message: v.string(), field: v.optional(v.string()) }))) })),
  })),
});

export const COMPONENTS = { FieldDefinition, MetadataSchema, BatchResults, ImportResults, AssetSummary, ListedAsset, AssetListing, Asset, Label, Face, Rendition, AssetHistory, Person, UploadPlan, SearchHit, SearchResults, Import, ImportItem, LiveEvent, SignInOptions };

// Collections, share links and the audit log (functions/assets/collections.ts, shares.ts, audit.ts)
export const Collection = v.object({
  id: v.string(),
  projectId: v.string(),
  name: v.string(),
  description: v.string(),
  assetCount: v.number(),
  version: v.number(),
  createdBy: v.string(),
  createdAt: v.string(),
  updatedAt: v.string(),
});
export const CollectionList = v.object({ collections: v.array(Collection), nextCursor: v.optional(v.string()) });
export const CollectionAssets = v.object({
  collectionId: v.string(),
  assets: v.array(v.object({ ...ListedAsset.entries, position: v.number() })),
  nextCursor: v.optional(v.string()),
});
export const CollectionAdded = v.object({ collection: Collection, added: v.array(v.string()), alreadyIn: v.array(v.string()) });
export const CollectionMoved = v.object({ collection: Collection, order: v.array(v.string()) });

export const ShareLink = v.object({
  id: v.string(),
  projectId: v.string(),
  targetType: v.picklist(['asset', 'collection']),
  targetId: v.string(),
  expiresAt: nullableString,
  hasPassword: v.boolean(),
  /** null: every rendition */
  renditions: v.nullable(v.array(v.string())),
  allowOriginal: v.boolean(),
  createdBy: v.string(),
  createdAt: v.string(),
  revokedAt: nullableString,
  revokedBy: nullableString,
  accessCount: v.number(),
  lastAccessAt: nullableString,
});
/** the token and the link's URL are shown once, on creation */
export const ShareLinkCreated = v.object({ ...ShareLink.entries, token: v.string(), url: v.string() });
export const ShareLinkList = v.object({ shares: v.array(ShareLink), nextCursor: v.optional(v.string()) });

const SharedAsset = v.object({
  id: v.string(),
  title: v.string(),
  description: v.string(),
  mediaType: v.picklist(MEDIA_TYPES),
  contentType: v.string(),
  tags: v.array(v.string()),
  /** each url is the link's own download route: it records the download and redirects to a short-lived presigned URL */
  renditions: v.array(v.object({ name: v.string(), contentType: v.string(), size: v.number(), width: v.nullable(v.number()), height: v.nullable(v.number()), duration: v.nullable(v.number()), url: v.string() })),
  originalUrl: v.optional(v.string()),
});
export const SharedContent = v.object({
  share: v.object({ id: v.string(), targetType: v.picklist(['asset', 'collection']), expiresAt: nullableString, renditions: v.nullable(v.array(v.string())), allowOriginal: v.boolean() }),
  asset: v.optional(SharedAsset),
  collection: v.optional(v.object({ id: v.string(), name: v.string(), description: v.string(), assets: v.array(SharedAsset), nextCursor: v.optional(v.string()) })),
});

export const AuditLog = v.object({
  entries: v.array(v.object({
    id: v.string(),
    projectId: v.string(),
    occurredAt: v.string(),
    actor: v.string(),
    via: v.picklist(['api', 'share-link']),
    action: v.string(),
    targetType: v.string(),
    targetId: v.string(),
    address: nullableString,
    details: v.record(v.string(), v.unknown()),
  })),
  nextCursor: v.optional(v.string()),
});
