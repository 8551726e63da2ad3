// One Kysely<DB> over two drivers: postgres.js for servers, PGlite for the embedded default.
import { mkdirSync } from 'node:fs';
import { CompiledQuery, type DatabaseConnection, Kysely, sql } from 'kysely';
import { DEFAULT_DATABASE_POOL_SIZE } from '../config.ts';
import type { Sql, ReservedSql } from 'postgres';
import type { DB } from './schema.ts';
import { migrate } from './migrations.ts';
import { traceQueries } from '../observability/tracing.ts';

export interface Database {
  db: Kysely<DB>;
  driver: 'postgres' | 'pglite';
  /** one round trip to the server (readiness) */
  ping(): Promise<void>;
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
  await migrate(database.db, { embeddingDimensions: options.embeddingDimensions, driver: database.driver });
  return database;
}

// A server that is down or restarting: each connect gives up after 10 s and the next try follows within ~2 s
// (postgres.js's default waits up to 20 s between tries once a few have failed, and 30 s per connect).
const CONNECT_TIMEOUT_SECONDS = 10;
// close() waits this long for queries in flight, then drops the connections (a connection left half-open by a
// restart would otherwise keep it waiting for good)
const CLOSE_TIMEOUT_SECONDS = 5;
const reconnectDelaySeconds = (attempt: number) => Math.min(0.05 * 2 ** attempt, 2) * (0.5 + Math.random() / 2);

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const { PostgresJSDialect, PostgresJSDriver } = await import('kysely-postgres-js');
  const postgres = (await import('postgres')).default;
  const client = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    connection: { jit: 'off' } as any,
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    backoff: reconnectDelaySeconds,
  });
  const guarded = guardReservations(client);
  // kysely 0.28's rollback calls a discard method kysely-postgres-js's connections lack, so a rollback that fails
  // (the connection is gone) would end in a TypeError hiding the real error; the guard already keeps a lost
  // connection out of the pool, so the error is all there is to report.
  class Driver extends PostgresJSDriver {
    // each query a client span under the active one (tracing on)
    override async acquireConnection() {
      return traceQueries(await super.acquireConnection());
    }
    override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    }
  }
  class Dialect extends PostgresJSDialect {
    override createDriver() {
      return new Driver({ postgres: guarded });
    }
  }
  const db = new Kysely<DB>({ dialect: new Dialect({ postgres: guarded }) });
  return { db, driver: 'postgres', ping: () => ping(db), close: () => db.destroy() };
}

/**
 * Kysely runs every query on a reserved postgres.js connection (kysely-postgres-js: reserve, query, release).
 * When PostgreSQL restarts, postgres.js 3.4 closes the connection under the reservation and puts it back in its
 * pool, but the reservation still points at it: a query sent through it afterwards (a transaction's rollback, the
 * next statement) is written to a socket that is gone (`TypeError: Cannot read properties of null (reading
 * 'write')`, thrown from a timer, which ends the process), or into a connection the pool has meanwhile re-opened
 * for someone else; and its release() hands a closed connection back as open, where the next query crashes the
 * same way. This guard learns which connection a reservation got (an empty statement pipelined before the first
 * query shows it) and which reservation owns it (postgres.js keeps that in `reserved`, and clears it when the
 * connection closes); once the owner changed, queries fail with a connection error instead of being sent, and
 * release() leaves the connection to the pool.
 * Statements are prepared, as postgres.js prepares its own tagged queries (kysely-postgres-js sends through
 * `unsafe`, which does not): a statement is parsed once per connection, planned from its cached plan, and sent in one
 * round trip instead of a describe and then an execute each time.
 */
function guardReservations(client: Sql): Sql {
  const reserve = async (): Promise<ReservedSql> => {
    const reserved = await client.reserve();
    let connection: { reserved?: unknown } | undefined;
    let owner: unknown;
    const identify = reserved.unsafe('', [], {
      simple: true,
      onexecute: (executing: { reserved?: unknown }) => {
        connection = executing;
        owner = executing.reserved;
        return true;
      },
    } as any);
    // a failure here is the connection's, and the caller's first query reports it
    identify.execute().catch(() => {});
    const lost = () => connection !== undefined && connection.reserved !== owner;
    const guarded = {
      unsafe(query: string, parameters?: unknown[], options?: Record<string, unknown>) {
        if (lost()) return Promise.reject(Object.assign(new Error('the database connection was closed (PostgreSQL restarted or the network failed)'), { code: 'CONNECTION_CLOSED' }));
        return reserved.unsafe(query, parameters as any[], { prepare: true, ...options } as any);
      },
      release() {
        if (!lost()) reserved.release();
      },
    };
    return guarded as unknown as ReservedSql;
  };
  return Object.assign((...args: unknown[]) => (client as any)(...args), { reserve, end: () => client.end({ timeout: CLOSE_TIMEOUT_SECONDS }) }) as unknown as Sql;
}

/** One round trip (readiness). */
function ping(db: Kysely<DB>): Promise<void> {
  return sql`select 1`.execute(db).then(() => undefined);
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
  return { db, driver: 'pglite', ping: () => ping(db), close: async () => { await db.destroy(); await pglite.close().catch(() => {}); } };
}
