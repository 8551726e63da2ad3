// The trace context in events: absent while tracing is off; with a provider, an event emitted inside a span names
// that span, and the outbox row, the NATS message and the HTTP delivery all carry it on.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { enqueue, toEnvelope } from '../db/outbox.ts';
import { readCloudEvent } from '../events/handle.ts';
import { newEvent } from '../events/envelope.ts';
import { fromNatsMessage, toNatsMessage } from '../events/nats-binding.ts';
import { deliverToFunction } from '../events/deliver.ts';
import { createTestPlatform } from '../../test/support/platform.ts';
import { SpanKind, inSpan, startTracing } from './tracing.ts';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

test('with tracing off, events carry no trace context', () => {
  const event = newEvent('io.mediateca.asset.updated', 'io.mediateca', { assetId: crypto.randomUUID(), projectId: 'p', version: 1, fields: [] });
  assert.equal(event.traceparent, undefined);
});

let receiver: ReturnType<typeof createServer>;
let tracing: Awaited<ReturnType<typeof startTracing>>;
before(async () => {
  // an endpoint that accepts the export, so the provider has somewhere to send
  receiver = createServer((_request, response) => response.writeHead(200).end('{}'));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  tracing = await startTracing({ tracesUrl: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/v1/traces`, headers: {} }, 'tracing-test');
});
after(async () => {
  await tracing?.shutdown();
  await new Promise((resolve) => receiver.close(resolve));
});

test('an event emitted in a span names it, through the outbox, NATS and an HTTP delivery', async () => {
  const platform = await createTestPlatform();
  try {
    const { event, spanId, traceId } = await inSpan('emit', { kind: SpanKind.INTERNAL }, async () => {
      const context = trace.getActiveSpan()!.spanContext();
      return { event: newEvent('io.mediateca.asset.updated', 'io.mediateca', { assetId: crypto.randomUUID(), projectId: 'p', version: 1, fields: [] }), spanId: context.spanId, traceId: context.traceId };
    });
    assert.match(event.traceparent ?? '', TRACEPARENT);
    assert.deepEqual(TRACEPARENT.exec(event.traceparent!)!.slice(1), [traceId, spanId]);

    await enqueue(platform.db, [event]);
    const row = await platform.db.selectFrom('outbox').selectAll().where('event_id', '=', event.id).executeTakeFirstOrThrow();
    const relayed = toEnvelope(row);
    assert.equal(relayed.traceparent, event.traceparent, 'the outbox keeps it');

    const message = toNatsMessage(relayed);
    assert.equal(message.headers.get('ce-traceparent'), event.traceparent, 'NATS header');
    assert.equal(fromNatsMessage(message.headers, message.data).traceparent, event.traceparent, 'read back from NATS');

    let delivered: string | undefined;
    const result = await deliverToFunction(async (request) => {
      delivered = (await readCloudEvent(request)).traceparent;
      return new Response('{}');
    }, relayed);
    assert.equal(result.outcome, 'ack');
    const [, deliveredTrace, deliverySpan] = TRACEPARENT.exec(delivered ?? '') ?? [];
    assert.equal(deliveredTrace, traceId, 'the delivery continues the trace');
    assert.notEqual(deliverySpan, spanId, 'under the delivery span, a child of the emitter');
  } finally {
    await platform.dispose();
  }
});
