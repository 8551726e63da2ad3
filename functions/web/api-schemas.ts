// What the API answers, as valibot schemas: the OpenAPI document's response bodies (functions/web/api.ts), checked
// against real answers by functions/web/openapi.test.ts. Requests are described by the schemas that validate them,
// beside their routes.
import * as v from 'valibot';
import { ASSET_STATES, MEDIA_TYPES } from '../../shared/domain/asset.ts';
import { EDITORIAL_STATES } from '../../shared/domain/editorial.ts';

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
  createdAt: v.string(),
  updatedAt: v.string(),
  deletedAt: nullableString,
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

/** A change to an asset, pushed to the workspace over server-sent events (GET /events). */
export const LiveEvent = v.object({ type: v.string(), assetId: v.string(), projectId: v.string(), time: v.string() });

/** Named in the document's components; routes that use them point there. */
export const COMPONENTS = { AssetSummary, ListedAsset, AssetListing, Asset, Label, Face, Rendition, AssetHistory, Person, UploadPlan, SearchHit, SearchResults, Import, ImportItem, LiveEvent };

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
