// The API's routes in one table: method, path, who may call it, the valibot schemas that validate the request
// (imported from the functions that use them) and the schemas of what it answers (api-schemas.ts). The OpenAPI
// document at /openapi.json is generated from it; openapi.test.ts fails when a Hono route is missing here or a
// real answer does not match.
import { EditAsset, EditorialTransition, LabelDecision, ProjectSettingsInput } from '../assets/index.ts';
import { AuditAcrossProjectsParams, AuditQueryParams } from '../assets/audit.ts';
import { ExportQuery } from '../assets/csv.ts';
import { AddToCollection, CollectionPatch, MoveInCollection, NewCollection, PageParams } from '../assets/collections.ts';
import { ListAssetsParams } from '../assets/listing.ts';
import { NewShareLink, OpenShare, ShareDownloadParams, ShareListParams, SharePageParams } from '../assets/shares.ts';
import { MergePerson, NamePerson, PersonsQuery } from '../assets/people.ts';
import { BatchInput, OriginalQuery, SchemaInput } from '../assets/schemas.ts';
import { SignedTrackQuery } from '../assets/thumbnails.ts';
import { TrashQuery } from '../assets/trash.ts';
import { NewFileVersion } from '../assets/versions.ts';
import { ChannelPatch, NewChannel, NewPublication, PublicationQuery, RuleBody } from '../distribute/index.ts';
import { ReportQuery, StartImport, TaskQuery } from '../import/index.ts';
import { BulkRedrive, DeadLetterAnswer, DeadLetterPageAnswer, DeadLetterQuery, RedriveAnswer, ReplayRunAnswer, StartReplay } from '../index/admin.ts';
import { SearchParams } from '../search/index.ts';
import { CompleteUpload } from '../upload/index.ts';
import { type ApiRoute, openApiDocument } from '../../shared/http/openapi.ts';
import { StartUpload } from '../../shared/uploads/start.ts';
import * as S from './api-schemas.ts';
import { LiveEventsQuery } from './index.ts';

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'post', path: '/uploads', tag: 'uploads', role: 'editor', summary: 'Start an upload: one presigned PUT, or a multipart plan above the threshold', body: StartUpload, responses: { 201: S.UploadPlan } },
  { method: 'get', path: '/uploads/:id', tag: 'uploads', role: 'editor', summary: 'The plan again, with fresh URLs for the parts still missing (resume)', responses: { 200: S.UploadPlan } },
  { method: 'post', path: '/uploads/:id/complete', tag: 'uploads', role: 'editor', summary: 'Complete a multipart upload', body: CompleteUpload, responses: { 202: S.UploadCompleted } },
  { method: 'delete', path: '/uploads/:id', tag: 'uploads', role: 'editor', summary: 'Cancel an open upload', responses: { 204: null } },
  { method: 'get', path: '/assets', tag: 'assets', role: 'viewer', summary: 'Every asset of your projects, newest first, cursor paged', query: ListAssetsParams, responses: { 200: S.AssetListing } },
  { method: 'get', path: '/assets/:id', tag: 'assets', role: 'viewer', summary: 'An asset with metadata, AI results, renditions and presigned URLs', responses: { 200: S.Asset } },
  { method: 'patch', path: '/assets/:id', tag: 'assets', role: 'editor', summary: 'Edit title, description, tags and schema fields (If-Match for optimistic concurrency; a bad field is 400 naming it)', body: EditAsset, responses: { 200: S.Asset } },
  { method: 'delete', path: '/assets/:id', tag: 'assets', role: 'editor', summary: 'Soft delete', responses: { 204: null } },
  { method: 'get', path: '/projects/:id/trash', tag: 'assets', role: 'editor', summary: "The project's deleted assets, newest deletion first, with when each is purged", query: TrashQuery, responses: { 200: S.Trash } },
  { method: 'post', path: '/assets/:id/restore', tag: 'assets', role: 'editor', summary: 'Bring a deleted asset back from the trash, to the state it was deleted in', responses: { 200: S.Asset } },
  { method: 'post', path: '/assets/:id/purge', tag: 'assets', role: 'admin', summary: 'Remove a trashed asset for good: objects, search document, faces; the history keeps a tombstone', responses: { 200: S.Purged } },
  { method: 'post', path: '/projects/:id/trash/purge-due', tag: 'assets', role: 'admin', summary: "Purge now what is past the project's trash retention (the scheduled sweep does the same)", responses: { 200: S.TrashSweep } },
  { method: 'post', path: '/assets/:id/versions', tag: 'assets', role: 'editor', summary: 'Upload a new file version of the asset (an upload plan; verified and rendered like any upload)', body: NewFileVersion, responses: { 201: S.UploadPlan } },
  { method: 'get', path: '/assets/:id/versions', tag: 'assets', role: 'viewer', summary: 'Every file version with its master and renditions, downloadable', responses: { 200: S.FileVersions } },
  { method: 'post', path: '/assets/:id/versions/:n/revert', tag: 'assets', role: 'editor', summary: 'Make an earlier file version current again (its renditions come back with it)', responses: { 200: S.Asset } },
  { method: 'get', path: '/assets/:id/history', tag: 'assets', role: 'viewer', summary: 'Every change, versioned', responses: { 200: S.AssetHistory } },
  { method: 'post', path: '/assets/:id/reprocess', tag: 'assets', role: 'admin', summary: 'Make every rendition again', responses: { 202: S.Reprocessing } },
  { method: 'post', path: '/assets/:id/transitions', tag: 'assets', role: 'editor', summary: 'Move an asset through the editorial workflow (draft → in review → approved…)', body: EditorialTransition, responses: { 200: S.Asset } },
  { method: 'put', path: '/assets/:id/labels/:label', tag: 'assets', role: 'editor', summary: "Accept or reject a model's label", body: LabelDecision, responses: { 200: S.Label } },
  { method: 'get', path: '/assets/:id/hls/master.m3u8', tag: 'assets', role: 'public', summary: "A video's HLS master playlist, naming its variant playlists (signed URL from the hls rendition)", query: SignedTrackQuery, responses: { 200: { contentType: 'application/vnd.apple.mpegurl' } } },
  { method: 'get', path: '/assets/:id/hls/:variant/index.m3u8', tag: 'assets', role: 'public', summary: "A video's HLS variant playlist, its segments presigned (the master playlist's signature)", query: SignedTrackQuery, responses: { 200: { contentType: 'application/vnd.apple.mpegurl' } } },
  { method: 'get', path: '/assets/:id/thumbnails.vtt', tag: 'assets', role: 'public', summary: "A video's scrubbing thumbnails track (signed URL from the sprite-vtt rendition)", query: SignedTrackQuery, responses: { 200: { contentType: 'text/vtt' } } },
  { method: 'post', path: '/projects/:id/rebuild', tag: 'projects', role: 'admin', summary: "Rebuild the project's projections from its events", responses: { 200: S.Described } },
  { method: 'get', path: '/projects/:id/settings', tag: 'projects', role: 'viewer', summary: 'Project settings', responses: { 200: S.ProjectSettings } },
  { method: 'put', path: '/projects/:id/settings', tag: 'projects', role: 'admin', summary: 'Change project settings', body: ProjectSettingsInput, responses: { 200: S.ProjectSettings } },
  { method: 'get', path: '/assets/:id/original', tag: 'assets', role: 'viewer', summary: 'The original: 302 to its presigned URL, or with embed=xmp a copy (JPEG, PNG; TIFF, MP4 through ExifTool) carrying the current metadata as XMP', query: OriginalQuery, responses: { 200: { contentType: 'application/octet-stream' } } },
  { method: 'post', path: '/assets/batch', tag: 'assets', role: 'editor', summary: 'One metadata patch or editorial transition for many assets (ids, or a search query), each its own decision, a result per asset', body: BatchInput, responses: { 200: S.BatchResults } },
  { method: 'get', path: '/assets/export.csv', tag: 'assets', role: 'viewer', summary: "The metadata of the assets a search finds, as CSV: id, projectId, version, title, description, tags (|-separated) and a fields.<name> column per schema field (up to 5,000 rows; audited)", query: ExportQuery, responses: { 200: { contentType: 'text/csv' } } },
  { method: 'post', path: '/assets/import.csv', tag: 'assets', role: 'editor', summary: "Apply a CSV of metadata (as exported; id required, version the expected version): each row a batch edit of the cells that differ, a result per row (audited)", body: { contentType: 'text/csv' }, responses: { 200: S.ImportResults } },
  { method: 'get', path: '/projects/:id/schema', tag: 'projects', role: 'viewer', summary: "The project's metadata schema: built-in rights fields and its own typed fields (ETag: its version)", responses: { 200: S.MetadataSchema } },
  { method: 'put', path: '/projects/:id/schema', tag: 'projects', role: 'admin', summary: 'Save a new schema version (expectedVersion or If-Match; stored values are never lost)', body: SchemaInput, responses: { 200: S.MetadataSchema } },
  { method: 'get', path: '/projects/:id/schema/versions', tag: 'projects', role: 'viewer', summary: "The schema's versions, newest first", responses: { 200: S.SchemaVersions } },
  { method: 'get', path: '/projects/:id/schema/versions/:version', tag: 'projects', role: 'viewer', summary: 'One schema version', responses: { 200: S.MetadataSchema } },
  { method: 'post', path: '/projects/:id/rights/expire', tag: 'projects', role: 'admin', summary: 'Raise rights-expired for every asset whose rights expiry has begun (idempotent)', responses: { 200: S.RightsSweep } },
  { method: 'get', path: '/persons', tag: 'people', role: 'viewer', summary: 'People found by face clustering', query: PersonsQuery, responses: { 200: S.PersonList } },
  { method: 'get', path: '/persons/:id', tag: 'people', role: 'viewer', summary: 'One person', responses: { 200: S.Person } },
  { method: 'patch', path: '/persons/:id', tag: 'people', role: 'editor', summary: 'Name a person (null unnames)', body: NamePerson, responses: { 200: S.Person } },
  { method: 'post', path: '/persons/:id/merge', tag: 'people', role: 'editor', summary: "Merge this person into another of the project (`into`): their faces join that person, whose name wins (this one's if it has none); answers the kept person", body: MergePerson, responses: { 200: S.Person } },
  { method: 'get', path: '/search', tag: 'search', role: 'viewer', summary: 'Text, semantic and hybrid search with filters, facets and cursor paging', query: SearchParams, responses: { 200: S.SearchResults } },
  { method: 'post', path: '/imports', tag: 'imports', role: 'editor', summary: 'Start a bulk import (or list it with dryRun)', body: StartImport, responses: { 201: S.Import, 200: S.ImportDryRun } },
  { method: 'get', path: '/imports/:id', tag: 'imports', role: 'editor', summary: 'State, counts and throughput of an import', responses: { 200: S.Import } },
  { method: 'get', path: '/imports/:id/tasks', tag: 'imports', role: 'editor', summary: 'Tasks in source order', query: TaskQuery, responses: { 200: S.ImportTasks } },
  { method: 'post', path: '/imports/:id/pause', tag: 'imports', role: 'editor', summary: 'Pause an import', responses: { 200: S.Import } },
  { method: 'post', path: '/imports/:id/resume', tag: 'imports', role: 'editor', summary: 'Resume an import', responses: { 200: S.Import } },
  { method: 'post', path: '/imports/:id/cancel', tag: 'imports', role: 'editor', summary: 'Cancel an import', responses: { 200: S.Import } },
  { method: 'get', path: '/imports/:id/report', tag: 'imports', role: 'editor', summary: 'Every source item and what became of it (JSON, or CSV)', query: ReportQuery, responses: { 200: S.ImportReport } },
  // distribution (functions/distribute): answers described as open objects until their schemas are written
  { method: 'get', path: '/projects/:id/channels', tag: 'distribution', role: 'admin', summary: "The project's distribution channels", responses: { 200: S.Described } },
  { method: 'post', path: '/projects/:id/channels', tag: 'distribution', role: 'admin', summary: 'Add a channel', body: NewChannel, responses: { 201: S.Described } },
  { method: 'patch', path: '/projects/:id/channels/:channelId', tag: 'distribution', role: 'admin', summary: 'Change a channel', body: ChannelPatch, responses: { 200: S.Described } },
  { method: 'delete', path: '/projects/:id/channels/:channelId', tag: 'distribution', role: 'admin', summary: 'Remove a channel', responses: { 204: null } },
  { method: 'get', path: '/projects/:id/distribution-rules', tag: 'distribution', role: 'admin', summary: "The project's distribution rules", responses: { 200: S.Described } },
  { method: 'post', path: '/projects/:id/distribution-rules', tag: 'distribution', role: 'admin', summary: 'Add a rule', body: RuleBody, responses: { 201: S.Described } },
  { method: 'put', path: '/projects/:id/distribution-rules/:ruleId', tag: 'distribution', role: 'admin', summary: 'Replace a rule', body: RuleBody, responses: { 200: S.Described } },
  { method: 'delete', path: '/projects/:id/distribution-rules/:ruleId', tag: 'distribution', role: 'admin', summary: 'Remove a rule', responses: { 204: null } },
  { method: 'get', path: '/projects/:id/distribution-rules/:ruleId/versions', tag: 'distribution', role: 'admin', summary: "A rule's versions", responses: { 200: S.Described } },
  { method: 'post', path: '/assets/:id/publications', tag: 'distribution', role: 'editor', summary: 'Publish an asset to a channel', body: NewPublication, responses: { 201: S.Described, 200: S.Described } },
  { method: 'get', path: '/assets/:id/publications', tag: 'distribution', role: 'viewer', summary: "An asset's publications", responses: { 200: S.Described } },
  { method: 'delete', path: '/assets/:id/publications/:publicationId', tag: 'distribution', role: 'editor', summary: 'Retract a publication', responses: { 202: S.Described } },
  { method: 'get', path: '/publications', tag: 'distribution', role: 'viewer', summary: 'Publications of your projects', query: PublicationQuery, responses: { 200: S.Described } },
  { method: 'post', path: '/publications/:id/redrive', tag: 'distribution', role: 'editor', summary: 'Try a failed publication again', responses: { 202: S.Described } },
  { method: 'get', path: '/auth/config', tag: 'auth', role: 'public', summary: 'How the workspace signs in (development token, OIDC provider for authorization code + PKCE)', responses: { 200: S.SignInOptions } },
  // collections (albums): ordered, per project; viewers see the assets they may see
  { method: 'post', path: '/projects/:id/collections', tag: 'collections', role: 'editor', summary: 'Create a collection', body: NewCollection, responses: { 201: S.Collection } },
  { method: 'get', path: '/projects/:id/collections', tag: 'collections', role: 'viewer', summary: "The project's collections, newest first, cursor paged", query: PageParams, responses: { 200: S.CollectionList } },
  { method: 'get', path: '/collections/:id', tag: 'collections', role: 'viewer', summary: 'A collection', responses: { 200: S.Collection } },
  { method: 'patch', path: '/collections/:id', tag: 'collections', role: 'editor', summary: 'Rename a collection or change its description (If-Match for optimistic concurrency)', body: CollectionPatch, responses: { 200: S.Collection } },
  { method: 'delete', path: '/collections/:id', tag: 'collections', role: 'editor', summary: 'Delete a collection (its assets stay; its share links stop working)', responses: { 204: null } },
  { method: 'get', path: '/collections/:id/assets', tag: 'collections', role: 'viewer', summary: "The collection's assets in order, cursor paged", query: PageParams, responses: { 200: S.CollectionAssets } },
  { method: 'post', path: '/collections/:id/assets', tag: 'collections', role: 'editor', summary: 'Add assets at a position (the end by default)', body: AddToCollection, responses: { 200: S.CollectionAdded } },
  { method: 'patch', path: '/collections/:id/assets/:assetId', tag: 'collections', role: 'editor', summary: 'Move an asset to a position', body: MoveInCollection, responses: { 200: S.CollectionMoved } },
  { method: 'delete', path: '/collections/:id/assets/:assetId', tag: 'collections', role: 'editor', summary: 'Remove an asset from the collection', responses: { 204: null } },
  // share links: made and revoked with a token, opened without one
  { method: 'post', path: '/assets/:id/shares', tag: 'shares', role: 'editor', summary: 'Share an approved asset through a link (expiry, password, renditions, original)', body: NewShareLink, responses: { 201: S.ShareLinkCreated } },
  { method: 'post', path: '/collections/:id/shares', tag: 'shares', role: 'editor', summary: 'Share a collection through a link', body: NewShareLink, responses: { 201: S.ShareLinkCreated } },
  { method: 'get', path: '/projects/:id/shares', tag: 'shares', role: 'editor', summary: "The project's share links, revoked ones included", query: ShareListParams, responses: { 200: S.ShareLinkList } },
  { method: 'delete', path: '/shares/:id', tag: 'shares', role: 'editor', summary: 'Revoke a share link (it then answers 410)', responses: { 204: null } },
  { method: 'get', path: '/s/:token', tag: 'shares', role: 'public', summary: 'Open a share link: the shared asset or collection, read-only (Share-Password header for a protected link); recorded in the audit log', query: SharePageParams, responses: { 200: S.SharedContent } },
  { method: 'post', path: '/s/:token', tag: 'shares', role: 'public', summary: 'Open a password-protected share link', body: OpenShare, query: SharePageParams, responses: { 200: S.SharedContent } },
  { method: 'get', path: '/s/:token/assets/:assetId/renditions/:name', tag: 'shares', role: 'public', summary: 'Download a shared rendition: recorded, then redirected (302) to a short-lived presigned URL', query: ShareDownloadParams, responses: { 302: null } },
  { method: 'get', path: '/s/:token/assets/:assetId/original', tag: 'shares', role: 'public', summary: 'Download the shared original, where the link allows it (302 to a presigned URL)', query: ShareDownloadParams, responses: { 302: null } },
  { method: 'get', path: '/projects/:id/audit', tag: 'audit', role: 'admin', summary: 'The audit log: reads, downloads, share-link accesses, changes and admin actions, newest first, filtered, cursor paged', query: AuditQueryParams, responses: { 200: S.AuditLog } },
  { method: 'get', path: '/audit', tag: 'audit', role: 'admin', summary: 'The audit log of the projects you administer (or those named), newest first, filtered, cursor paged', query: AuditAcrossProjectsParams, responses: { 200: S.AuditLog } },
  // operations (functions/index/admin.ts): admins of the operations project (AUTH_OPERATIONS_PROJECT) only
  { method: 'get', path: '/admin/dead-letters', tag: 'operations', role: 'admin', summary: 'Dead letters (the <STREAM>_DLQ stream, or the in-process ones), filtered by consumer, type and reason, paged', query: DeadLetterQuery, responses: { 200: DeadLetterPageAnswer } },
  { method: 'get', path: '/admin/dead-letters/:id', tag: 'operations', role: 'admin', summary: 'One dead letter with its event', responses: { 200: DeadLetterAnswer } },
  { method: 'post', path: '/admin/dead-letters/:id/redrive', tag: 'operations', role: 'admin', summary: 'Send a dead letter back to its consumer (processed once)', responses: { 202: RedriveAnswer } },
  { method: 'post', path: '/admin/dead-letters/redrive', tag: 'operations', role: 'admin', summary: 'Redrive every dead letter of a consumer, type or reason (all with an empty filter)', body: BulkRedrive, responses: { 202: RedriveAnswer } },
  { method: 'post', path: '/admin/replays', tag: 'operations', role: 'admin', summary: 'Rebuild a read model from the event log with no downtime (search, catalogue or all)', body: StartReplay, responses: { 202: ReplayRunAnswer } },
  { method: 'get', path: '/admin/replays/:id', tag: 'operations', role: 'admin', summary: 'How a replay is going', responses: { 200: ReplayRunAnswer } },
  { method: 'get', path: '/events', tag: 'events', role: 'viewer', summary: 'Server-sent events: a `change` event (LiveEvent JSON) each time an asset of your projects changes', query: LiveEventsQuery, responses: { 200: { contentType: 'text/event-stream' } } },
];

export { LiveEventsQuery };

let document: ReturnType<typeof openApiDocument> | undefined;

/** The OpenAPI 3.1 document of the routes above (built once). */
export function apiDocument() {
  document ??= openApiDocument(API_ROUTES, {
    title: 'Mediateca API',
    version: '0.1.0',
    description: 'Digital asset management: uploads straight to object storage, assets, search, people, bulk imports. Errors are RFC 9457 problem details.',
  }, S.COMPONENTS);
  return document;
}
