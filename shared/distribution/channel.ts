// The Channel port: one small interface every destination implements (shared/distribution/adapters/), checked by
// one contract test per adapter (test/integration/distribution-channels.test.ts).
//   deliver(files + sidecar, idempotency key) → where it went (external id / URL, and what retract needs)
//   retract(that reference) → gone (already gone counts as gone)
// An adapter keeps nothing about a delivery between calls: a crash mid-delivery leaves a checkpoint (saved through
// `checkpoint`), and the next attempt, with the same idempotency key, resumes from it or starts over cleanly; nothing
// is published twice. What it does keep is its connections (one adapter per channel in a worker, pooled, bounded,
// closed when idle), so deliveries do not pay a handshake and a login each.
import type { Readable } from 'node:stream';
import type { AddressPolicy } from '../net/guard.ts';

export const CHANNEL_TYPES = ['webhook', 's3', 'sftp', 'ftp', 'youtube'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** One file of the asset being published: the original or one rendition. */
export interface DeliveryFile {
  /** `original` or the rendition's name (`preview`, `proxy`, `poster`…) */
  name: string;
  /** the name it gets at the destination: `<asset id>_<name>.<ext>` */
  filename: string;
  contentType: string;
  size: number;
  /** the bytes, from `start` on (resuming) */
  open(start?: number): Promise<Readable>;
  /** a presigned download URL valid for the channel's URL lifetime */
  url(): Promise<string>;
}

/** What a channel receives about the asset, as JSON: the sidecar file, the webhook body's `asset`. */
export interface AssetSidecar {
  id: string;
  projectId: string;
  version: number;
  title: string;
  description: string;
  tags: string[];
  mediaType: string;
  filename: string;
  metadata: Record<string, unknown>;
  publicationId: string;
  idempotencyKey: string;
  files: { name: string; filename: string; contentType: string; size: number }[];
}

export interface Delivery {
  idempotencyKey: string;
  asset: AssetSidecar;
  files: DeliveryFile[];
  /** what an interrupted attempt saved; empty on the first attempt */
  resumeFrom: Record<string, unknown>;
  /** saves progress so an attempt after a crash can resume (an upload session, files already renamed in place) */
  checkpoint(data: Record<string, unknown>): Promise<void>;
  signal: AbortSignal;
}

export interface DeliveredRef {
  externalId: string;
  externalUrl?: string;
  /** adapter-private: what retract needs (remote paths, object keys) */
  ref: Record<string, unknown>;
}

export interface RetractRequest {
  externalId: string;
  ref: Record<string, unknown>;
  idempotencyKey: string;
  signal: AbortSignal;
}

export interface Channel {
  deliver(delivery: Delivery): Promise<DeliveredRef>;
  retract(request: RetractRequest): Promise<void>;
  /** closes the connections it keeps (idle ones at once, busy ones when their work ends) */
  close(): Promise<void>;
}

/** How an adapter connects: its connection bounds and the SSRF guard for the hosts its target names. */
export interface ChannelOptions {
  /** connections kept to the destination at most (the channel's concurrency) */
  maxConnections: number;
  /** an unused connection is closed after this */
  idleMs: number;
  /** which addresses http(s) targets (webhook URLs, S3 endpoints, YouTube URLs) may reach */
  network: AddressPolicy;
}

/** Retrying cannot help (bad credentials, the receiver refused the content): the publication fails at once, with this reason. */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** Whether retrying cannot help: a refusal from the channel, or a destination the SSRF guard refuses. */
export function isPermanent(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof PermanentDeliveryError || e.name === 'AddressRefused') return true;
  }
  return false;
}

/** the file name at a destination: the asset id keeps names unique, the extension comes from the stored key */
export function destinationName(assetId: string, name: string, storageKey: string): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(storageKey)?.[1];
  return `${assetId}_${name.replace(/[^A-Za-z0-9_-]/g, '-')}${ext ? `.${ext.toLowerCase()}` : ''}`;
}
