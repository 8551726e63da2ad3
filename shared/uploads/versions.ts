// A new file version of an existing asset (domain/asset-lifecycle.ts): an upload that targets the asset, verified
// like any upload (size, type from the bytes, SHA-256, duplicates), then the asset's master, rendered anew through
// the same pipeline (asset.uploaded with reprocess). The version before keeps its master and renditions on its record.
import { randomUUID } from 'node:crypto';
import { ConcurrentModification, factsOf, findAsset, findDuplicate, markUploadCompleted, deleteOpenUpload } from '../db/assets.ts';
import { fileVersionOfUpload, fileVersions, insertFileVersion, insertUpload, recordFirstVersion, setCurrentVersionAside, setFileVersionState, versionFacts } from '../db/asset-lifecycle.ts';
import type { Asset, FileVersion, Upload } from '../db/schema.ts';
import { checkContentType, extensionOf, mediaTypeOf, safeFilename } from '../domain/asset.ts';
import { CommandRefused } from '../domain/asset-commands.ts';
import { rejectFileVersion, startFileVersion, verifyFileVersion } from '../domain/asset-lifecycle.ts';
import { recordDecision } from '../events/asset-decisions.ts';
import { badRequest, conflict, payloadTooLarge } from '../http/problem.ts';
import { SNIFF_BYTES, readHead, sniff } from '../media/sniff.ts';
import type { Platform } from '../platform.ts';
import { sha256Of } from '../storage/checksum.ts';
import { masterKey, versionOriginalKey } from '../storage/keys.ts';
import { planParts } from './parts.ts';
import type { VerifyOptions, VerifyOutcome } from './verify.ts';

export interface NewFileVersion {
  filename: string;
  size: number;
  contentType: string;
  sha256?: string;
}

/**
 * Opens the upload of version n+1 for `asset` as read at `expectedVersion` (a stale read is ConcurrentModification);
 * CommandRefused when the asset cannot take a new file now. Returns the upload's id (describeUpload gives the plan).
 */
export async function startVersionUpload(platform: Platform, actor: string, asset: Asset, input: NewFileVersion, expectedVersion: number): Promise<string> {
  const { config, store } = platform;
  if (input.size === 0) throw badRequest('the file is empty (0 bytes); there is nothing to upload');
  if (input.size > config.uploads.maxBytes) throw payloadTooLarge(`the file is ${input.size} bytes; the limit is ${config.uploads.maxBytes} bytes`);
  if (input.sha256) {
    const existing = await findDuplicate(platform.db, asset.project_id, input.sha256);
    if (existing) throw conflict(existing.id === asset.id ? 'this file is already the asset’s current version' : `an identical file is already in project ${asset.project_id}`, { duplicateOf: existing.id });
  }
  const versions = await fileVersions(platform.db, asset.id);
  const open = versions.find((version) => version.state === 'uploading');
  const fileVersion = Math.max(asset.file_version, ...versions.map((version) => version.file_version)) + 1;
  const filename = safeFilename(input.filename);
  const decision = startFileVersion(factsOf(asset), { fileVersion, filename, contentType: input.contentType, size: input.size }, open && versionFacts(open));
  const key = versionOriginalKey(asset.project_id, asset.id, fileVersion, extensionOf(filename));
  const bucket = store.buckets.incoming;
  const plan = input.size > config.uploads.multipartThresholdBytes ? planParts(input.size, config.uploads.partSizeBytes) : undefined;
  const multipartUploadId = plan ? await store.createMultipartUpload(bucket, key, input.contentType) : null;
  const uploadId = randomUUID();
  await platform.db.transaction().execute(async (trx) => {
    await recordDecision(trx, asset, decision, { actor, expectedVersion });
    await recordFirstVersion(trx, asset);
    await insertUpload(trx, {
      id: uploadId, asset_id: asset.id, project_id: asset.project_id, bucket, storage_key: key, multipart_upload_id: multipartUploadId, part_size: plan?.partSize ?? null, part_count: plan?.partCount ?? null,
      expires_at: new Date(Date.now() + config.uploads.expireAfterSeconds * 1000),
    });
    await insertFileVersion(trx, {
      asset_id: asset.id, file_version: fileVersion, state: 'uploading', upload_id: uploadId, filename, content_type: input.contentType, media_type: mediaTypeOf(input.contentType),
      size_bytes: String(input.size), expected_sha256: input.sha256 ?? null, sha256: null, storage_key: masterKey(key), created_by: actor,
    });
  });
  platform.outboxWritten();
  return uploadId;
}

