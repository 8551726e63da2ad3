// Starting an upload: the asset in state `uploading`, its upload row, and the client's instructions (one presigned
// PUT, or a multipart plan above a size threshold). The upload API and bulk import both start uploads here.
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { type AlsoWritten, createUploadingAsset, findAsset, findDuplicate, findUpload } from '../db/assets.ts';
import type { Upload } from '../db/schema.ts';
import { extensionOf, mediaTypeOf, safeFilename } from '../domain/asset.ts';
import { badRequest, conflict, payloadTooLarge } from '../http/problem.ts';
import { ProjectId, Tags, userText } from '../http/validate.ts';
import type { Platform } from '../platform.ts';
import { originalKey } from '../storage/keys.ts';
import type { CompletedPart } from '../storage/object-store.ts';
import { planParts } from './parts.ts';
import { fileVersionOfUpload } from '../db/asset-lifecycle.ts';

export const StartUpload = v.object({
  projectId: ProjectId,
  filename: v.pipe(userText(1024), v.minLength(1)),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  contentType: v.pipe(v.string(), v.regex(/^[a-z]+\/[a-z0-9.+-]+$/i, 'must be a MIME type such as image/jpeg')),
  sha256: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters'), v.toLowerCase())),
  title: v.optional(userText(500)),
  description: v.optional(userText(20000)),
  tags: v.optional(Tags, []),
});

export type StartUploadInput = v.InferOutput<typeof StartUpload>;

/**
 * A multipart upload the caller already began (and sent parts to) before the size was known: bulk import of a
 * source without Content-Length. The asset takes this id, the upload that multipart upload and its part size.
 */
export interface BegunMultipart {
  assetId: string;
  storageKey: string;
  multipartUploadId: string;
  partSize: number;
}

/** Where a file of this project and name is stored: the key begun multipart uploads must use. */
export function storageKeyFor(projectId: string, assetId: string, filename: string): string {
  return originalKey(projectId, assetId, extensionOf(safeFilename(filename)));
}

export async function startUpload(platform: Platform, owner: string, input: StartUploadInput, begun?: BegunMultipart) {
  const planned = await planUpload(platform, owner, input, begun);
  await planned.record();
  return planned.answer ?? describeUpload(platform, planned.uploadId);
}

/**
 * An upload in two steps, for a caller that streams the bytes itself (bulk import): the checks, the ids and, for
 * one PUT, the presigned URL first; then `record()` writes the asset and its upload row (with `alsoWritten` in
 * the same statement as the upload row). Bytes may flow to the URL while `record()` runs as long as the last byte is held back
 * until it resolved: the object is complete in the store, and its notification can fire, only after the rows exist.
 * `answer` is the client's instructions for one PUT; undefined for multipart (describeUpload reads them back).
 */
