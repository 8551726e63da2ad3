// The two always-on workers against real PostgreSQL and NATS JetStream: outbox-relay publishes committed
// rows; jetstream-bridge (OpenFaaS mode) delivers them to <gateway>/function/<name> over HTTP.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createApp as bridgeApp } from '../../functions/jetstream-bridge/index.ts';
import { createApp as relayApp } from '../../functions/outbox-relay/index.ts';
import { loadConfig } from '../../shared/config.ts';
import { enqueue } from '../../shared/db/outbox.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import { deleteStream } from '../../shared/events/jetstream.ts';
import { type Platform, createPlatform } from '../../shared/platform.ts';
import { NATS_URL, POSTGRES_URL, createTestDatabase, requireServer } from '../support/servers.ts';

const ready = (await requireServer('PostgreSQL', POSTGRES_URL)) && (await requireServer('NATS', NATS_URL));
const stream = `WORKERS_${Date.now().toString(36).toUpperCase()}`;
const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-workers-'));
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let relayPlatform: Platform;
let bridgePlatform: Platform;
const EVENTS_SECRET = `workers-${Math.random().toString(36).slice(2)}`;
const received: { path: string; headers: Record<string, unknown>; body: string }[] = [];
const gateway = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => { body += chunk; });
  request.on('end', () => {
    received.push({ path: request.url ?? '', headers: request.headers, body });
    response.writeHead(200).end('{}');
  });
});

before(async () => {
  if (!ready) return;
  database = await createTestDatabase();
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const port = (gateway.address() as { port: number }).port;
  const config = loadConfig({ MEDIATECA_DATA: dataDir, DATABASE_URL: database.url, NATS_URL, NATS_STREAM: stream, OPENFAAS_GATEWAY_URL: `http://127.0.0.1:${port}`, EVENTS_SECRET });
  relayPlatform = await createPlatform({ name: 'outbox-relay', config });
  bridgePlatform = await createPlatform({ name: 'jetstream-bridge', config });
  await relayApp(relayPlatform);
  await bridgeApp(bridgePlatform);
});

after(async () => {
  if (!ready) return;
  await bridgePlatform.close();
  await relayPlatform.close();
  gateway.close();
  const nc = await connect({ servers: NATS_URL });
  await deleteStream(await jetstreamManager(nc), stream);
  await nc.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a committed outbox row reaches the consuming function through JetStream, as a binary CloudEvent', { skip: !ready }, async () => {
  const event = newEvent('io.mediateca.asset.rendered', 'io.mediateca', { assetId: '6f1c2a4e-0000-4000-8000-000000000001', projectId: 'newsroom', version: 4, renditions: ['thumbnail'] }, 'asset-1');
  await enqueue(relayPlatform.db, [event]);
  const deadline = Date.now() + 20_000;
  const deliveries = () => received.filter((r) => r.headers['ce-id'] === event.id);
  while (deliveries().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // asset.rendered has two consumers in the catalog: each gets its own delivery
  assert.deepEqual(deliveries().map((r) => r.path).sort(), ['/function/enrich', '/function/index']);
  const delivery = deliveries()[0]!;
  assert.equal(delivery.headers['ce-type'], 'io.mediateca.asset.rendered');
  assert.equal(delivery.headers['ce-subject'], 'asset-1');
  assert.equal(delivery.headers['ce-mediatecasecret'], EVENTS_SECRET, 'the function accepts it only with the events secret');
  assert.deepEqual(JSON.parse(delivery.body), event.data);
  const published = await relayPlatform.db.selectFrom('outbox').select('published_at').where('event_id', '=', event.id).executeTakeFirstOrThrow();
  assert.ok(published.published_at, 'the row is marked published');
});

test('without a target the bridge refuses to start with a clear reason', { skip: !ready }, async () => {
  const untargeted = { ...bridgePlatform, config: { ...bridgePlatform.config, bridge: {} } };
  await assert.rejects(bridgeApp(untargeted), /K_SINK .* or OPENFAAS_GATEWAY_URL/);
});
