// The one path that turns an object in the incoming bucket into a verified master: a bucket notification, the
// reconciliation sweep and expiry all run it. Steps, each safe to repeat after a crash before the next:
//   1. size, type (from the bytes), SHA-256, duplicate check        (reads only)
//   2. copy to the masters bucket                                   (same key, same bytes: overwriting is harmless)
//   3. one transaction: asset → uploaded + upload completed + the event marked processed
//   4. delete from the incoming bucket                              (a leftover is an object of no open upload:
//                                                                    the next notification or sweep deletes it)
// An object that no open upload wants (cancelled, expired, unknown, or already verified: a re-PUT after `ready`)
// is deleted, so an old presigned URL can never bring bytes into the pipeline.
import type { Transaction } from 'kysely';
import { ConcurrentModification, deleteOpenUpload, factsOf, findAsset, findDuplicate, findUpload, findUploadByKey, markUploadCompleted } from '../db/assets.ts';
import type { Asset, DB, Upload } from '../db/schema.ts';
import { checkContentType } from '../domain/asset.ts';
import { failAsset, verifyUpload } from '../domain/asset-commands.ts';
import { recordDecision } from '../events/asset-decisions.ts';
import { SNIFF_BYTES, readHead, sniff } from '../media/sniff.ts';
import type { Platform } from '../platform.ts';
import { sha256Of } from '../storage/checksum.ts';
import { masterKey } from '../storage/keys.ts';
import { fileVersionOfUpload, verifyVersionObject } from './versions.ts';

export type VerifyOutcome =
  /** asset → uploaded, master in place */
  | 'verified'
  /** a permanent problem with the file: asset → failed with the reason, bytes deleted */
  | 'rejected'
  /** bytes no open upload wants, deleted */
  | 'discarded'
  /** nothing at that key (already handled, or expired) */
  | 'absent'
  /** not the incoming bucket: never touched */
  | 'ignored';

export interface VerifyOptions {
  /** who acts, in the asset's history */
  actor: string;
  /** records the triggering event as processed in the transaction that changes the asset */
  markProcessed?: (trx: Transaction<DB>) => Promise<void>;
}

export async function verifyIncomingObject(platform: Platform, object: { bucket: string; key: string }, options: VerifyOptions): Promise<VerifyOutcome> {
  const { store, db } = platform;
  const { bucket, key } = object;
  const log = platform.logger.child({ bucket, key, actor: options.actor });
  if (bucket !== store.buckets.incoming) {
    log.warn('not the incoming bucket; ignored');
    return 'ignored';
  }
  const upload = await findUploadByKey(db, bucket, key);
  // a new file for an asset that has one already (versions.ts)
  const version = upload ? await fileVersionOfUpload(db, upload.id) : undefined;
  if (upload && version) return verifyVersionObject(platform, object, upload, version, options);
  const asset = upload ? await findAsset(db, upload.asset_id) : undefined;
  if (!upload || !asset || upload.completed_at || asset.state !== 'uploading') {
    await store.delete(bucket, key);
    log.info({ uploadId: upload?.id, state: asset?.state }, 'object of no open upload deleted');
    return 'discarded';
  }
  const info = await store.head(bucket, key);
  if (!info) {
    log.info('no object at this key (already handled or expired)');
    return 'absent';
  }
  const reject = (reason: string, extra: Parameters<typeof failAsset>[2] = {}) => rejectUpload(platform, asset, upload, reason, extra, options);
  const declared = Number(asset.size_bytes);
  if (info.size === 0) return reject('the uploaded file is empty (0 bytes)');
  if (info.size !== declared) return reject(`size mismatch: ${declared} bytes were declared, ${info.size} arrived`);

  const { detected, markup } = await sniff(await readHead(await store.getStream(bucket, key, { start: 0, end: Math.min(info.size, SNIFF_BYTES) - 1 })));
  const type = checkContentType(asset.content_type, detected, markup);
  if (!type.ok) return reject(type.reason);

  const sha256 = await sha256Of(await store.getStream(bucket, key));
  if (asset.expected_sha256 && asset.expected_sha256 !== sha256) {
    return reject(`checksum mismatch: expected SHA-256 ${asset.expected_sha256}, received ${sha256}`);
  }
  const duplicate = await findDuplicate(db, asset.project_id, sha256, asset.id);
  if (duplicate) return reject(`duplicate of asset ${duplicate.id} (identical SHA-256)`, { duplicateOf: duplicate.id, sha256 });

  const master = { bucket: store.buckets.masters, key: masterKey(key) };
  await store.copy({ bucket, key }, master, info.size);
  try {
    await db.transaction().execute(async (trx) => {
      const verified = verifyUpload(factsOf(asset), { sha256, size: info.size, storageKey: master.key, contentType: type.contentType, mediaType: type.mediaType });
      await recordDecision(trx, asset, verified, { actor: options.actor });
      await markUploadCompleted(trx, upload.id);
      await options.markProcessed?.(trx);
    });
  } catch (error) {
    if (!(error instanceof ConcurrentModification)) throw error;
    // Changed meanwhile: another verification of the same object won (its master stays), or the upload was
    // cancelled or expired (then the copy made above belongs to nobody).
    if (!(await findUpload(db, upload.id))?.completed_at) await store.delete(master.bucket, master.key);
    await store.delete(bucket, key);
    log.info('the upload changed during verification; this verification stands down');
    return 'discarded';
  }
  platform.outboxWritten();
  await store.delete(bucket, key);
  log.info({ assetId: asset.id, sha256, ...(type.corrected ? { declared: asset.content_type, detected: type.contentType } : {}) }, 'upload verified');
  return 'verified';
}

/** A permanent problem with the file: the asset fails with a reason (kept, visible), the upload closes, the bytes go. */
async function rejectUpload(platform: Platform, asset: Asset, upload: Upload, reason: string, extra: Parameters<typeof failAsset>[2], options: VerifyOptions): Promise<VerifyOutcome> {
  await platform.db.transaction().execute(async (trx) => {
    await recordDecision(trx, asset, failAsset(factsOf(asset), reason, extra), { actor: options.actor });
    await deleteOpenUpload(trx, upload.id);
    await options.markProcessed?.(trx);
  });
  platform.outboxWritten();
  await platform.store.delete(upload.bucket, upload.storage_key);
  platform.logger.warn({ assetId: asset.id, reason }, 'upload rejected');
  return 'rejected';
}
