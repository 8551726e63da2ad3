// Configuration from the environment. Unset = the embedded default (everything in ./data).
import { resolve } from 'node:path';

export interface Config {
  dataDir: string;
  /** postgres://… or a PGlite folder ('memory://' for tests) */
  databaseUrl: string;
  /** base URL clients use to reach this platform (the filesystem store signs URLs under it) */
  publicUrl: string;
  s3?: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; publicEndpoint?: string };
  buckets: { incoming: string; masters: string; renditions: string };
  natsUrl?: string;
  natsStream: string;
  opensearchUrl?: string;
  auth: { jwksUrl?: string; issuer: string; audience: string; rolesClaim: string };
  uploads: {
    maxBytes: number;
    multipartThresholdBytes: number;
    partSizeBytes: number;
    urlTtlSeconds: number;
    /** uploads never completed are expired after this */
    expireAfterSeconds: number;
    /** the reconciliation sweep of the incoming bucket runs this often (dev host timer; a CronJob in a cluster) */
    sweepIntervalSeconds: number;
    /** objects younger than this are left to their notification */
    sweepGraceSeconds: number;
  };
  images: { maxPixels: number };
  transcode: { timeoutMs: number; maxDurationSeconds: number; maxPixels: number };
  enrich: { parts: EnrichPart[]; maxKeyframes: number };
  downloadUrlTtlSeconds: number;
  imports: ImportConfig;
}

/** Bulk import (functions/import, functions/import-worker): politeness towards source hosts and limits. */
export interface ImportConfig {
  /** sent with every request; names the contact URL, as polite crawlers do */
  userAgent: string;
  /** the token robots.txt groups are matched against */
  robotsAgent: string;
  /** SSRF guard off: private, loopback and link-local addresses may be fetched (tests, closed networks) */
  allowPrivateNetworks: boolean;
  /** CIDR ranges fetched even with the guard on (IMPORT_ALLOWED_RANGES, comma separated) */
  allowedRanges: string[];
  hostConcurrency: number;
  hostRequestsPerSecond: number;
  /** items one worker fetches at once, over all hosts */
  concurrency: number;
  maxItemBytes: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** a request that answers nothing for this long is given up (and retried) */
  requestTimeoutMs: number;
  maxRedirects: number;
  /** a task held by a worker that stopped is taken again after this */
  leaseSeconds: number;
  maxItemsPerBatch: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.MEDIATECA_DATA ?? 'data');
  const port = env.PORT ?? '8080';
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL ?? resolve(dataDir, 'db'),
    publicUrl: (env.PUBLIC_URL ?? `http://127.0.0.1:${port}`).replace(/\/$/, ''),
    s3: env.S3_ENDPOINT
      ? {
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION ?? 'default',
          accessKeyId: required(env, 'S3_ACCESS_KEY'),
          secretAccessKey: required(env, 'S3_SECRET_KEY'),
          publicEndpoint: env.S3_PUBLIC_ENDPOINT,
        }
      : undefined,
    buckets: {
      incoming: env.BUCKET_INCOMING ?? 'mediateca-incoming',
      masters: env.BUCKET_MASTERS ?? 'mediateca-masters',
      renditions: env.BUCKET_RENDITIONS ?? 'mediateca-renditions',
    },
    natsUrl: env.NATS_URL,
    natsStream: env.NATS_STREAM ?? 'MEDIATECA',
    opensearchUrl: env.OPENSEARCH_URL,
    auth: {
      jwksUrl: env.AUTH_JWKS_URL,
      issuer: env.AUTH_ISSUER ?? 'mediateca-local',
      audience: env.AUTH_AUDIENCE ?? 'mediateca',
      rolesClaim: env.AUTH_ROLES_CLAIM ?? 'projects',
    },
    uploads: {
      maxBytes: Number(env.UPLOAD_MAX_BYTES ?? 50 * 1024 ** 3),
      multipartThresholdBytes: Number(env.UPLOAD_MULTIPART_THRESHOLD ?? 64 * 1024 ** 2),
      partSizeBytes: Number(env.UPLOAD_PART_SIZE ?? 32 * 1024 ** 2),
      urlTtlSeconds: Number(env.UPLOAD_URL_TTL ?? 3600),
      expireAfterSeconds: Number(env.UPLOAD_EXPIRE_AFTER ?? 24 * 3600),
      sweepIntervalSeconds: Number(env.UPLOAD_SWEEP_INTERVAL ?? 60),
      sweepGraceSeconds: Number(env.UPLOAD_SWEEP_GRACE ?? 30),
    },
    images: { maxPixels: Number(env.IMAGE_MAX_PIXELS ?? 268_402_689) },
    transcode: {
      // below the function's 30 min Knative timeout, so the job fails cleanly before the platform kills it
      timeoutMs: Number(env.TRANSCODE_TIMEOUT_MS ?? 25 * 60_000),
      maxDurationSeconds: Number(env.MEDIA_MAX_DURATION_SECONDS ?? 6 * 3600),
      maxPixels: Number(env.VIDEO_MAX_PIXELS ?? 8192 * 4320),
    },
    enrich: {
      parts: enrichParts(env.ENRICH_PARTS),
      maxKeyframes: Number(env.ENRICH_MAX_KEYFRAMES ?? 12),
    },
    downloadUrlTtlSeconds: Number(env.DOWNLOAD_URL_TTL ?? 900),
    imports: importConfig(env),
  };
}

