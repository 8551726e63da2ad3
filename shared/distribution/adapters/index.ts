// Channel types → their target and credentials schemas and their adapter.
import * as v from 'valibot';
import type { Channel, ChannelType } from '../channel.ts';
import { FtpChannel, FtpCredentials, FtpTarget } from './ftp.ts';
import { S3Channel, S3Credentials, S3Target } from './s3.ts';
import { SftpChannel, SftpCredentials, SftpTarget } from './sftp.ts';
import { WebhookChannel, WebhookCredentials, WebhookTarget } from './webhook.ts';
import { YoutubeChannel, YoutubeCredentials, YoutubeTarget } from './youtube.ts';

const TYPES = {
  webhook: { target: WebhookTarget, credentials: WebhookCredentials, create: (t: any, c: any) => new WebhookChannel(t, c) },
  s3: { target: S3Target, credentials: S3Credentials, create: (t: any, c: any) => new S3Channel(t, c) },
  sftp: { target: SftpTarget, credentials: SftpCredentials, create: (t: any, c: any) => new SftpChannel(t, c) },
  ftp: { target: FtpTarget, credentials: FtpCredentials, create: (t: any, c: any) => new FtpChannel(t, c) },
  youtube: { target: YoutubeTarget, credentials: YoutubeCredentials, create: (t: any, c: any) => new YoutubeChannel(t, c) },
} satisfies Record<ChannelType, unknown>;

/** Problems with a channel's target and credentials for its type, one line each (empty: fine). */
export function channelProblems(type: ChannelType, target: unknown, credentials: unknown): string[] {
  const problems: string[] = [];
  for (const [what, schema, value] of [['target', TYPES[type].target, target], ['credentials', TYPES[type].credentials, credentials]] as const) {
    const parsed = v.safeParse(schema as v.GenericSchema, value);
    if (!parsed.success) problems.push(...parsed.issues.map((i) => `${what}${v.getDotPath(i) ? `.${v.getDotPath(i)}` : ''}: ${i.message}`));
  }
  return problems;
}

export function openChannel(type: ChannelType, target: unknown, credentials: unknown): Channel {
  const entry = TYPES[type];
  return entry.create(v.parse(entry.target as v.GenericSchema, target), v.parse(entry.credentials as v.GenericSchema, credentials));
}
