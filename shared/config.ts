// The one configuration, read from the environment once at start and passed to whatever needs it: nothing
// else in shared/ or functions/ reads process.env. Unset = the embedded default (everything in ./data).
// Sizes take units (512k, 64M, 50G; binary multiples, a plain number is bytes) and durations too (3600s, 15m,
// 24h, 500ms; a plain number keeps the unit the variable always had). An empty variable counts as unset.
// A wrong value stops the start with every problem named: `UPLOAD_MAX_BYTES=50Q: not a size (…)`.
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import * as v from 'valibot';

export const ENRICH_PARTS = ['objects', 'faces', 'ocr', 'speech', 'embedding'] as const;
export type EnrichPart = (typeof ENRICH_PARTS)[number];

/** Execution providers onnxruntime-node can be asked for; CPU is always available. */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'webgpu', 'dml', 'coreml'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export const SPEECH_ENGINES = ['pocketsphinx', 'whisper-cpp', 'none'] as const;
/** SEARCH_ENGINE: the embedded search read model, when OPENSEARCH_URL is unset (docs/benchmarks.md compares them). */
export const SEARCH_ENGINES = ['postgres', 'lancedb'] as const;
export type SearchEngine = (typeof SEARCH_ENGINES)[number];
export type SpeechEngine = (typeof SPEECH_ENGINES)[number];

/** The vector size of the search index when SEARCH_EMBEDDING_DIMENSIONS is unset (CLIP ViT-B/32). */
export const DEFAULT_EMBEDDING_DIMENSIONS = 512;
/** Debian's ffmpeg and ffprobe, when FFMPEG_PATH / FFPROBE_PATH are unset. */
export const DEFAULT_MEDIA: MediaConfig = { ffmpegPath: '/usr/bin/ffmpeg', ffprobePath: '/usr/bin/ffprobe' };
/** postgres.js connections per process when DATABASE_POOL_SIZE is unset. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

export interface ModelsConfig {
  /** MODELS_DIR, else `models` in the data folder */
  dir: string;
  /** CLIP_MODEL: which CLIP model (its manifest name); unset = the only one */
  clip?: string;
  /** ONNX_EXECUTION_PROVIDERS, in priority order */
  executionProviders: ExecutionProvider[];
  /** ONNX_INTRA_OP_THREADS: threads one inference may use */
  intraOpThreads: number;
}

export interface SpeechConfig {
  /** SPEECH_ENGINE; unset = whisper.cpp when configured, else pocketsphinx when installed, else none */
  engine?: SpeechEngine;
  whisperCppBin?: string;
  whisperModel?: string;
  /** WHISPER_LANGUAGE: the default language when a caller gives none */
  whisperLanguage?: string;
  /** PATH: where speech programs given by name are looked up (unset: the usual system folders) */
  searchPath: string;
}

export interface MediaConfig {
  ffmpegPath: string;
  ffprobePath: string;
  /** FFMPEG_THREADS; unset = the CPUs this process may use (cgroup quota included) */
  ffmpegThreads?: number;
}

