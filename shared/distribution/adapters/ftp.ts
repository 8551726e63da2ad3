// ftp (legacy playout): basic-ftp, explicit FTPS when `secure` is set. Files land through a temporary name and a
// rename (RNFR/RNTO), see drop-folder.ts. Logged-in control
// connections are pooled per channel.
import type { Readable } from 'node:stream';
import * as v from 'valibot';
import type { Channel, ChannelOptions, Delivery, DeliveredRef, RetractRequest } from '../channel.ts';
import type { SessionPool } from '../pool.ts';
import { type DropFolderSession, deliverToDropFolder, dropFolderPool, retractFromDropFolder } from './drop-folder.ts';

export const FtpTarget = v.object({
  host: v.pipe(v.string(), v.minLength(1)),
  port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)), 21),
  directory: v.pipe(v.string(), v.minLength(1)),
  secure: v.optional(v.boolean(), false),
});
export const FtpCredentials = v.object({ username: v.pipe(v.string(), v.minLength(1)), password: v.string() });

export class FtpChannel implements Channel {
  private readonly sessions: SessionPool<DropFolderSession>;

  constructor(
    private readonly target: v.InferOutput<typeof FtpTarget>,
    private readonly credentials: v.InferOutput<typeof FtpCredentials>,
    options: ChannelOptions,
  ) {
    this.sessions = dropFolderPool(() => this.open(), options);
  }

  deliver(delivery: Delivery): Promise<DeliveredRef> {
    return deliverToDropFolder(this.sessions, this.target.directory, delivery, (path) => `ftp://${this.target.host}:${this.target.port}${path}`);
  }

  retract(request: RetractRequest): Promise<void> {
    return retractFromDropFolder(this.sessions, request);
  }

  close(): Promise<void> {
    return this.sessions.close();
  }

  private async open(): Promise<DropFolderSession> {
    const { Client, FTPError } = await import('basic-ftp');
    const client = new Client(20_000);
    await client.access({ host: this.target.host, port: this.target.port, user: this.credentials.username, password: this.credentials.password, secure: this.target.secure });
    return {
      write: async (source: Readable, path: string) => { await client.uploadFrom(source, path); },
      rename: async (from, to) => { await client.rename(from, to); },
      remove: async (path) => {
        try {
          await client.remove(path);
          return true;
        } catch (error) {
          if (error instanceof FTPError && error.code === 550) return false; // no such file
          throw error;
        }
      },
      alive: () => !client.closed,
      close: async () => { client.close(); },
    };
  }
}
