import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readCloudEvent } from './handle.ts';
import { registry } from '../observability/metrics.ts';
import { deliverToFunction, recordDeadLetter, remoteFunction } from './deliver.ts';
import { type EventEnvelope, newEvent } from './envelope.ts';
import pino from 'pino';

const event = newEvent('io.mediateca.asset.deleted', 'io.mediateca', { assetId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', projectId: 'news', version: 3 }, 'assets/1b4e28ba');

/** A function that answers `POST /` with the status it is told to, and remembers what it received. */
function fakeFunction(status: number, body: unknown = { ok: true }) {
  const received: EventEnvelope<unknown>[] = [];
  const app = new Hono();
  app.post('/', async (c) => {
    received.push(await readCloudEvent(c.req.raw));
    return c.json(body, status as 200);
  });
  return { app, received };
}

test('2xx is an ack, and the function reads back exactly the event that was sent', async () => {
  const { app, received } = fakeFunction(200);
  assert.deepEqual(await deliverToFunction(app.fetch, event), { outcome: 'ack' });
  assert.deepEqual(received, [event]);
});

test('the request is a binary-mode CloudEvent on POST /', async () => {
  let seen: Request | undefined;
  await deliverToFunction(async (request) => { seen = request; return new Response(null, { status: 204 }); }, event);
  assert.equal(seen?.method, 'POST');
  assert.equal(new URL(seen!.url).pathname, '/');
  assert.equal(seen?.headers.get('ce-id'), event.id);
  assert.equal(seen?.headers.get('ce-type'), event.type);
  assert.equal(seen?.headers.get('content-type'), 'application/json');
  assert.deepEqual(await seen?.json(), event.data);
});

test('the events secret travels as the mediatecasecret extension attribute, which the function reads back out of the event', async () => {
  const { app, received } = fakeFunction(200);
  let seen: Request | undefined;
  await deliverToFunction(async (request) => { seen = request.clone(); return app.fetch(request); }, event, 's3cret');
  assert.equal(seen?.headers.get('ce-mediatecasecret'), 's3cret');
  assert.deepEqual(received, [event], 'the secret is not part of the envelope a handler sees');
});

test('422 is a dead letter, with the problem detail as the reason', async () => {
  const { app } = fakeFunction(422, { type: 'about:blank', title: 'Invalid Event Data', status: 422, detail: 'assetId is not a uuid' });
  assert.deepEqual(await deliverToFunction(app.fetch, event), { outcome: 'dead-letter', reason: 'HTTP 422: assetId is not a uuid' });
});

test('permanent client errors are dead letters; server errors, throttling and timeouts are retried', async () => {
  for (const status of [400, 404, 409, 415]) {
    assert.equal((await deliverToFunction(fakeFunction(status).app.fetch, event)).outcome, 'dead-letter', `HTTP ${status}`);
  }
  for (const status of [500, 502, 503, 408, 429]) {
    assert.equal((await deliverToFunction(fakeFunction(status).app.fetch, event)).outcome, 'retry', `HTTP ${status}`);
  }
});

test('a function without the route answers 404: dead letter', async () => {
  const result = await deliverToFunction(new Hono().fetch, event);
  assert.equal(result.outcome, 'dead-letter');
  assert.match(result.reason!, /^HTTP 404/);
});

test('a network error is retried', async () => {
  const result = await deliverToFunction(async () => { throw new TypeError('fetch failed'); }, event);
  assert.deepEqual(result, { outcome: 'retry', reason: 'delivery failed: fetch failed' });
});

test('an envelope that is not a valid CloudEvent is a dead letter without calling the function', async () => {
  let called = false;
  const result = await deliverToFunction(async () => { called = true; return new Response(); }, { ...event, type: '' });
  assert.equal(result.outcome, 'dead-letter');
  assert.equal(called, false);
});

test('remoteFunction posts the event to the function URL over the network', async () => {
  const { app, received } = fakeFunction(200);
  const outer = new Hono().route('/function/index', app);
  const server = serve({ fetch: outer.fetch, port: 0, hostname: '127.0.0.1' });
  after(() => { server.close(); });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  assert.deepEqual(await deliverToFunction(remoteFunction(`http://127.0.0.1:${port}/function/index`), event), { outcome: 'ack' });
  assert.deepEqual(received, [event]);
});

test('remoteFunction on a closed port is a retry', async () => {
  const result = await deliverToFunction(remoteFunction('http://127.0.0.1:9'), event);
  assert.equal(result.outcome, 'retry');
});

test('a dead letter is counted per consumer and type', async () => {
  const silent = pino({ level: 'silent' });
  const before = await counterValue('transcode', event.type);
  recordDeadLetter(silent, 'transcode', event, 'HTTP 422: bad');
  assert.equal(await counterValue('transcode', event.type), before + 1);
});

async function counterValue(consumer: string, type: string): Promise<number> {
  const metric = await registry.getSingleMetric('mediateca_dead_letters_total')!.get();
  return metric.values.find((v) => v.labels.consumer === consumer && v.labels.type === type)?.value ?? 0;
}