export interface Config {
  dataDir: string;
  /** postgres://… or a PGlite folder ('memory://' for tests) */
  databaseUrl: string;
  /** postgres.js connections per process */
  databasePoolSize: number;
  /** base URL clients use to reach this platform (the filesystem store signs URLs under it) */
  publicUrl: string;
  /** where a function (or the dev host) listens; host unset = each runner's default */
  http: { port: number; host?: string };
  /** pino level (LOG_LEVEL; default info, warn under node:test) */
  logLevel: string;
  s3?: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; publicEndpoint?: string };
  buckets: { incoming: string; masters: string; renditions: string; analytics: string };
  /** origins browsers may upload and download from with presigned URLs (S3 bucket CORS); unset = the PUBLIC_URL origin */
  corsOrigins?: string[];
  /**
   * where the object store pushes bucket notifications (upload-complete's URL); unset: the dev host's own route;
   * false (`NOTIFY_ENDPOINT=none`): the notification is managed elsewhere and left alone
   */
  notifyEndpoint?: string | false;
  natsUrl?: string;
  natsStream: string;
  /** how long the event stream keeps events (replay) and its `<stream>_DLQ` keeps dead letters */
  retention: { eventsSeconds: number; deadLettersSeconds: number };
  /** how long the audit log (audit_log table) keeps its entries */
  auditRetentionSeconds: number;
  /** a caller's reads of one asset are recorded once per this many seconds (0: every read) */
  auditReadIntervalSeconds: number;
  /**
   * events one consumer (bridge or in-process host) delivers at once, per event type and per replica;
   * `perFunction` overrides it for one function (DELIVERY_CONCURRENCY_<FN>)
   */
  delivery: { concurrency: number; perFunction: Record<string, number> };
  /** long-running loops (relay, bridges, consumers, sweep): liveness and shutdown */
  loops: {
    /** a loop without a successful pass for this long fails /_/health, so the platform restarts the process */
    stallSeconds: number;
    /** SIGTERM: how long loops and requests in flight get before the process exits anyway */
    shutdownTimeoutMs: number;
  };
  opensearchUrl?: string;
  /** operationsProject: its admins operate the whole platform (dead letters, replay: /admin/*) */
  auth: { jwksUrl?: string; issuer: string; audience: string; rolesClaim: string; maxLocalTokenLifetimeSeconds: number; operationsProject: string };
  /**
   * The workspace's sign-in through an OIDC provider (authorization code + PKCE, a public client): offered when a
   * client id is set; the issuer is WEB_OIDC_ISSUER, else AUTH_ISSUER (which must then be the provider's URL).
   */
  webOidc?: { issuer: string; clientId: string; scope: string };
  /** shared by every platform delivery to the event endpoints; unset = made once and kept in the data folder */
  eventsSecret?: string;
  /** records one bucket notification may carry (more → 413) */
  notificationMaxRecords: number;
  /** requests per minute on the HTTP API (0 = no limit); shared through Redis when redisUrl is set */
  rateLimits: { perSubject: number; perIp: number; uploadsPerSubject: number; keyPrefix: string; trustedProxyHops: number };
  redisUrl?: string;
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
  /** an asset's state is snapshotted every this many events, so loading it replays at most that many */
  snapshotEvery: number;
  /** days a deleted asset stays in the trash before the sweep purges it (a project's trashRetentionDays wins) */
  trashRetentionDays: number;
  downloadUrlTtlSeconds: number;
  /**
   * engine: SEARCH_ENGINE (postgres: the platform's database; lancedb: a Lance dataset at lancedbPath, LANCEDB_PATH,
   * default <data>/search). OPENSEARCH_URL, when set, wins over both.
   */
  search: { embeddingDimensions: number; engine: SearchEngine; lancedbPath: string };
  media: MediaConfig;
  models: ModelsConfig;
  speech: SpeechConfig;
  /** where jetstream-bridge delivers: a Knative broker (K_SINK, set by a SinkBinding) or an OpenFaaS gateway */
  bridge: { kSink?: string; openfaasGatewayUrl?: string };
  imports: ImportConfig;
  analytics: AnalyticsConfig;
  /** OpenTelemetry traces over OTLP/HTTP; undefined (off) unless an endpoint is set */
  tracing?: TracingConfig;
  distribution: DistributionConfig;
}

/** From the standard OTEL_* variables. */
export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces */
  tracesUrl: string;
  /** OTEL_SERVICE_NAME; unset = the function's name */
  serviceName?: string;
  /** OTEL_EXPORTER_OTLP_HEADERS (key=value,…) */
  headers: Record<string, string>;
}

/** The analytics export (functions/export, `npm run export`): the event log as Parquet in the analytics bucket. */
export interface AnalyticsConfig {
  /** a batch is written once it holds this many events… */
  batchEvents: number;
  /** …or once its oldest event waited this long (a scheduled run leaves a younger, smaller batch for later) */
  batchMaxAgeSeconds: number;
  /** the dev host runs the export this often (a CronJob in a cluster) */
  intervalSeconds: number;
}

/** Distribution (functions/distribute): channel credentials at rest and the delivery loop's defaults. */
export interface DistributionConfig {
  /**
   * AES-256-GCM keys for channel credentials, the first one encrypts: CHANNEL_SECRETS_KEY (`<key id>:<32 bytes in
   * base64>`) then CHANNEL_SECRETS_OLD_KEYS (comma list, still read). Unset: one made in the data folder.
   */
  secretKeys: { id: string; key: Buffer }[];
  /** how often due publications (embargo over, retry time reached, a crashed delivery's lease gone) are looked for */
  pollIntervalMs: number;
  /** a publication held by a worker that stopped is taken again after this */
  leaseSeconds: number;
  /** how long presigned rendition URLs handed to a channel (webhook bodies) stay valid */
  urlTtlSeconds: number;
  /**
   * The SSRF guard on channel targets that speak HTTP (webhook URLs, S3 endpoints, YouTube URLs), checked on every
   * connection: private, loopback and link-local addresses are refused unless DISTRIBUTE_ALLOW_PRIVATE_NETWORKS is
   * true or they fall in DISTRIBUTE_ALLOWED_RANGES (comma-separated CIDR ranges).
   */
  network: { allowPrivateNetworks: boolean; allowedRanges: string[] };
  /** a channel's connection (SFTP session, FTP login, HTTP keep-alive) unused for this long is closed */
  connectionIdleMs: number;
  /** per-channel defaults a channel's own settings override */
  defaults: { timeoutMs: number; maxAttempts: number; retryBaseMs: number; retryMaxMs: number; concurrency: number; breakerThreshold: number; breakerHalfOpenMs: number };
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
  /** AES-256 key sealing S3 source credentials at rest (IMPORT_CREDENTIALS_KEY); unset: a key kept in the data folder */
  credentialsKey?: Buffer;
  maxItemsPerBatch: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

// --- value schemas ----------------------------------------------------------------------------------------

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b))?$/i;

