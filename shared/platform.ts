// Everything a function needs, built once per process from the configuration.
import type { Kysely } from 'kysely';
import { type Config, loadConfig } from './config.ts';
import { type Database, openDatabase } from './db/connect.ts';
import type { DB } from './db/schema.ts';
import { configureMedia } from './media/ffmpeg.ts';
import { configureSnapshots } from './db/assets.ts';
import { eventsSecretOf } from './events/secret.ts';
import { type Authenticator, type LocalSigner, createAuthenticator, localSigner, remoteKeys } from './http/auth.ts';
import { type RateLimits, createRateLimits } from './http/rate-limit.ts';
import { Health } from './observability/health.ts';
import { type Logger, createLogger } from './observability/logger.ts';
import { startTracing } from './observability/tracing.ts';
import type { DeadLetterQueue } from './events/dead-letters.ts';
import type { SearchIndex } from './search/search-index.ts';
import type { ObjectStore } from './storage/object-store.ts';

export interface Platform {
  config: Config;
  database: Database;
  db: Kysely<DB>;
  store: ObjectStore;
  search: SearchIndex;
  auth: Authenticator;
  /** only in the embedded default: mints tokens and serves the JWKS */
  signer?: LocalSigner;
  /** every platform delivery to an event endpoint carries it (shared/events/secret.ts) */
  eventsSecret: string;
  logger: Logger;
  /** API request budgets, in memory or shared through Redis */
  rateLimits: RateLimits;
  /** called after a transaction wrote outbox rows, so an in-process relay publishes at once */
  outboxWritten: () => void;
  /** where dead letters are listed and redriven (/admin/dead-letters): set by the host; a function alone opens the JetStream one */
  deadLetters?: DeadLetterQueue;
  /** dependencies and loops, reported by /_/ready and /_/health */
  health: Health;
  close(): Promise<void>;
}

export interface PlatformOptions {
  name?: string;
  config?: Config;
  database?: Database;
  store?: ObjectStore;
}

export async function createPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const config = options.config ?? loadConfig();
  const logger = createLogger(options.name ?? 'mediateca', config.logLevel);
  configureMedia(config.media);
  configureSnapshots(config.snapshotEvery);
  const database = options.database ?? (await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize, embeddingDimensions: config.search.embeddingDimensions }));
  const store = options.store ?? (await openStore(config));
  const search = await openSearch(config, database, logger);

  let signer: LocalSigner | undefined;
  let auth: Authenticator;
  if (config.auth.jwksUrl) {
    auth = createAuthenticator(config.auth, remoteKeys(config.auth.jwksUrl));
  } else {
    signer = await localSigner(`${config.dataDir}/keys/signing-key.json`, config.auth);
    auth = createAuthenticator(config.auth, signer.keys, config.auth.maxLocalTokenLifetimeSeconds);
  }

  const rateLimits = createRateLimits(config.rateLimits, config.redisUrl, logger);
  const tracing = config.tracing ? await startTracing(config.tracing, options.name ?? 'mediateca') : undefined;
  const health = new Health(config.loops.stallSeconds);
  health.dependency('database', () => database.ping());
  health.dependency('storage', () => store.ping());

  const platform: Platform = {
    config,
    database,
    db: database.db,
    store,
    search,
    auth,
    signer,
    eventsSecret: eventsSecretOf(config),
    logger,
    rateLimits,
    outboxWritten: () => {},
    health,
    close: async () => {
      await rateLimits.close();
      await tracing?.shutdown();
      await search.close?.();
      if (!options.database) await database.close();
    },
  };
  return platform;
}

export async function openStore(config: Config): Promise<ObjectStore> {
  if (config.s3) {
    const { S3ObjectStore } = await import('./storage/s3.ts');
    return new S3ObjectStore(config.s3, config.buckets, { corsOrigins: config.corsOrigins ?? [new URL(config.publicUrl).origin] });
  }
  const { FilesystemObjectStore } = await import('./storage/filesystem.ts');
  return new FilesystemObjectStore(`${config.dataDir}/objects`, config.buckets, config.publicUrl, `${config.dataDir}/keys/store-secret`);
}

/**
 * OpenSearch when OPENSEARCH_URL is set (clusters); else LanceDB when SEARCH_ENGINE=lancedb; else the Postgres
 * adapter in the platform's database, with the in-memory term index on PGlite.
 */
async function openSearch(config: Config, database: Database, logger: Logger): Promise<SearchIndex> {
  if (config.opensearchUrl) {
    const { OpenSearchSearchIndex } = await import('./search/opensearch.ts');
    return OpenSearchSearchIndex.open(config.opensearchUrl, { dimensions: config.search.embeddingDimensions });
  }
  if (config.search.engine === 'lancedb') {
    const { LanceSearchIndex } = await import('./search/lancedb.ts');
    return LanceSearchIndex.open({ path: config.search.lancedbPath, dimensions: config.search.embeddingDimensions });
  }
  const { PostgresSearchIndex } = await import('./search/postgres.ts');
  if (database.driver === 'postgres') return new PostgresSearchIndex(database.db);
  const { TermIndex } = await import('./search/term-index.ts');
  const onError = (error: unknown) => logger.warn({ err: error }, 'term index: SQL answers the searches until a build succeeds');
  return new PostgresSearchIndex(database.db, { termIndex: TermIndex.for(database.db, { onError }) });
}