function importConfig(env: NodeJS.ProcessEnv): ImportConfig {
  const robotsAgent = 'MediatecaImport';
  const contact = env.IMPORT_CONTACT_URL ?? env.PUBLIC_URL ?? 'http://127.0.0.1:8080';
  return {
    userAgent: env.IMPORT_USER_AGENT ?? `${robotsAgent}/0.1 (+${contact}; bulk media import)`,
    robotsAgent,
    allowPrivateNetworks: env.IMPORT_ALLOW_PRIVATE_NETWORKS === 'true',
    allowedRanges: cidrList(env.IMPORT_ALLOWED_RANGES),
    hostConcurrency: Number(env.IMPORT_HOST_CONCURRENCY ?? 2),
    hostRequestsPerSecond: Number(env.IMPORT_HOST_RATE ?? 1),
    concurrency: Number(env.IMPORT_CONCURRENCY ?? 8),
    maxItemBytes: Number(env.IMPORT_MAX_ITEM_BYTES ?? env.UPLOAD_MAX_BYTES ?? 50 * 1024 ** 3),
    maxAttempts: Number(env.IMPORT_MAX_ATTEMPTS ?? 5),
    retryBaseMs: Number(env.IMPORT_RETRY_BASE_MS ?? 2_000),
    retryMaxMs: Number(env.IMPORT_RETRY_MAX_MS ?? 10 * 60_000),
    requestTimeoutMs: Number(env.IMPORT_REQUEST_TIMEOUT_MS ?? 30_000),
    maxRedirects: Number(env.IMPORT_MAX_REDIRECTS ?? 5),
    leaseSeconds: Number(env.IMPORT_LEASE_SECONDS ?? 60),
    maxItemsPerBatch: Number(env.IMPORT_MAX_ITEMS ?? 100_000),
  };
}

function cidrList(value: string | undefined): string[] {
  const ranges = (value ?? '').split(',').map((r) => r.trim()).filter(Boolean);
  const bad = ranges.filter((r) => !/^[0-9a-f.:]+\/\d{1,3}$/i.test(r));
  if (bad.length) throw new Error(`IMPORT_ALLOWED_RANGES: not CIDR ranges: ${bad.join(', ')} (e.g. 10.20.0.0/16)`);
  return ranges;
}

export const ENRICH_PARTS = ['objects', 'faces', 'ocr', 'speech', 'embedding'] as const;
export type EnrichPart = (typeof ENRICH_PARTS)[number];

/** ENRICH_PARTS: the models enrich runs, comma separated (default all; 'none' for none). */
function enrichParts(value: string | undefined): EnrichPart[] {
  if (value === undefined) return [...ENRICH_PARTS];
  const parts = value.split(',').map((part) => part.trim()).filter((part) => part && part !== 'none');
  const unknown = parts.filter((part) => !(ENRICH_PARTS as readonly string[]).includes(part));
  if (unknown.length) throw new Error(`ENRICH_PARTS: unknown ${unknown.join(', ')} (known: ${ENRICH_PARTS.join(', ')}, none)`);
  return parts as EnrichPart[];
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}