/** A size in bytes: 512k, 64M, 50G, 1.5T (binary multiples; KiB/MB spellings too); a plain number is bytes. */
const size = v.pipe(
  v.string(),
  v.trim(),
  v.regex(SIZE, 'not a size (bytes, or a number with k, M, G or T: 512k, 64M, 50G)'),
  v.transform((text) => {
    const [, amount, unit, bytes] = SIZE.exec(text)!;
    return Math.floor(Number(amount) * SIZE_UNITS[(unit ?? bytes ?? '').toLowerCase()]!);
  }),
  v.minValue(1, 'must be at least 1 byte'),
  v.maxValue(Number.MAX_SAFE_INTEGER, 'is too large'),
);

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i;

/** A duration: 500ms, 90s, 15m, 24h, 7d; a plain number is in `plainUnit`, the unit the variable always had. Result in `outUnit`. */
function duration(plainUnit: 's' | 'ms', outUnit: 's' | 'ms') {
  return v.pipe(
    v.string(),
    v.trim(),
    v.regex(DURATION, `not a duration (a number with ms, s, m, h or d: 90s, 15m, 24h; a plain number is ${plainUnit === 's' ? 'seconds' : 'milliseconds'})`),
    v.transform((text) => {
      const [, amount, unit] = DURATION.exec(text)!;
      const seconds = Number(amount) * DURATION_UNITS[(unit ?? plainUnit).toLowerCase()]!;
      return Math.ceil(outUnit === 's' ? seconds : seconds * 1000);
    }),
    v.minValue(1, `must be at least 1 ${outUnit}`),
  );
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^\d+$/, 'not a whole number'),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
}

const positiveNumber = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^\d+(?:\.\d+)?$/, 'not a number'),
  v.transform(Number),
  v.minValue(Number.MIN_VALUE, 'must be above 0'),
);

const boolean = v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(['true', 'false'], 'must be true or false'), v.transform((value) => value === 'true'));

const url = v.pipe(v.string(), v.trim(), v.url('not a URL'));
const text = v.pipe(v.string(), v.trim());

/** A comma list of known names (case-insensitive, duplicates dropped). */
function list<T extends string>(known: readonly T[], what: string) {
  const unknown = (items: string[]) => items.filter((item) => !(known as readonly string[]).includes(item));
  return v.pipe(
    v.string(),
    v.transform((value) => [...new Set(value.split(',').map((item) => item.trim().toLowerCase()).filter(Boolean))]),
    v.check(
      (items) => unknown(items).length === 0,
      (issue) => `unknown ${what} ${unknown(issue.input as string[]).map((item) => JSON.stringify(item)).join(', ')} (known: ${known.join(', ')})`,
    ),
    v.transform((items) => items as T[]),
  );
}

/** `<key id>:<base64 of 32 bytes>` (openssl rand -base64 32 makes the key) */
/** comma-separated CIDR ranges (the SSRF guards' exceptions) */
const cidrList = v.pipe(
  v.string(),
  v.transform((value) => value.split(',').map((range) => range.trim()).filter(Boolean)),
  v.check((ranges) => ranges.every((range) => /^[0-9a-f.:]+\/\d{1,3}$/i.test(range)), 'not a comma list of CIDR ranges (e.g. 10.20.0.0/16)'),
);
const secretKey = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/, 'not <key id>:<32 bytes in base64> (e.g. k1:$(openssl rand -base64 32))'),
  v.transform((value) => { const [id, key] = value.split(':') as [string, string]; return { id, key: Buffer.from(key, 'base64') }; }),
);

