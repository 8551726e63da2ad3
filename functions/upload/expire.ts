// Uploads that never completed: abort the multipart upload, drop the partial object, fail the asset.
import { changeAsset, deleteUpload, expiredUploads, findAsset } from '../../shared/db/assets.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import type { Platform } from '../../shared/platform.ts';

export async function expireAbandonedUploads(platform: Platform, now: Date, onlyUploadId?: string): Promise<number> {
  const uploads = (await expiredUploads(platform.db, now)).filter((u) => !onlyUploadId || u.id === onlyUploadId);
  for (const upload of uploads) {
    if (upload.multipart_upload_id) await platform.store.abortMultipartUpload(upload.bucket, upload.storage_key, upload.multipart_upload_id).catch(() => {});
    await platform.store.delete(upload.bucket, upload.storage_key).catch(() => {});
    const asset = await findAsset(platform.db, upload.asset_id);
    if (asset?.state === 'uploading') {
      const reason = onlyUploadId ? 'upload cancelled by the client' : 'upload expired before the file arrived';
      await changeAsset(platform.db, asset, {
        expectedVersion: asset.version,
        set: { state: 'failed', state_reason: reason },
        history: { type: 'failed', actor: 'upload', data: { reason } },
        events: (version) => [newEvent('io.mediateca.asset.failed', EVENT_SOURCE, { assetId: asset.id, projectId: asset.project_id, version, reason }, asset.id)],
      });
    }
    await deleteUpload(platform.db, upload.id);
  }
  if (uploads.length > 0) platform.outboxWritten();
  return uploads.length;
}