const ATTEMPTS = 5;

/**
 * verify.ts hands over an object whose upload brings a file version. The same checks as a first upload; the asset
 * may be edited meanwhile, so a stale decision is decided again on the fresh asset.
 */
export async function verifyVersionObject(platform: Platform, object: { bucket: string; key: string }, upload: Upload, version: FileVersion, options: VerifyOptions): Promise<VerifyOutcome> {
  const { store, db } = platform;
  const { bucket, key } = object;
  const log = platform.logger.child({ bucket, key, actor: options.actor, fileVersion: version.file_version });
  if (upload.completed_at || version.state !== 'uploading') {
    await store.delete(bucket, key);
    log.info('object of no open file version deleted');
    return 'discarded';
  }
  const info = await store.head(bucket, key);
  if (!info) return 'absent';
  const reject = (reason: string) => rejectVersion(platform, upload, version, reason, options);
  const declared = Number(version.size_bytes);
  if (info.size === 0) return reject('the uploaded file is empty (0 bytes)');
  if (info.size !== declared) return reject(`size mismatch: ${declared} bytes were declared, ${info.size} arrived`);
  const { detected, markup } = await sniff(await readHead(await store.getStream(bucket, key, { start: 0, end: Math.min(info.size, SNIFF_BYTES) - 1 })));
  const type = checkContentType(version.content_type, detected, markup);
  if (!type.ok) return reject(type.reason);
  const sha256 = await sha256Of(await store.getStream(bucket, key));
  if (version.expected_sha256 && version.expected_sha256 !== sha256) return reject(`checksum mismatch: expected SHA-256 ${version.expected_sha256}, received ${sha256}`);
  const duplicate = await findDuplicate(db, upload.project_id, sha256);
  if (duplicate) return reject(duplicate.id === upload.asset_id ? 'the file is identical to the asset’s current version' : `duplicate of asset ${duplicate.id} (identical SHA-256)`);

  const master = { bucket: store.buckets.masters, key: version.storage_key };
  await store.copy({ bucket, key }, master, info.size);
  for (let attempt = 1; ; attempt++) {
    const asset = await findAsset(db, upload.asset_id);
    try {
      if (!asset) throw new CommandRefused('conflict', 'the asset is gone');
      const decision = verifyFileVersion(factsOf(asset), versionFacts(version), { sha256, size: info.size, contentType: type.contentType, mediaType: type.mediaType });
      await db.transaction().execute(async (trx) => {
        await recordDecision(trx, asset, decision, { actor: options.actor });
        await setCurrentVersionAside(trx, asset);
        await setFileVersionState(trx, asset.id, version.file_version, 'current', { sha256, size: info.size, contentType: type.contentType, mediaType: type.mediaType });
        await markUploadCompleted(trx, upload.id);
        await options.markProcessed?.(trx);
      });
      break;
    } catch (error) {
      if (error instanceof CommandRefused) {
        await store.delete(master.bucket, master.key);
        return reject(`the asset could not take the new file: ${error.message}`);
      }
      if (!(error instanceof ConcurrentModification) || attempt >= ATTEMPTS) throw error;
    }
  }
  platform.outboxWritten();
  await store.delete(bucket, key);
  log.info({ assetId: upload.asset_id, sha256 }, 'file version verified');
  return 'verified';
}

async function rejectVersion(platform: Platform, upload: Upload, version: FileVersion, reason: string, options: VerifyOptions): Promise<VerifyOutcome> {
  for (let attempt = 1; ; attempt++) {
    const asset = await findAsset(platform.db, upload.asset_id);
    try {
      await platform.db.transaction().execute(async (trx) => {
        if (asset) await recordDecision(trx, asset, rejectFileVersion(factsOf(asset), versionFacts(version), reason), { actor: options.actor });
        await setFileVersionState(trx, upload.asset_id, version.file_version, 'failed', { reason });
        await deleteOpenUpload(trx, upload.id);
        await options.markProcessed?.(trx);
      });
      break;
    } catch (error) {
      if (!(error instanceof ConcurrentModification) || attempt >= ATTEMPTS) throw error;
    }
  }
  platform.outboxWritten();
  await platform.store.delete(upload.bucket, upload.storage_key);
  platform.logger.warn({ assetId: upload.asset_id, fileVersion: version.file_version, reason }, 'file version rejected');
  return 'rejected';
}

/** The file version an upload brings, if it brings one (verify.ts asks before treating it as a first upload). */
export { fileVersionOfUpload };