/** Every variable the platform reads, with its default written as an operator would write it. */
const Env = v.object({
  MEDIATECA_DATA: v.optional(text, 'data'),
  DATABASE_URL: v.optional(text),
  DATABASE_POOL_SIZE: v.optional(integer(1), String(DEFAULT_DATABASE_POOL_SIZE)),
  PORT: v.optional(integer(0, 65_535), '8080'),
  HOST: v.optional(text),
  PUBLIC_URL: v.optional(url),
  LOG_LEVEL: v.optional(v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'not a log level (fatal, error, warn, info, debug, trace, silent)')),
  NODE_ENV: v.optional(v.string()),
  NODE_TEST_CONTEXT: v.optional(v.string()),
  S3_ENDPOINT: v.optional(url),
  S3_REGION: v.optional(text, 'default'),
  S3_ACCESS_KEY: v.optional(v.string()),
  S3_SECRET_KEY: v.optional(v.string()),
  S3_PUBLIC_ENDPOINT: v.optional(url),
  BUCKET_INCOMING: v.optional(text, 'mediateca-incoming'),
  BUCKET_MASTERS: v.optional(text, 'mediateca-masters'),
  BUCKET_RENDITIONS: v.optional(text, 'mediateca-renditions'),
  BUCKET_ANALYTICS: v.optional(text, 'mediateca-analytics'),
  CORS_ORIGINS: v.optional(v.pipe(
    v.string(),
    v.transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean)),
    v.check((origins) => origins.every((origin) => origin === '*' || /^https?:\/\/[^/\s]+$/.test(origin)), 'not a comma list of origins (scheme://host[:port], no path) or *'),
  )),
  NOTIFY_ENDPOINT: v.optional(v.pipe(
    text,
    v.check((value) => value === 'none' || /^https?:\/\/[^/\s]+/.test(value), 'not an http(s) URL (or none)'),
    v.transform((value) => (value === 'none' ? (false as const) : value)),
  )),
  NATS_URL: v.optional(text),
  NATS_STREAM: v.optional(text, 'MEDIATECA'),
  EVENTS_RETENTION: v.optional(duration('s', 's'), '30d'),
  DEAD_LETTER_RETENTION: v.optional(duration('s', 's'), '365d'),
  AUDIT_RETENTION: v.optional(duration('s', 's'), '365d'),
  AUDIT_READ_INTERVAL: v.optional(duration('s', 's'), '1h'),
  DELIVERY_CONCURRENCY: v.optional(integer(1, 256), '4'),
  DELIVERY_CONCURRENCY_UPLOAD: v.optional(integer(1, 256)),
  DELIVERY_CONCURRENCY_UPLOAD_COMPLETE: v.optional(integer(1, 256)),
  DELIVERY_CONCURRENCY_TRANSCODE: v.optional(integer(1, 256)),
  DELIVERY_CONCURRENCY_ENRICH: v.optional(integer(1, 256)),
  DELIVERY_CONCURRENCY_INDEX: v.optional(integer(1, 256)),
  LOOP_STALL_SECONDS: v.optional(duration('s', 's'), '120s'),
  SHUTDOWN_TIMEOUT_MS: v.optional(duration('ms', 'ms'), '25s'),
  OPENSEARCH_URL: v.optional(url),
  AUTH_JWKS_URL: v.optional(url),
  AUTH_ISSUER: v.optional(text, 'mediateca-local'),
  AUTH_AUDIENCE: v.optional(text, 'mediateca'),
  AUTH_ROLES_CLAIM: v.optional(text, 'projects'),
  AUTH_OPERATIONS_PROJECT: v.optional(text, 'operations'),
  AUTH_MAX_TOKEN_LIFETIME: v.optional(duration('s', 's'), '24h'),
  WEB_OIDC_CLIENT_ID: v.optional(v.pipe(text, v.regex(/^[\x21-\x7e]{1,200}$/, 'not an OAuth client id (printable ASCII, no spaces)'))),
  WEB_OIDC_ISSUER: v.optional(url),
  WEB_OIDC_SCOPE: v.optional(v.pipe(text, v.regex(/(^| )openid( |$)/, 'the scope must include openid')), 'openid profile'),
  EVENTS_SECRET: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._~-]{16,}$/, 'not a secret of 16 or more URL-safe characters (openssl rand -hex 32 makes one)'))),
  NOTIFICATION_MAX_RECORDS: v.optional(integer(1), '100'),
  RATE_LIMIT_PER_MINUTE: v.optional(integer(0), '3000'),
  RATE_LIMIT_PER_IP_PER_MINUTE: v.optional(integer(0), '6000'),
  RATE_LIMIT_UPLOADS_PER_MINUTE: v.optional(integer(0), '120'),
  RATE_LIMIT_KEY_PREFIX: v.optional(text, 'mediateca:rate'),
  TRUSTED_PROXY_HOPS: v.optional(integer(0, 10), '0'),
  REDIS_URL: v.optional(v.pipe(text, v.regex(/^rediss?:\/\/\S+$/, 'not a redis:// or rediss:// URL'))),
  UPLOAD_MAX_BYTES: v.optional(size, '50G'),
  UPLOAD_MULTIPART_THRESHOLD: v.optional(size, '64M'),
  UPLOAD_PART_SIZE: v.optional(size, '32M'),
  UPLOAD_URL_TTL: v.optional(duration('s', 's'), '1h'),
  UPLOAD_EXPIRE_AFTER: v.optional(duration('s', 's'), '24h'),
  UPLOAD_SWEEP_INTERVAL: v.optional(duration('s', 's'), '60s'),
  UPLOAD_SWEEP_GRACE: v.optional(duration('s', 's'), '30s'),
  IMAGE_MAX_PIXELS: v.optional(integer(1), '268402689'),
  // below the function's 30 min Knative timeout, so the job fails cleanly before the platform kills it
  TRANSCODE_TIMEOUT_MS: v.optional(duration('ms', 'ms'), '25m'),
  MEDIA_MAX_DURATION_SECONDS: v.optional(duration('s', 's'), '6h'),
  VIDEO_MAX_PIXELS: v.optional(integer(1), String(8192 * 4320)),
  ENRICH_PARTS: v.optional(v.pipe(list([...ENRICH_PARTS, 'none'], 'part'), v.transform((parts) => parts.filter((part): part is EnrichPart => part !== 'none'))), ENRICH_PARTS.join(',')),
  ENRICH_MAX_KEYFRAMES: v.optional(integer(1), '12'),
  SNAPSHOT_EVERY: v.optional(integer(1), '100'),
  TRASH_RETENTION_DAYS: v.optional(integer(0), '30'),
  DOWNLOAD_URL_TTL: v.optional(duration('s', 's'), '15m'),
  SEARCH_EMBEDDING_DIMENSIONS: v.optional(integer(1, 16_000), String(DEFAULT_EMBEDDING_DIMENSIONS)),
  SEARCH_ENGINE: v.optional(v.picklist(SEARCH_ENGINES, `must be ${SEARCH_ENGINES.join(', ')} or unset`), 'postgres'),
  LANCEDB_PATH: v.optional(text),
  FFMPEG_PATH: v.optional(text, DEFAULT_MEDIA.ffmpegPath),
  FFPROBE_PATH: v.optional(text, DEFAULT_MEDIA.ffprobePath),
  FFMPEG_THREADS: v.optional(integer(1)),
  MODELS_DIR: v.optional(text),
  CLIP_MODEL: v.optional(text),
  ONNX_EXECUTION_PROVIDERS: v.optional(list(EXECUTION_PROVIDERS, 'execution provider'), 'cpu'),
  ONNX_INTRA_OP_THREADS: v.optional(integer(1)),
  SPEECH_ENGINE: v.optional(v.picklist(SPEECH_ENGINES, `must be ${SPEECH_ENGINES.join(', ')} or unset`)),
  WHISPER_CPP_BIN: v.optional(text),
  WHISPER_MODEL: v.optional(text),
  WHISPER_LANGUAGE: v.optional(text),
  // unset PATH: the usual system folders, as a shell's default path would be
  PATH: v.optional(v.string(), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'),
  K_SINK: v.optional(url),
  OPENFAAS_GATEWAY_URL: v.optional(url),
  IMPORT_USER_AGENT: v.optional(text),
  IMPORT_CONTACT_URL: v.optional(url),
  IMPORT_ALLOW_PRIVATE_NETWORKS: v.optional(boolean, 'false'),
  IMPORT_ALLOWED_RANGES: v.optional(cidrList),
  IMPORT_HOST_CONCURRENCY: v.optional(integer(1), '2'),
  IMPORT_HOST_RATE: v.optional(positiveNumber, '1'),
  IMPORT_CONCURRENCY: v.optional(integer(1), '8'),
  IMPORT_MAX_ITEM_BYTES: v.optional(size),
  IMPORT_MAX_ATTEMPTS: v.optional(integer(1), '5'),
  IMPORT_RETRY_BASE_MS: v.optional(duration('ms', 'ms'), '2s'),
  IMPORT_RETRY_MAX_MS: v.optional(duration('ms', 'ms'), '10m'),
  IMPORT_REQUEST_TIMEOUT_MS: v.optional(duration('ms', 'ms'), '30s'),
  IMPORT_MAX_REDIRECTS: v.optional(integer(0, 20), '5'),
  IMPORT_LEASE_SECONDS: v.optional(duration('s', 's'), '60s'),
  IMPORT_MAX_ITEMS: v.optional(integer(1), '100000'),
  IMPORT_CREDENTIALS_KEY: v.optional(v.pipe(
    v.string(),
    v.check((value) => credentialsKeyBytes(value) !== undefined, 'not a 32-byte key: 64 hex characters or 44 base64 characters (openssl rand -hex 32 makes one)'),
    v.transform((value) => credentialsKeyBytes(value)!),
  )),
  EXPORT_BATCH_EVENTS: v.optional(integer(1, 1_000_000), '10000'),
  EXPORT_BATCH_MAX_AGE: v.optional(duration('s', 's'), '5m'),
  EXPORT_INTERVAL: v.optional(duration('s', 's'), '60s'),
  OTEL_SDK_DISABLED: v.optional(boolean, 'false'),
  OTEL_TRACES_EXPORTER: v.optional(v.picklist(['otlp', 'none'], 'must be otlp or none (OTLP over HTTP is the exporter here)'), 'otlp'),
  OTEL_EXPORTER_OTLP_ENDPOINT: v.optional(url),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: v.optional(url),
  /** the exporter here speaks OTLP/HTTP with JSON bodies; another protocol is refused rather than ignored */
  OTEL_EXPORTER_OTLP_PROTOCOL: v.optional(v.picklist(['http/json'], 'must be http/json (the OTLP exporter here sends JSON over HTTP; grpc and http/protobuf are not built in)')),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: v.optional(v.picklist(['http/json'], 'must be http/json (the OTLP exporter here sends JSON over HTTP; grpc and http/protobuf are not built in)')),
  OTEL_SERVICE_NAME: v.optional(text),
  OTEL_EXPORTER_OTLP_HEADERS: v.optional(v.pipe(
    v.string(),
    v.transform((value) => value.split(',').map((pair) => pair.trim()).filter(Boolean)),
    v.check((pairs) => pairs.every((pair) => /^[^=\s]+=.*$/.test(pair)), 'not a comma list of key=value'),
    v.transform((pairs) => Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), decodeURIComponent(pair.slice(pair.indexOf('=') + 1))]))),
  )),
  CHANNEL_SECRETS_KEY: v.optional(secretKey),
  CHANNEL_SECRETS_OLD_KEYS: v.optional(v.pipe(v.string(), v.transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean)), v.array(secretKey))),
  DISTRIBUTE_POLL_INTERVAL_MS: v.optional(duration('ms', 'ms'), '1s'),
  DISTRIBUTE_ALLOW_PRIVATE_NETWORKS: v.optional(boolean, 'false'),
  DISTRIBUTE_ALLOWED_RANGES: v.optional(cidrList),
  DISTRIBUTE_CONNECTION_IDLE_MS: v.optional(duration('ms', 'ms'), '30s'),
  DISTRIBUTE_LEASE_SECONDS: v.optional(duration('s', 's'), '5m'),
  DISTRIBUTE_URL_TTL: v.optional(duration('s', 's'), '24h'),
  DISTRIBUTE_TIMEOUT_MS: v.optional(duration('ms', 'ms'), '10m'),
  DISTRIBUTE_MAX_ATTEMPTS: v.optional(integer(1, 100), '6'),
  DISTRIBUTE_RETRY_BASE_MS: v.optional(duration('ms', 'ms'), '2s'),
  DISTRIBUTE_RETRY_MAX_MS: v.optional(duration('ms', 'ms'), '10m'),
  DISTRIBUTE_CONCURRENCY: v.optional(integer(1, 64), '2'),
  DISTRIBUTE_BREAKER_THRESHOLD: v.optional(integer(1, 1000), '5'),
  DISTRIBUTE_BREAKER_HALF_OPEN_MS: v.optional(duration('ms', 'ms'), '30s'),
});

