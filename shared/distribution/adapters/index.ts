// Channel types → their target and credentials schemas and their adapter.
import * as v from 'valibot';
import { type AddressPolicy, checkUrlHost } from '../../net/guard.ts';
import type { Channel, ChannelOptions, ChannelType } from '../channel.ts';
import { refuseAddress } from '../http.ts';
import { FtpChannel, FtpCredentials, FtpTarget } from './ftp.ts';
import { S3Channel, S3Credentials, S3Target } from './s3.ts';
import { SftpChannel, SftpCredentials, SftpTarget } from './sftp.ts';
import { WebhookChannel, WebhookCredentials, WebhookTarget } from './webhook.ts';
import { YoutubeChannel, YoutubeCredentials, YoutubeTarget } from './youtube.ts';

const TYPES = {
  webhook: { target: WebhookTarget, credentials: WebhookCredentials, create: (t: any, c: any, o: ChannelOptions) => new WebhookChannel(t, c, o) },
  s3: { target: S3Target, credentials: S3Credentials, create: (t: any, c: any, o: ChannelOptions) => new S3Channel(t, c, o) },
  sftp: { target: SftpTarget, credentials: SftpCredentials, create: (t: any, c: any, o: ChannelOptions) => new SftpChannel(t, c, o) },
  ftp: { target: FtpTarget, credentials: FtpCredentials, create: (t: any, c: any, o: ChannelOptions) => new FtpChannel(t, c, o) },
  youtube: { target: YoutubeTarget, credentials: YoutubeCredentials, create: (t: any, c: any, o: ChannelOptions) => new YoutubeChannel(t, c, o) },
} satisfies Record<ChannelType, unknown>;

/** the target fields that are URLs a channel connects to (checked by the SSRF guard) */
const URL_FIELDS: Partial<Record<ChannelType, string[]>> = { webhook: ['url'], s3: ['endpoint'], youtube: ['tokenUrl', 'uploadUrl', 'apiUrl'] };

/**
 * Problems with a channel's target and credentials for its type, one line each (empty: fine). With `network`, a URL
 * whose host is an IP literal the SSRF guard refuses is one too (host names are checked at every connection).
 */
export function channelProblems(type: ChannelType, target: unknown, credentials: unknown, network?: AddressPolicy): string[] {
  const problems: string[] = [];
  for (const [what, schema, value] of [['target', TYPES[type].target, target], ['credentials', TYPES[type].credentials, credentials]] as const) {
    const parsed = v.safeParse(schema as v.GenericSchema, value);
    if (!parsed.success) problems.push(...parsed.issues.map((i) => `${what}${v.getDotPath(i) ? `.${v.getDotPath(i)}` : ''}: ${i.message}`));
  }
  if (network && problems.length === 0) {
    for (const field of URL_FIELDS[type] ?? []) {
      const value = (target as Record<string, unknown>)[field];
      if (typeof value !== 'string') continue;
      try {
        checkUrlHost(new URL(value), network, refuseAddress);
      } catch (error) {
        problems.push(`target.${field}: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** The adapter for a channel; it keeps its connections until `close()` (the worker keeps one per channel). */
export function openChannel(type: ChannelType, target: unknown, credentials: unknown, options: ChannelOptions): Channel {
  const entry = TYPES[type];
  return entry.create(v.parse(entry.target as v.GenericSchema, target), v.parse(entry.credentials as v.GenericSchema, credentials), options);
}
