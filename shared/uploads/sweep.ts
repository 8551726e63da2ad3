// The reconciliation sweep: bucket notifications are a hint, this is the guarantee. It lists the incoming bucket and
// runs the notification's own verification on every object older than the grace period, so a dropped notification
// (a stalled Ceph RGW topic, a crashed function) delays an upload by at most one sweep interval. Objects of no open
// upload (cancelled, expired, already verified, unknown) are deleted on the way.
import type { Platform } from '../platform.ts';
import { type VerifyOutcome, verifyIncomingObject } from './verify.ts';

export type SweepReport = Record<VerifyOutcome | 'young' | 'errors', number>;

export async function sweepIncoming(platform: Platform, now = new Date()): Promise<SweepReport> {
  const bucket = platform.store.buckets.incoming;
  const graceMs = platform.config.uploads.sweepGraceSeconds * 1000;
  const report: SweepReport = { verified: 0, rejected: 0, discarded: 0, absent: 0, ignored: 0, young: 0, errors: 0 };
  for await (const object of platform.store.list(bucket)) {
    // a young object's notification is most likely on its way (or being handled): leave it that long
    if (now.getTime() - object.lastModified.getTime() < graceMs) {
      report.young++;
      continue;
    }
    try {
      report[await verifyIncomingObject(platform, { bucket, key: object.key }, { actor: 'sweep' })]++;
    } catch (error) {
      // one bad object never stops the sweep; the next sweep tries it again
      report.errors++;
      platform.logger.error({ bucket, key: object.key, error: String(error) }, 'sweep could not verify an object');
    }
  }
  if (report.verified + report.rejected + report.discarded + report.errors > 0) platform.logger.info(report, 'incoming bucket swept');
  return report;
}
