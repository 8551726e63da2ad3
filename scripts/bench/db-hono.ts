// The second baseline of the cold-start benchmark: the least a function of the design libraries does before it
// answers, Hono with kysely over postgres.js and one query, bundled exactly like a function (cluster configuration only).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Kysely, sql } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';

const db = new Kysely<Record<string, never>>({ dialect: new PostgresJSDialect({ postgres: postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} }) }) });
await sql`select 1`.execute(db);
const app = new Hono();
app.get('/_/health', (c) => c.json({ status: 'ok' }));
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8080), hostname: process.env.HOST ?? '0.0.0.0' });
