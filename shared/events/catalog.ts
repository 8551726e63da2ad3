// Every event type the platform emits or consumes, its data schema, and who consumes it.
// Deployment manifests (k8s Triggers, stack.yml subscriptions) are checked against this file.
import * as v from 'valibot';

export const EVENT_SOURCE = 'io.mediateca';

const assetRef = { assetId: v.pipe(v.string(), v.uuid()), projectId: v.string(), version: v.number() };

const publicationRef = { publicationId: v.pipe(v.string(), v.uuid()), channelId: v.pipe(v.string(), v.uuid()), ...assetRef };

export const ObjectCreatedData = v.object({
  bucket: v.string(),
  key: v.string(),
  size: v.number(),
  etag: v.optional(v.string()),
  sequencer: v.optional(v.string()),
});

const editorialState = v.picklist(['draft', 'in_review', 'approved', 'rejected', 'archived']);
/** An editorial transition (shared/domain/editorial.ts): one event type per state moved to. */
const EditorialTransitionData = v.object({ ...assetRef, from: editorialState, to: editorialState, reason: v.optional(v.string()) });

const collectionRef = { collectionId: v.pipe(v.string(), v.uuid()), projectId: v.string(), version: v.number() };
const assetIds = v.array(v.pipe(v.string(), v.uuid()));
const shareRef = { shareId: v.pipe(v.string(), v.uuid()), projectId: v.string(), targetType: v.picklist(['asset', 'collection']), targetId: v.pipe(v.string(), v.uuid()) };

