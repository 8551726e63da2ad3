// upload: starts an upload. Creates the asset in state `uploading` and hands the client presigned URLs
// (one PUT, or a multipart plan above a size threshold). The bytes go straight to the object store.
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import * as v from 'valibot';
import { ConcurrentModification, createUploadingAsset, findAsset, findDuplicate, findUpload } from '../../shared/db/assets.ts';
import { extensionOf, mediaTypeOf, safeFilename } from '../../shared/domain/asset.ts';
import { type AppEnv, createFunctionApp, requireAuth } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { acceptEvents } from '../../shared/http/events.ts';
import { badRequest, conflict, notFound, payloadTooLarge } from '../../shared/http/problem.ts';
import { ProjectId, Tags, jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Upload } from '../../shared/db/schema.ts';
import type { Platform } from '../../shared/platform.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import type { CompletedPart } from '../../shared/storage/object-store.ts';
import { CANCELLED, abandonUpload, expireAbandonedUploads } from '../../shared/uploads/abandon.ts';
import { completionProblem, planParts } from './parts.ts';

const StartUpload = v.object({
  projectId: ProjectId,
  filename: v.pipe(userText(1024), v.minLength(1)),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  contentType: v.pipe(v.string(), v.regex(/^[a-z]+\/[a-z0-9.+-]+$/i, 'must be a MIME type such as image/jpeg')),
  sha256: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters'), v.toLowerCase())),
  title: v.optional(userText(500)),
  description: v.optional(userText(20000)),
  tags: v.optional(Tags, []),
});

const CompleteUpload = v.object({
  parts: v.pipe(v.array(v.object({ partNumber: v.pipe(v.number(), v.integer(), v.minValue(1)), etag: v.pipe(v.string(), v.minLength(1)) })), v.minLength(1)),
});

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'upload');
  // Scheduled (e.g. a Knative PingSource) clean-up of uploads that never completed.
  acceptEvents(app, platform, 'upload', { 'io.mediateca.uploads.expire-requested': async () => { await expireAbandonedUploads(platform, new Date()); } });
  app.use('/uploads/*', requireAuth(platform));
  app.use('/uploads', requireAuth(platform));

  app.post('/uploads', async (c) => {
    const input = parseOrProblem(StartUpload, await jsonBody(c.req.raw), 'upload');
    authorize(c, 'asset:upload', input.projectId, 'project');
    return c.json(await startUpload(platform, c.get('principal').subject, input), 201);
  });

  app.get('/uploads/:id', async (c) => {
    const upload = await findUpload(platform.db, c.req.param('id'));
    if (!upload) throw notFound('upload not found');
    authorize(c, 'asset:upload', upload.project_id, 'upload');
    return c.json(await describeUpload(platform, upload.id));
  });

  app.post('/uploads/:id/complete', async (c) => {
    const upload = await findUpload(platform.db, c.req.param('id'));
    if (!upload) throw notFound('upload not found');
    authorize(c, 'asset:upload', upload.project_id, 'upload');
    if (!upload.multipart_upload_id) throw badRequest('this upload is a single PUT; there is nothing to complete');
    if (upload.completed_at) throw conflict('this upload is already complete');
    const { parts } = parseOrProblem(CompleteUpload, await jsonBody(c.req.raw), 'completion');
    const stored = await storedParts(platform, upload);
    if (!stored) throw conflict('the parts are already assembled; verification follows');
    const problem = completionProblem(upload.part_count!, parts, stored);
    if (problem) throw badRequest(problem);
    try {
      await platform.store.completeMultipartUpload(upload.bucket, upload.storage_key, upload.multipart_upload_id, parts);
    } catch (error) {
      throw badRequest(`the object store refused to complete the upload: ${(error as Error).message}`);
    }
    return c.json({ assetId: upload.asset_id, state: 'uploading', detail: 'upload complete; verification follows' }, 202);
  });

  app.delete('/uploads/:id', async (c) => {
    const upload = await findUpload(platform.db, c.req.param('id'));
    if (!upload) throw notFound('upload not found');
    authorize(c, 'asset:upload', upload.project_id, 'upload');
    if (upload.completed_at) throw conflict('this upload is complete; delete the asset instead');
    const closed = await abandonUpload(platform, upload, CANCELLED, c.get('principal').subject).catch((error) => {
      if (error instanceof ConcurrentModification) return false;
      throw error;
    });
    if (!closed) throw conflict('the upload was completed or closed meanwhile');
    return c.body(null, 204);
  });
  return app;
}

export async function startUpload(platform: Platform, owner: string, input: v.InferOutput<typeof StartUpload>) {
  const { config, store } = platform;
  if (input.size === 0) throw badRequest('the file is empty (0 bytes); there is nothing to upload');
  if (input.size > config.uploads.maxBytes) throw payloadTooLarge(`the file is ${input.size} bytes; the limit is ${config.uploads.maxBytes} bytes`);
  if (input.sha256) {
    const existing = await findDuplicate(platform.db, input.projectId, input.sha256);
    if (existing) throw conflict(`an identical file is already in project ${input.projectId}`, { duplicateOf: existing.id });
  }
  const assetId = randomUUID();
  const uploadId = randomUUID();
  const filename = safeFilename(input.filename);
  const key = originalKey(input.projectId, assetId, extensionOf(filename));
  const bucket = store.buckets.incoming;
  const expiresAt = new Date(Date.now() + config.uploads.expireAfterSeconds * 1000);
  const multipart = input.size > config.uploads.multipartThresholdBytes;
  const plan = multipart ? planParts(input.size, config.uploads.partSizeBytes) : undefined;
  const multipartUploadId = plan ? await store.createMultipartUpload(bucket, key, input.contentType) : null;

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
  );
  return describeUpload(platform, uploadId);
}

/** The upload's instructions; for multipart, parts already received are listed so a client can resume. */
async function describeUpload(platform: Platform, uploadId: string) {
  const upload = (await findUpload(platform.db, uploadId))!;
  const asset = (await findAsset(platform.db, upload.asset_id))!;
  const { store, config } = platform;
  const ttl = config.uploads.urlTtlSeconds;
  const urlsExpireAt = new Date(Date.now() + ttl * 1000).toISOString();
  const base = { uploadId, assetId: asset.id, state: asset.state, expiresAt: new Date(upload.expires_at).toISOString(), urlsExpireAt };
  if (!upload.multipart_upload_id) {
    const url = await store.presignPut(upload.bucket, upload.storage_key, asset.content_type, ttl);
    return { ...base, method: 'PUT' as const, url, headers: { 'content-type': asset.content_type } };
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
async function storedParts(platform: Platform, upload: Upload): Promise<CompletedPart[] | undefined> {
  try {
    return await platform.store.listParts(upload.bucket, upload.storage_key, upload.multipart_upload_id!);
  } catch (error) {
    if (await platform.store.head(upload.bucket, upload.storage_key)) return undefined;
    throw error;
  }
}