export async function planUpload(platform: Platform, owner: string, input: StartUploadInput, begun?: BegunMultipart) {
  const { config, store } = platform;
  if (input.size === 0) throw badRequest('the file is empty (0 bytes); there is nothing to upload');
  if (input.size > config.uploads.maxBytes) throw payloadTooLarge(`the file is ${input.size} bytes; the limit is ${config.uploads.maxBytes} bytes`);
  if (input.sha256) {
    const existing = await findDuplicate(platform.db, input.projectId, input.sha256);
    if (existing) throw conflict(`an identical file is already in project ${input.projectId}`, { duplicateOf: existing.id });
  }
  const assetId = begun?.assetId ?? randomUUID();
  const uploadId = randomUUID();
  const filename = safeFilename(input.filename);
  const key = begun?.storageKey ?? originalKey(input.projectId, assetId, extensionOf(filename));
  const bucket = store.buckets.incoming;
  const expiresAt = new Date(Date.now() + config.uploads.expireAfterSeconds * 1000);
  const multipart = begun !== undefined || input.size > config.uploads.multipartThresholdBytes;
  const plan = begun ? { partSize: begun.partSize, partCount: Math.ceil(input.size / begun.partSize) } : multipart ? planParts(input.size, config.uploads.partSizeBytes) : undefined;
  const multipartUploadId = begun?.multipartUploadId ?? (plan ? await store.createMultipartUpload(bucket, key, input.contentType) : null);

  const record = async (alsoWritten?: AlsoWritten) => {
    await createUploadingAsset(
      platform.db,
      {
        id: assetId,
        project_id: input.projectId,
        media_type: mediaTypeOf(input.contentType),
        title: input.title ?? filename.replace(/\.[^.]+$/, ''),
        description: input.description ?? '',
        tags: input.tags,
        filename,
        content_type: input.contentType,
        size_bytes: input.size,
        expected_sha256: input.sha256 ?? null,
        sha256: null,
        storage_key: key,
        duplicate_of: null,
        state_reason: null,
        progress: null,
        owner,
      },
      { id: uploadId, bucket, storage_key: key, multipart_upload_id: multipartUploadId, part_size: plan?.partSize ?? null, part_count: plan?.partCount ?? null, expires_at: expiresAt },
      alsoWritten,
    );
  };
  if (multipartUploadId) return { uploadId, assetId, record, answer: undefined };
  // one PUT: everything the answer needs is at hand (nothing to read back)
  const ttl = config.uploads.urlTtlSeconds;
  const url = await store.presignPut(bucket, key, input.contentType, ttl);
  const urlsExpireAt = new Date(Date.now() + ttl * 1000).toISOString();
  const answer = { uploadId, assetId, state: 'uploading' as const, expiresAt: expiresAt.toISOString(), urlsExpireAt, method: 'PUT' as const, url, headers: { 'content-type': input.contentType } };
  return { uploadId, assetId, record, answer };
}

/** The upload's instructions; for multipart, parts already received are listed so a client can resume. */
export async function describeUpload(platform: Platform, uploadId: string) {
  const upload = (await findUpload(platform.db, uploadId))!;
  const asset = (await findAsset(platform.db, upload.asset_id))!;
  // a new file version declares its own type (versions.ts)
  const contentType = (await fileVersionOfUpload(platform.db, uploadId))?.content_type ?? asset.content_type;
  const { store, config } = platform;
  const ttl = config.uploads.urlTtlSeconds;
  const urlsExpireAt = new Date(Date.now() + ttl * 1000).toISOString();
  const base = { uploadId, assetId: asset.id, state: asset.state, expiresAt: new Date(upload.expires_at).toISOString(), urlsExpireAt };
  if (!upload.multipart_upload_id) {
    const url = await store.presignPut(upload.bucket, upload.storage_key, contentType, ttl);
    return { ...base, method: 'PUT' as const, url, headers: { 'content-type': contentType } };
  }
  // undefined once the parts are assembled: nothing is left to send
  const stored = upload.completed_at ? undefined : await storedParts(platform, upload);
  const done = stored ?? [];
  const received = new Set(done.map((p) => p.partNumber));
  const parts = [];
  for (let partNumber = 1; stored && partNumber <= upload.part_count!; partNumber++) {
    if (received.has(partNumber)) continue;
    parts.push({ partNumber, url: await store.presignUploadPart(upload.bucket, upload.storage_key, upload.multipart_upload_id, partNumber, ttl) });
  }
  return {
    ...base,
    method: 'MULTIPART' as const,
    multipart: {
      partSize: upload.part_size!,
      partCount: upload.part_count!,
      parts,
      received: done,
      completeUrl: `${config.publicUrl}/uploads/${uploadId}/complete`,
    },
  };
}

/** The parts the store holds; undefined once they were assembled (the multipart upload is over, the object exists). */
export async function storedParts(platform: Platform, upload: Upload): Promise<CompletedPart[] | undefined> {
  try {
    return await platform.store.listParts(upload.bucket, upload.storage_key, upload.multipart_upload_id!);
  } catch (error) {
    if (await platform.store.head(upload.bucket, upload.storage_key)) return undefined;
    throw error;
  }
}