/** The configuration from an environment (process.env by default; tests pass their own). Throws ConfigError naming every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // an empty variable is an unset one (manifests often template `VALUE: ""`)
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = v.safeParse(Env, given);
  if (!parsed.success) {
    throw new ConfigError(parsed.issues.map((issue) => {
      const name = v.getDotPath(issue) ?? '';
      return `${name}=${given[name] ?? ''}: ${issue.message}`;
    }));
  }
  const e = parsed.output;
  const problems: string[] = [];
  if (e.S3_ENDPOINT) {
    for (const name of ['S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const) if (!e[name]) problems.push(`${name} must be set when S3_ENDPOINT is`);
  }
  const oidcIssuer = e.WEB_OIDC_ISSUER ?? e.AUTH_ISSUER;
  if (e.WEB_OIDC_CLIENT_ID && !/^https?:\/\/[^/\s]+/.test(oidcIssuer)) problems.push(`WEB_OIDC_ISSUER must be set when WEB_OIDC_CLIENT_ID is and AUTH_ISSUER (${oidcIssuer}) is not the provider's URL`);
  if (e.WEB_OIDC_CLIENT_ID && !e.AUTH_JWKS_URL) problems.push('AUTH_JWKS_URL must be set when WEB_OIDC_CLIENT_ID is: the API verifies the tokens the provider issues');
  if (problems.length) throw new ConfigError(problems);

  const dataDir = resolve(e.MEDIATECA_DATA);
  return {
    dataDir,
    databaseUrl: e.DATABASE_URL ?? resolve(dataDir, 'db'),
    databasePoolSize: e.DATABASE_POOL_SIZE,
    publicUrl: (e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/$/, ''),
    http: { port: e.PORT, host: e.HOST },
    logLevel: e.LOG_LEVEL ?? (e.NODE_TEST_CONTEXT || e.NODE_ENV === 'test' ? 'warn' : 'info'),
    s3: e.S3_ENDPOINT
      ? { endpoint: e.S3_ENDPOINT, region: e.S3_REGION, accessKeyId: e.S3_ACCESS_KEY!, secretAccessKey: e.S3_SECRET_KEY!, publicEndpoint: e.S3_PUBLIC_ENDPOINT }
      : undefined,
    buckets: { incoming: e.BUCKET_INCOMING, masters: e.BUCKET_MASTERS, renditions: e.BUCKET_RENDITIONS, analytics: e.BUCKET_ANALYTICS },
    corsOrigins: e.CORS_ORIGINS,
    notifyEndpoint: e.NOTIFY_ENDPOINT,
    natsUrl: e.NATS_URL,
    natsStream: e.NATS_STREAM,
    retention: { eventsSeconds: e.EVENTS_RETENTION, deadLettersSeconds: e.DEAD_LETTER_RETENTION },
    auditRetentionSeconds: e.AUDIT_RETENTION,
    auditReadIntervalSeconds: e.AUDIT_READ_INTERVAL,
    delivery: {
      concurrency: e.DELIVERY_CONCURRENCY,
      perFunction: Object.fromEntries(Object.entries({
        upload: e.DELIVERY_CONCURRENCY_UPLOAD,
        'upload-complete': e.DELIVERY_CONCURRENCY_UPLOAD_COMPLETE,
        transcode: e.DELIVERY_CONCURRENCY_TRANSCODE,
        enrich: e.DELIVERY_CONCURRENCY_ENRICH,
        index: e.DELIVERY_CONCURRENCY_INDEX,
      }).filter((entry): entry is [string, number] => entry[1] !== undefined)),
    },
    loops: { stallSeconds: e.LOOP_STALL_SECONDS, shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    opensearchUrl: e.OPENSEARCH_URL,
    auth: { jwksUrl: e.AUTH_JWKS_URL, issuer: e.AUTH_ISSUER, audience: e.AUTH_AUDIENCE, rolesClaim: e.AUTH_ROLES_CLAIM, maxLocalTokenLifetimeSeconds: e.AUTH_MAX_TOKEN_LIFETIME, operationsProject: e.AUTH_OPERATIONS_PROJECT },
    webOidc: e.WEB_OIDC_CLIENT_ID ? { issuer: oidcIssuer, clientId: e.WEB_OIDC_CLIENT_ID, scope: e.WEB_OIDC_SCOPE } : undefined,
    eventsSecret: e.EVENTS_SECRET,
    notificationMaxRecords: e.NOTIFICATION_MAX_RECORDS,
    rateLimits: {
      perSubject: e.RATE_LIMIT_PER_MINUTE,
      perIp: e.RATE_LIMIT_PER_IP_PER_MINUTE,
      uploadsPerSubject: e.RATE_LIMIT_UPLOADS_PER_MINUTE,
      keyPrefix: e.RATE_LIMIT_KEY_PREFIX,
      trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    },
    redisUrl: e.REDIS_URL,
    uploads: {
      maxBytes: e.UPLOAD_MAX_BYTES,
      multipartThresholdBytes: e.UPLOAD_MULTIPART_THRESHOLD,
      partSizeBytes: e.UPLOAD_PART_SIZE,
      urlTtlSeconds: e.UPLOAD_URL_TTL,
      expireAfterSeconds: e.UPLOAD_EXPIRE_AFTER,
      sweepIntervalSeconds: e.UPLOAD_SWEEP_INTERVAL,
      sweepGraceSeconds: e.UPLOAD_SWEEP_GRACE,
    },
    images: { maxPixels: e.IMAGE_MAX_PIXELS },
    transcode: { timeoutMs: e.TRANSCODE_TIMEOUT_MS, maxDurationSeconds: e.MEDIA_MAX_DURATION_SECONDS, maxPixels: e.VIDEO_MAX_PIXELS },
    enrich: { parts: e.ENRICH_PARTS, maxKeyframes: e.ENRICH_MAX_KEYFRAMES },
    snapshotEvery: e.SNAPSHOT_EVERY,
    trashRetentionDays: e.TRASH_RETENTION_DAYS,
    downloadUrlTtlSeconds: e.DOWNLOAD_URL_TTL,
    search: { embeddingDimensions: e.SEARCH_EMBEDDING_DIMENSIONS, engine: e.SEARCH_ENGINE, lancedbPath: resolve(e.LANCEDB_PATH ?? join(dataDir, 'search')) },
    media: { ffmpegPath: e.FFMPEG_PATH, ffprobePath: e.FFPROBE_PATH, ffmpegThreads: e.FFMPEG_THREADS },
    models: {
      dir: resolve(e.MODELS_DIR ?? join(e.MEDIATECA_DATA, 'models')),
      clip: e.CLIP_MODEL,
      executionProviders: e.ONNX_EXECUTION_PROVIDERS.length ? e.ONNX_EXECUTION_PROVIDERS : ['cpu'],
      intraOpThreads: e.ONNX_INTRA_OP_THREADS ?? availableParallelism(),
    },
    speech: { engine: e.SPEECH_ENGINE, whisperCppBin: e.WHISPER_CPP_BIN, whisperModel: e.WHISPER_MODEL, whisperLanguage: e.WHISPER_LANGUAGE, searchPath: e.PATH },
    bridge: { kSink: e.K_SINK, openfaasGatewayUrl: e.OPENFAAS_GATEWAY_URL },
    imports: {
      userAgent: e.IMPORT_USER_AGENT ?? `${IMPORT_ROBOTS_AGENT}/0.1 (+${e.IMPORT_CONTACT_URL ?? e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`}; bulk media import)`,
      robotsAgent: IMPORT_ROBOTS_AGENT,
      allowPrivateNetworks: e.IMPORT_ALLOW_PRIVATE_NETWORKS,
      allowedRanges: e.IMPORT_ALLOWED_RANGES ?? [],
      hostConcurrency: e.IMPORT_HOST_CONCURRENCY,
      hostRequestsPerSecond: e.IMPORT_HOST_RATE,
      concurrency: e.IMPORT_CONCURRENCY,
      maxItemBytes: e.IMPORT_MAX_ITEM_BYTES ?? e.UPLOAD_MAX_BYTES,
      maxAttempts: e.IMPORT_MAX_ATTEMPTS,
      retryBaseMs: e.IMPORT_RETRY_BASE_MS,
      retryMaxMs: e.IMPORT_RETRY_MAX_MS,
      requestTimeoutMs: e.IMPORT_REQUEST_TIMEOUT_MS,
      maxRedirects: e.IMPORT_MAX_REDIRECTS,
      leaseSeconds: e.IMPORT_LEASE_SECONDS,
      credentialsKey: e.IMPORT_CREDENTIALS_KEY,
      maxItemsPerBatch: e.IMPORT_MAX_ITEMS,
    },
    analytics: { batchEvents: e.EXPORT_BATCH_EVENTS, batchMaxAgeSeconds: e.EXPORT_BATCH_MAX_AGE, intervalSeconds: e.EXPORT_INTERVAL },
    tracing: tracingOf(e),
    distribution: {
      secretKeys: [...(e.CHANNEL_SECRETS_KEY ? [e.CHANNEL_SECRETS_KEY] : []), ...(e.CHANNEL_SECRETS_OLD_KEYS ?? [])],
      pollIntervalMs: e.DISTRIBUTE_POLL_INTERVAL_MS,
      leaseSeconds: e.DISTRIBUTE_LEASE_SECONDS,
      urlTtlSeconds: e.DISTRIBUTE_URL_TTL,
      network: { allowPrivateNetworks: e.DISTRIBUTE_ALLOW_PRIVATE_NETWORKS, allowedRanges: e.DISTRIBUTE_ALLOWED_RANGES ?? [] },
      connectionIdleMs: e.DISTRIBUTE_CONNECTION_IDLE_MS,
      defaults: {
        timeoutMs: e.DISTRIBUTE_TIMEOUT_MS,
        maxAttempts: e.DISTRIBUTE_MAX_ATTEMPTS,
        retryBaseMs: e.DISTRIBUTE_RETRY_BASE_MS,
        retryMaxMs: e.DISTRIBUTE_RETRY_MAX_MS,
        concurrency: e.DISTRIBUTE_CONCURRENCY,
        breakerThreshold: e.DISTRIBUTE_BREAKER_THRESHOLD,
        breakerHalfOpenMs: e.DISTRIBUTE_BREAKER_HALF_OPEN_MS,
      },
    },
  };
}

function tracingOf(e: v.InferOutput<typeof Env>): TracingConfig | undefined {
  if (e.OTEL_SDK_DISABLED || e.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const tracesUrl = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` : undefined);
  return tracesUrl ? { tracesUrl, serviceName: e.OTEL_SERVICE_NAME, headers: e.OTEL_EXPORTER_OTLP_HEADERS ?? {} } : undefined;
}

/** Events a consumer of `fn` delivers at once: DELIVERY_CONCURRENCY_<FN>, else DELIVERY_CONCURRENCY. */
export function deliveryConcurrency(config: Pick<Config, 'delivery'>, fn: string): number {
  return config.delivery.perFunction[fn] ?? config.delivery.concurrency;
}

/**
 * The environment a child process runs with: this process's, with `overrides` (settings a tool reads from its own
 * variables, such as OMP_THREAD_LIMIT for Tesseract). The one place besides loadConfig that reads process.env.
 */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

/**
 * Defaults for variables a native library in this process reads itself (LanceDB's LANCE_*): set unless the operator
 * set them.
 */
export function defaultNativeEnvironment(defaults: Record<string, string>): void {
  for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;
}

/** the token robots.txt groups are matched against */
const IMPORT_ROBOTS_AGENT = 'MediatecaImport';

/** An AES-256 key written as 64 hex characters or as base64; undefined when it is not 32 bytes. */
function credentialsKeyBytes(value: string): Buffer | undefined {
  const trimmed = value.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  return bytes?.length === 32 ? bytes : undefined;
}
