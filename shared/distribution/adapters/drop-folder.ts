// What sftp and ftp share: playout drop folders. Each file is written under a hidden temporary name and renamed into
// place, so a watcher never sees half a file; the sidecar comes last. Every renamed file of CHECKPOINT_MIN_BYTES or
// more is checkpointed, so an attempt after a crash skips what is already in place and writes the rest again from the
// start (a temporary file left behind is overwritten; a smaller file is written again: cheaper than the checkpoint). Retract removes the files; a file already gone is fine. Sessions (a logged-in
// connection) are pooled per channel and reused across deliveries.
import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import type { ChannelOptions, Delivery, DeliveredRef, RetractRequest } from '../channel.ts';
import { SessionPool } from '../pool.ts';

export interface DropFolderSession {
  write(source: Readable, path: string): Promise<void>;
  /** replaces `to` if it exists */
  rename(from: string, to: string): Promise<void>;
  /** true when it removed something, false when nothing was there */
  remove(path: string): Promise<boolean>;
  /** false once the server or the network closed it */
  alive(): boolean;
  close(): Promise<void>;
}

/** Below this a placed file is not checkpointed: sending it again after a crash costs less than a database write per delivery. */
export const CHECKPOINT_MIN_BYTES = 16 * 1024 * 1024;

/** A channel's drop-folder sessions, reused across deliveries (pool.ts). */
export function dropFolderPool(open: () => Promise<DropFolderSession>, options: ChannelOptions): SessionPool<DropFolderSession> {
  return new SessionPool<DropFolderSession>({ open, close: (session) => session.close(), alive: (session) => session.alive(), max: options.maxConnections, idleMs: options.idleMs });
}

export async function deliverToDropFolder(sessions: SessionPool<DropFolderSession>, directory: string, delivery: Delivery, describe: (path: string) => string): Promise<DeliveredRef> {
  // what is in place survives a retry on a fresh session within this attempt, as it survives a crash (the checkpoint)
  const placed = new Set((delivery.resumeFrom.placed as string[] | undefined) ?? []);
  const tag = delivery.idempotencyKey.replace(/[^A-Za-z0-9]/g, '').slice(-12);
  const sidecar = `${delivery.asset.id}.json`;
  const sidecarPath = join(directory, sidecar);
  await sessions.use(async (session) => {
    // an aborted attempt (timeout) closes its connection: a client call in progress may otherwise never settle
    const closeOnAbort = () => { session.close().catch(() => {}); };
    delivery.signal.addEventListener('abort', closeOnAbort, { once: true });
    try {
      const put = async (filename: string, size: number, source: () => Promise<Readable>, last = false) => {
        const path = join(directory, filename);
        if (placed.has(path)) return;
        delivery.signal.throwIfAborted();
        const temporary = join(directory, `.${filename}.${tag}.part`);
        await abortable(session.write(await source(), temporary), delivery.signal);
        await abortable(session.rename(temporary, path), delivery.signal);
        placed.add(path);
        // the sidecar is the last file: the delivered publication records every path, no checkpoint needed
        if (!last && size >= CHECKPOINT_MIN_BYTES) await delivery.checkpoint({ placed: [...placed] });
      };
      for (const file of delivery.files) await put(file.filename, file.size, () => file.open());
      const sidecarBytes = Buffer.from(JSON.stringify(delivery.asset, null, 2));
      await put(sidecar, sidecarBytes.length, async () => ReadableStream.from([sidecarBytes]), true);
    } finally {
      delivery.signal.removeEventListener('abort', closeOnAbort);
    }
  }, delivery.signal);
  return { externalId: sidecarPath, externalUrl: describe(sidecarPath), ref: { paths: [...placed] } };
}

export async function retractFromDropFolder(sessions: SessionPool<DropFolderSession>, request: RetractRequest): Promise<void> {
  await sessions.use(async (session) => {
    for (const path of (request.ref.paths as string[] | undefined) ?? []) {
      request.signal.throwIfAborted();
      await session.remove(path);
    }
  }, request.signal);
}

/** Settles when the signal fires even if the client's call never does once its connection was closed under it. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {}); // settled later, if ever, after the abort: nobody waits for it any more
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function join(directory: string, name: string): string {
  return `${directory.replace(/\/+$/, '')}/${name}`;
}