export const CATALOG = {
  'com.amazonaws.s3.ObjectCreated:Put': { data: ObjectCreatedData, consumers: ['upload-complete'] },
  'com.amazonaws.s3.ObjectCreated:Post': { data: ObjectCreatedData, consumers: ['upload-complete'] },
  'com.amazonaws.s3.ObjectCreated:Copy': { data: ObjectCreatedData, consumers: ['upload-complete'] },
  'com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload': { data: ObjectCreatedData, consumers: ['upload-complete'] },
  'io.mediateca.asset.uploaded': {
    // `reprocess` forces every rendition to be made again (admin request)
    data: v.object({ ...assetRef, mediaType: v.string(), contentType: v.string(), sha256: v.string(), size: v.number(), reprocess: v.optional(v.boolean()) }),
    consumers: ['transcode'],
  },
  'io.mediateca.asset.rendered': {
    data: v.object({ ...assetRef, renditions: v.array(v.string()) }),
    consumers: ['index', 'enrich'],
  },
  // progressive rendering of video and audio (asset-commands.ts recordRenditionsPartial): the asset is still
  // processing; `stage` poster: poster and technical metadata are stored (index makes it searchable at once),
  // preview: the browser preview is stored too (GET /assets/:id lists it). asset.rendered still closes the set.
  'io.mediateca.asset.renditions-partial': {
    data: v.object({ ...assetRef, stage: v.picklist(['poster', 'preview']), renditions: v.array(v.string()) }),
    consumers: ['index'],
  },
  'io.mediateca.asset.enriched': {
    // per model: done, skipped (nothing to look at), unavailable (not installed / not configured) or failed, with why
    data: v.object({ ...assetRef, parts: v.record(v.string(), v.object({ status: v.picklist(['done', 'skipped', 'unavailable', 'failed']), reason: v.optional(v.string()) })) }),
    consumers: ['index'],
  },
  'io.mediateca.asset.failed': {
    data: v.object({ ...assetRef, reason: v.string() }),
    consumers: ['index'],
  },
  'io.mediateca.uploads.expire-requested': { data: v.object({}), consumers: ['upload'] },
  // scheduled: verify what arrived in the incoming bucket whatever became of its notification
  'io.mediateca.uploads.sweep-requested': { data: v.object({}), consumers: ['upload-complete'] },
  // scheduled: purge the assets past their project's trash retention (functions/assets/trash.ts purgeDueTrash)
  'io.mediateca.trash.purge-requested': { data: v.object({}), consumers: ['assets'] },
  /** scheduled (schedules/expire-rights.yaml, the host's loop): raise rights-expired for every asset whose rights expiry has begun */
  'io.mediateca.rights.expire-requested': { data: v.object({}), consumers: ['assets'] },
  // scheduled: append the events emitted since the last run to the analytics bucket (bronze Parquet)
  'io.mediateca.analytics.export-requested': { data: v.object({}), consumers: ['export'] },
  'io.mediateca.asset.updated': { data: v.object({ ...assetRef, fields: v.array(v.string()) }), consumers: ['index'] },
  'io.mediateca.asset.deleted': { data: v.object(assetRef), consumers: ['index'] },
  // the asset's rights expiry (its rightsExpiry field, metadata-schema.ts) has begun: it can no longer be approved
  // for publishing, and distribute retracts its publications. The reindex rides on asset.updated beside it.
  'io.mediateca.asset.rights-expired': { data: v.object({ ...assetRef, rightsExpiry: v.pipe(v.string(), v.isoDate()) }), consumers: ['distribute'] },
  // an admin saved a new version of the project's metadata schema (GET/PUT /projects/:id/schema)
  'io.mediateca.project.schema-changed': { data: v.object({ projectId: v.string(), version: v.pipe(v.number(), v.integer(), v.minValue(1)), fields: v.array(v.string()) }), consumers: [] },
  // purged from the trash (admin, or past the project's retention): the tombstone; objects, search document and
  // faces went with the transaction that wrote it, so nothing consumes it yet (it is for subscribers)
  'io.mediateca.asset.purged': { data: v.object({ ...assetRef, reason: v.string() }), consumers: [] },
  // editorial transitions: search shows viewers approved assets only; distribution publishes approved ones
  'io.mediateca.asset.editorial.draft': { data: EditorialTransitionData, consumers: ['index'] },
  'io.mediateca.asset.editorial.in_review': { data: EditorialTransitionData, consumers: ['index'] },
  // distribute runs the project's publishing rules on approval
  'io.mediateca.asset.editorial.approved': { data: EditorialTransitionData, consumers: ['index', 'distribute'] },
  'io.mediateca.asset.editorial.rejected': { data: EditorialTransitionData, consumers: ['index'] },
  'io.mediateca.asset.editorial.archived': { data: EditorialTransitionData, consumers: ['index'] },
  // a person was named or renamed: every asset showing them is indexed again under the new name
  'io.mediateca.person.updated': { data: v.object({ personId: v.pipe(v.string(), v.uuid()), projectId: v.string() }), consumers: ['index'] },
  // Distribution (functions/distribute): every publication state change that matters outside. `version` is the
  // asset version published; nothing consumes these yet (they are for subscribers: a CMS bridge, notifications).
  'io.mediateca.distribution.requested': { data: v.object({ ...publicationRef, notBefore: v.string(), renditions: v.array(v.string()) }), consumers: [] },
  'io.mediateca.distribution.delivered': { data: v.object({ ...publicationRef, externalId: v.string(), externalUrl: v.nullable(v.string()) }), consumers: [] },
  'io.mediateca.distribution.failed': { data: v.object({ ...publicationRef, reason: v.string(), attempts: v.number() }), consumers: [] },
  'io.mediateca.distribution.retracted': { data: v.object({ ...publicationRef, reason: v.string() }), consumers: [] },
  // Collections (functions/assets/collections.ts): membership is a search filter, so index projects the assets
  // that entered or left a collection (or whose collection was deleted) again.
  'io.mediateca.collection.created': { data: v.object({ ...collectionRef, name: v.string() }), consumers: [] },
  'io.mediateca.collection.renamed': { data: v.object({ ...collectionRef, name: v.string(), previousName: v.string() }), consumers: [] },
  'io.mediateca.collection.deleted': { data: v.object({ ...collectionRef, assetIds }), consumers: ['index'] },
  'io.mediateca.collection.assets-added': { data: v.object({ ...collectionRef, assetIds, position: v.number() }), consumers: ['index'] },
  'io.mediateca.collection.assets-removed': { data: v.object({ ...collectionRef, assetIds }), consumers: ['index'] },
  'io.mediateca.collection.asset-moved': { data: v.object({ ...collectionRef, assetId: v.pipe(v.string(), v.uuid()), position: v.number() }), consumers: [] },
  // Share links (functions/assets/shares.ts); their accesses are in the audit log, not events
  'io.mediateca.share.created': { data: v.object({ ...shareRef, expiresAt: v.nullable(v.string()) }), consumers: [] },
  'io.mediateca.share.revoked': { data: v.object(shareRef), consumers: [] },
} as const;

export type EventType = keyof typeof CATALOG;
export type EventData<T extends EventType> = v.InferOutput<(typeof CATALOG)[T]['data']>;

export const OBJECT_CREATED_PREFIX = 'com.amazonaws.s3.ObjectCreated:';

export function isKnownEventType(type: string): type is EventType {
  return Object.hasOwn(CATALOG, type);
}

export function consumersOf(type: string): readonly string[] {
  return isKnownEventType(type) ? CATALOG[type].consumers : [];
}

/** Event types a function subscribes to (the reverse of `consumers`). */
export function typesConsumedBy(fn: string): EventType[] {
  return (Object.keys(CATALOG) as EventType[]).filter((type) => (CATALOG[type].consumers as readonly string[]).includes(fn));
}

export function parseEventData<T extends EventType>(type: T, data: unknown): EventData<T> {
  return v.parse(CATALOG[type].data, data) as EventData<T>;
}

/** NATS subject for an event type: `mediateca.events.<type with dots and colons flattened>`. */
export function subjectFor(type: string): string {
  return `mediateca.events.${type.replace(/[.:*>\s]/g, '_')}`;
}
