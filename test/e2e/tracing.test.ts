// One upload is one trace: the embedded platform exports OTLP/HTTP to a receiver in this test, and the spans
// of the upload — the bucket notification's verification, each delivery, transcode, index, enrich — form one
// tree with the right parents, the trace context carried inside the CloudEvents through the outbox.
import assert from 'node:assert/strict';
import { type IncomingMessage, createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';

interface Span { traceId: string; spanId: string; parentSpanId?: string; name: string }

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

test('the spans of one upload form one trace across every function, parent by parent', async () => {
  const spans: Span[] = [];
  const receiver = createServer(async (request, response) => {
    const text = await body(request);
    if (request.url === '/v1/traces' && (request.headers['content-type'] ?? '').includes('json')) {
      for (const resource of JSON.parse(text).resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans);
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as { port: number }).port;

  const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-tracing-'));
  let host: Host | undefined;
  try {
    host = await startHost(loadConfig({ MEDIATECA_DATA: dataDir, DATABASE_URL: 'memory://', PUBLIC_URL: 'http://127.0.0.1:0', ENRICH_PARTS: 'speech', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'mediateca-test' }), 0);
    const editor = new Client(host.url, await host.platform.signer!.mint('editor-1', { newsroom: 'editor' }));
    const { assetId } = await editor.upload(await makeJpegWithExif(), 'harbour.jpg', 'image/jpeg');
    const asset = await editor.waitForAsset(assetId, (a) => a.state === 'ready' || a.state === 'failed');
    assert.equal(asset.state, 'ready', asset.stateReason);
    // enrich runs after the renditions (speech only: an image has no sound, so it is skipped at once), and index
    // after it: wait until index has handled asset.enriched
    const deadline = Date.now() + 60_000;
    for (;;) {
      const enriched = await host.platform.db.selectFrom('outbox').innerJoin('processed_events', 'processed_events.event_id', 'outbox.event_id')
        .select('outbox.event_id').where('outbox.type', '=', 'io.mediateca.asset.enriched').where('outbox.subject', '=', assetId).where('processed_events.consumer', '=', 'index').executeTakeFirst();
      if (enriched) break;
      assert.ok(Date.now() < deadline, 'index handled asset.enriched');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // an edit: its trace starts at the HTTP request
    const edited = await editor.request('PATCH', `/assets/${assetId}`, { title: 'harbour at dusk' });
    assert.equal(edited.status, 200);
    const editDeadline = Date.now() + 60_000;
    for (;;) {
      const updated = await host.platform.db.selectFrom('outbox').innerJoin('processed_events', 'processed_events.event_id', 'outbox.event_id')
        .select('outbox.event_id').where('outbox.type', '=', 'io.mediateca.asset.updated').where('outbox.subject', '=', assetId).where('processed_events.consumer', '=', 'index').executeTakeFirst();
      if (updated) break;
      assert.ok(Date.now() < editDeadline, 'index handled asset.updated');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await host?.stop(); // shuts the tracer provider down, which exports what is left
    rmSync(dataDir, { recursive: true, force: true });
    await new Promise((resolve) => receiver.close(resolve));
  }

  const root = spans.find((s) => s.name.startsWith('upload-complete com.amazonaws.s3.ObjectCreated:'));
  assert.ok(root, `the bucket notification's span was exported (got ${spans.map((s) => s.name).join(', ')})`);
  assert.ok(!root.parentSpanId, 'the trace starts at the bucket notification');
  const trace = spans.filter((s) => s.traceId === root.traceId);
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const parentOf = (span: Span) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
  /** the handling span of `consumer` for `type`, its parent the delivery of that type, whose parent is `emitter` */
  const handledUnder = (consumer: string, type: string, emitter: Span) => {
    const handled = trace.filter((s) => s.name === `${consumer} ${type}`);
    assert.equal(handled.length, 1, `${consumer} handled ${type} once in the trace`);
    const delivery = parentOf(handled[0]!);
    assert.equal(delivery?.name, `deliver ${type}`, `${consumer}'s span is under the delivery of ${type}`);
    assert.equal(parentOf(delivery!)?.spanId, emitter.spanId, `the delivery of ${type} is under ${emitter.name}`);
    return handled[0]!;
  };
  const transcode = handledUnder('transcode', 'io.mediateca.asset.uploaded', root);
  handledUnder('index', 'io.mediateca.asset.rendered', transcode);
  const enrich = handledUnder('enrich', 'io.mediateca.asset.rendered', transcode);
  handledUnder('index', 'io.mediateca.asset.enriched', enrich);

  const request = spans.find((s) => s.name === 'PATCH /assets/:id');
  assert.ok(request, 'the edit request is a span');
  assert.ok(!request.parentSpanId, 'its trace starts at the request');
  const editTrace = spans.filter((s) => s.traceId === request.traceId);
  const indexed = editTrace.find((s) => s.name === 'index io.mediateca.asset.updated');
  const delivery = editTrace.find((s) => s.spanId === indexed?.parentSpanId);
  assert.equal(delivery?.name, 'deliver io.mediateca.asset.updated', 'index handled the edit under its delivery');
  assert.equal(delivery!.parentSpanId, request.spanId, 'the delivery is under the request');
});
