// One Kysely<DB> over two drivers: postgres.js for servers, PGlite for the embedded default.
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import { DEFAULT_DATABASE_POOL_SIZE } from '../config.ts';
import type { DB } from './schema.ts';
import { migrate } from './migrations.ts';

export interface Database {
  db: Kysely<DB>;
  driver: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres.js connections (DATABASE_POOL_SIZE) */
  poolSize?: number;
  /** vector size of the search index, fixed when the migration creates it (SEARCH_EMBEDDING_DIMENSIONS) */
  embeddingDimensions?: number;
}

/** `DATABASE_URL` = postgres://… for a server; anything else (or nothing) = PGlite in that folder. */
export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  const postgresUrl = url.startsWith('postgres://') || url.startsWith('postgresql://');
  const database = postgresUrl ? await openPostgres(url, options.poolSize ?? DEFAULT_DATABASE_POOL_SIZE) : await openPglite(url);
  await migrate(database.db, { embeddingDimensions: options.embeddingDimensions });
  return database;
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const { PostgresJSDialect } = await import('kysely-postgres-js');
  const postgres = (await import('postgres')).default;
  const client = postgres(url, { max: poolSize, onnotice: () => {}, connection: { jit: 'off' } as any });
  const db = new Kysely<DB>({ dialect: new PostgresJSDialect({ postgres: client }) });
  return { db, driver: 'postgres', close: () => db.destroy() };
}

async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const inMemory = dataDir === '' || dataDir === 'memory://';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  // PGlite defaults to fsync=off; the embedded default holds user data, so turn it on.
  const pglite = await PGlite.create({
    dataDir: inMemory ? undefined : dataDir,
    extensions: { unaccent, vector },
    startParams: (PGlite as any).defaultStartParams.filter((param: string) => param !== '-F'),
  } as any);
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite as any) });
  return { db, driver: 'pglite', close: async () => { await db.destroy(); await pglite.close().catch(() => {}); } };
}
