// Uploads that end without a file: cancelled by the client, or expired before the file arrived.
import { deleteOpenUpload, expiredUploads, factsOf, findAsset } from '../db/assets.ts';
import type { Upload } from '../db/schema.ts';
import { fileVersionOfUpload, setFileVersionState } from '../db/asset-lifecycle.ts';
import { failAsset } from '../domain/asset-commands.ts';
import { recordDecision } from '../events/asset-decisions.ts';
import type { Platform } from '../platform.ts';
import { verifyIncomingObject } from './verify.ts';

export const CANCELLED = 'upload cancelled by the client';
export const EXPIRED = 'upload expired before the file arrived';

/**
 * Closes an open upload: the asset fails with the reason and the upload row goes, in one transaction; only then are
 * the multipart upload aborted and the object deleted. From the commit on, bytes that still arrive through an old
 * presigned URL belong to no open upload, and verification deletes them. False when the upload was completed
 * (or closed) meanwhile: then nothing is touched.
 */
export async function abandonUpload(platform: Platform, upload: Upload, reason: string, actor: string): Promise<boolean> {
  const asset = await findAsset(platform.db, upload.asset_id);
  const version = await fileVersionOfUpload(platform.db, upload.id);
  const closed = await platform.db.transaction().execute(async (trx) => {
    if (!(await deleteOpenUpload(trx, upload.id))) return false;
    // a new file version's upload: the version fails, the asset stays as it is
    if (version) {
      await setFileVersionState(trx, upload.asset_id, version.file_version, 'failed', { reason });
      return true;
    }
    if (asset?.state === 'uploading') {
      await recordDecision(trx, asset, failAsset(factsOf(asset), reason), { actor });
    }
    return true;
  });
  if (!closed) return false;
  platform.outboxWritten();
  if (upload.multipart_upload_id) {
    await platform.store.abortMultipartUpload(upload.bucket, upload.storage_key, upload.multipart_upload_id).catch((error) => {
      // already completed or aborted; the bucket's lifecycle rule removes stray parts either way
      platform.logger.info({ uploadId: upload.id, error: String(error) }, 'multipart upload not aborted');
    });
  }
  await platform.store.delete(upload.bucket, upload.storage_key);
  return true;
}

export interface ExpiryReport {
  /** no file arrived: the asset failed with EXPIRED */
  expired: number;
  /** the file had arrived (its notification was lost): verified instead of deleted (it may still fail, with its reason) */
  arrived: number;
  /** left for the next run */
  errors: number;
}

const PAGE = 100;

/** Expires open uploads past their time whose object never arrived; an object that did arrive is verified instead. */
export async function expireAbandonedUploads(platform: Platform, now: Date): Promise<ExpiryReport> {
  const report: ExpiryReport = { expired: 0, arrived: 0, errors: 0 };
  let after: Upload | undefined;
  for (;;) {
    const page = await expiredUploads(platform.db, now, { limit: PAGE, after });
    for (const upload of page) {
      try {
        await expireOne(platform, upload, report);
      } catch (error) {
        report.errors++;
        platform.logger.error({ uploadId: upload.id, error: String(error) }, 'upload not expired');
      }
    }
    if (page.length < PAGE) break;
    after = page.at(-1);
  }
  if (report.expired + report.arrived + report.errors > 0) platform.logger.info(report, 'expired uploads');
  return report;
}

async function expireOne(platform: Platform, upload: Upload, report: ExpiryReport): Promise<void> {
  if (await platform.store.head(upload.bucket, upload.storage_key)) {
    const outcome = await verifyIncomingObject(platform, { bucket: upload.bucket, key: upload.storage_key }, { actor: 'expiry' });
    if (outcome === 'verified' || outcome === 'rejected') {
      report.arrived++;
      return;
    }
  }
  if (await abandonUpload(platform, upload, EXPIRED, 'expiry')) report.expired++;
}
