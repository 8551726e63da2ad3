// upload: starts an upload. Creates the asset in state `uploading` and hands the client presigned URLs
// (one PUT, or a multipart plan above a size threshold). The bytes go straight to the object store.
import type { Hono } from 'hono';
import * as v from 'valibot';
import { ConcurrentModification, findUpload } from '../../shared/db/assets.ts';
import { type AppEnv, createFunctionApp, requireAuth } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { acceptEvents } from '../../shared/http/events.ts';
import { badRequest, conflict, notFound } from '../../shared/http/problem.ts';
import { limitUploads } from '../../shared/http/rate-limit.ts';
import { jsonBody, parseOrProblem } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { CANCELLED, abandonUpload, expireAbandonedUploads } from '../../shared/uploads/abandon.ts';
import { completionProblem } from '../../shared/uploads/parts.ts';
import { StartUpload, describeUpload, startUpload, storedParts } from '../../shared/uploads/start.ts';

export const CompleteUpload = v.object({
  parts: v.pipe(v.array(v.object({ partNumber: v.pipe(v.number(), v.integer(), v.minValue(1)), etag: v.pipe(v.string(), v.minLength(1)) })), v.minLength(1)),
});

export function createApp(platform: Platform): Hono<AppEnv> {
  const app = createFunctionApp(platform, 'upload');
  // Scheduled (e.g. a Knative PingSource) clean-up of uploads that never completed.
  acceptEvents(app, platform, 'upload', { 'io.mediateca.uploads.expire-requested': async () => { await expireAbandonedUploads(platform, new Date()); } });
  app.use('/uploads/*', requireAuth(platform)); // also matches /uploads itself

  app.post('/uploads', limitUploads(platform.rateLimits), async (c) => {
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
