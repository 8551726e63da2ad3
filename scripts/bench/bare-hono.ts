// The baseline for the cold-start benchmark: a bare Hono hello-world, bundled exactly like a function.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/_/health', (c) => c.json({ status: 'ok' }));
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8080), hostname: process.env.HOST ?? '0.0.0.0' });
