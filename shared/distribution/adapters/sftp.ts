// sftp (playout drop folders over SSH): ssh2-sftp-client, password or private-key login, the server's host key
// pinned when `hostKeySha256` is given (OpenSSH's `SHA256:…` fingerprint). Files land through a temporary name and
// an atomic rename (posix-rename@openssh.com, which replaces an existing file), see drop-folder.ts. Logged-in
// sessions are pooled per channel.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import * as v from 'valibot';
import type { Channel, ChannelOptions, Delivery, DeliveredRef, RetractRequest } from '../channel.ts';
import type { SessionPool } from '../pool.ts';
import { type DropFolderSession, deliverToDropFolder, dropFolderPool, retractFromDropFolder } from './drop-folder.ts';

export const SftpTarget = v.object({
  host: v.pipe(v.string(), v.minLength(1)),
  port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)), 22),
  directory: v.pipe(v.string(), v.minLength(1)),
  hostKeySha256: v.optional(v.pipe(v.string(), v.regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'an OpenSSH fingerprint: SHA256:<43 base64 characters>'))),
});
export const SftpCredentials = v.pipe(
  v.object({ username: v.pipe(v.string(), v.minLength(1)), password: v.optional(v.string()), privateKey: v.optional(v.string()), passphrase: v.optional(v.string()) }),
  v.check((c) => c.password !== undefined || c.privateKey !== undefined, 'a password or a privateKey'),
);

export class SftpChannel implements Channel {
  private readonly sessions: SessionPool<DropFolderSession>;

  constructor(
    private readonly target: v.InferOutput<typeof SftpTarget>,
    private readonly credentials: v.InferOutput<typeof SftpCredentials>,
    options: ChannelOptions,
  ) {
    this.sessions = dropFolderPool(() => this.open(), options);
  }

  deliver(delivery: Delivery): Promise<DeliveredRef> {
    return deliverToDropFolder(this.sessions, this.target.directory, delivery, (path) => `sftp://${this.target.host}:${this.target.port}${path}`);
  }

  retract(request: RetractRequest): Promise<void> {
    return retractFromDropFolder(this.sessions, request);
  }

  close(): Promise<void> {
    return this.sessions.close();
  }

  private async open(): Promise<DropFolderSession> {
    const { default: SftpClient } = await import('ssh2-sftp-client');
    let alive = true;
    const gone = () => { alive = false; };
    // the client's global listeners: a pooled session the server closed is marked dead, not logged to the console
    const sftp = new SftpClient('mediateca', { error: gone, end: gone, close: gone });
    const pinned = this.target.hostKeySha256;
    await sftp.connect({
      host: this.target.host,
      port: this.target.port,
      username: this.credentials.username,
      password: this.credentials.password,
      privateKey: this.credentials.privateKey,
      passphrase: this.credentials.passphrase,
      readyTimeout: 20_000,
      hostVerifier: pinned ? (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === pinned : undefined,
    });
    // SFTP is request/answer: with Nagle on, each small request (open, close, rename, the sidecar) waits for the
    // server's delayed ACK (~40 ms on Linux): a 256 KiB file with its sidecar and renames took ~450 ms with it, ~10 ms without
    // (docs/benchmarks.md, bench:distribute).
    (sftp as unknown as { client: { setNoDelay(on: boolean): void } }).client.setNoDelay(true);
    return {
      write: async (source: Readable, path: string) => { await sftp.put(source, path); },
      rename: async (from, to) => { await sftp.posixRename(from, to); },
      remove: async (path) => {
        if (!(await sftp.exists(path))) return false;
        await sftp.delete(path);
        return true;
      },
      alive: () => alive,
      close: async () => {
        if (!alive) return;
        alive = false;
        await sftp.end();
      },
    };
  }
}
