// One upload is one trace across JetStream, on the servers: Ceph RGW pushes the bucket notification to
// upload-complete, whose events go through the outbox relay to NATS JetStream, where the bridge's durable
// consumers deliver them to transcode, enrich and index. The host exports OTLP/HTTP to a receiver in this test,
// and the spans must form one tree: notification → publish (relay) → deliver (bridge) → handler → publish → …,
// with the object-store requests, the database queries and each rendition as spans under the hop that made them.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Host, startHost } from '../../scripts/host.ts';
import { loadConfig } from '../../shared/config.ts';
import { deleteStream } from '../../shared/events/jetstream.ts';
import { removeRgwNotifications, uploadNotificationTopic } from '../../shared/storage/rgw-notifications.ts';
import type { S3ObjectStore } from '../../shared/storage/s3.ts';
import { Client } from '../support/client.ts';
import { makeJpegWithExif } from '../support/images.ts';
import { NATS_URL, POSTGRES_URL, S3, createTestDatabase, emptyAndDeleteBuckets, requireServer } from '../support/servers.ts';

interface Span { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: { key: string; value: { stringValue?: string } }[] }

const available = (await requireServer('PostgreSQL', POSTGRES_URL)) && (await requireServer('NATS', NATS_URL)) && (await requireServer('Ceph RGW', S3.endpoint));

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

test('the spans of one upload form one trace across JetStream, hop by hop', { skip: !available && 'servers not reachable' }, async () => {
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

  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const stream = `TRACE_${run.toUpperCase()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-tracing-js-'));
  const database = await createTestDatabase();
  let host: Host | undefined;
  let store: S3ObjectStore | undefined;
  try {
    host = await startHost(loadConfig({
      MEDIATECA_DATA: dataDir, ENRICH_PARTS: 'speech', PORT: '0', DATABASE_URL: database.url, NATS_URL, NATS_STREAM: stream,
      S3_ENDPOINT: S3.endpoint, S3_ACCESS_KEY: S3.accessKeyId, S3_SECRET_KEY: S3.secretAccessKey,
      BUCKET_INCOMING: `mt-${run}-incoming`, BUCKET_MASTERS: `mt-${run}-masters`, BUCKET_RENDITIONS: `mt-${run}-renditions`, BUCKET_ANALYTICS: `mt-${run}-analytics`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'mediateca-test',
    }), 0);
    store = host.platform.store as S3ObjectStore;
    const editor = new Client(host.url, await host.platform.signer!.mint('editor-1', { newsroom: 'editor' }));
    const { assetId } = await editor.upload(await makeJpegWithExif(), 'harbour.jpg', 'image/jpeg');
    const asset = await editor.waitForAsset(assetId, (a) => a.state === 'ready' || a.state === 'failed', 90_000);
    assert.equal(asset.state, 'ready', asset.stateReason);
    // index handles asset.enriched last
    const deadline = Date.now() + 90_000;
    for (;;) {
      const enriched = await host.platform.db.selectFrom('outbox').innerJoin('processed_events', 'processed_events.event_id', 'outbox.event_id')
        .select('outbox.event_id').where('outbox.type', '=', 'io.mediateca.asset.enriched').where('outbox.subject', '=', assetId).where('processed_events.consumer', '=', 'index').executeTakeFirst();
      if (enriched) break;
      assert.ok(Date.now() < deadline, 'index handled asset.enriched');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    if (store) await removeRgwNotifications(S3, { bucket: store.buckets.incoming, topicName: uploadNotificationTopic(store.buckets.incoming) }).catch(() => {});
    await host?.stop(); // shuts the tracer provider down, which exports what is left
    if (store) await emptyAndDeleteBuckets(store).catch(() => {});
    const nc = await connect({ servers: NATS_URL });
    await deleteStream(await jetstreamManager(nc), stream).catch(() => {});
    await nc.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await new Promise((resolve) => receiver.close(resolve));
  }

  const root = spans.find((s) => s.name.startsWith('upload-complete com.amazonaws.s3.ObjectCreated:'));
  assert.ok(root, `the bucket notification's span was exported (got ${[...new Set(spans.map((s) => s.name))].join(', ')})`);
  assert.ok(!root.parentSpanId, 'the trace starts at the bucket notification');
  const inTrace = spans.filter((s) => s.traceId === root.traceId);
  const byId = new Map(inTrace.map((s) => [s.spanId, s]));
  const parentOf = (span: Span) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
  const childrenOf = (span: Span) => inTrace.filter((s) => s.parentSpanId === span.spanId);
  const descendantsOf = (span: Span): Span[] => childrenOf(span).flatMap((child) => [child, ...descendantsOf(child)]);
  for (const span of inTrace) if (span !== root) assert.ok(parentOf(span), `${span.name}'s parent is in the trace`);

  /** `consumer`'s handling of `type`: under the bridge's delivery, under the relay's publish to JetStream, under `emitter` */
  const handledUnder = (consumer: string, type: string, emitter: Span) => {
    const handled = inTrace.filter((s) => s.name === `${consumer} ${type}`);
    assert.equal(handled.length, 1, `${consumer} handled ${type} once in the trace`);
    const delivery = parentOf(handled[0]!);
    assert.equal(delivery?.name, `deliver ${type}`, `${consumer}'s span is under the delivery of ${type}`);
    const publish = parentOf(delivery!);
    assert.equal(publish?.name, `publish ${type}`, `the delivery of ${type} is under its publish to JetStream`);
    assert.equal(publish!.kind, 4, 'publish is a producer span'); // OTLP SPAN_KIND_PRODUCER
    assert.equal(parentOf(publish!)?.spanId, emitter.spanId, `the publish of ${type} is under ${emitter.name}`);
    return handled[0]!;
  };
  const transcode = handledUnder('transcode', 'io.mediateca.asset.uploaded', root);
  handledUnder('index', 'io.mediateca.asset.rendered', transcode);
  const enrich = handledUnder('enrich', 'io.mediateca.asset.rendered', transcode);
  handledUnder('index', 'io.mediateca.asset.enriched', enrich);
  // one publish per consumer group's event: asset.uploaded was published once, for every consumer
  assert.equal(inTrace.filter((s) => s.name === 'publish io.mediateca.asset.uploaded').length, 1);

  // finer spans: verify reads the object and writes rows; each rendition is a span with its upload under it
  assert.ok(childrenOf(root).some((s) => s.name.startsWith('s3 ')), `verify's object-store requests are under the notification (${childrenOf(root).map((s) => s.name).join(', ')})`);
  assert.ok(childrenOf(root).some((s) => s.name === 'db INSERT' || s.name === 'db UPDATE'), 'verify writes the asset row under the notification');
  const renditions = childrenOf(transcode).filter((s) => s.name.startsWith('rendition '));
  assert.deepEqual(renditions.map((s) => s.name).sort(), ['rendition preview', 'rendition preview-webp', 'rendition thumbnail']);
  for (const rendition of renditions) assert.ok(descendantsOf(rendition).some((s) => s.name === 's3 PutObject'), `${rendition.name} stored its file under its span`);
  assert.ok(childrenOf(transcode).some((s) => s.name.startsWith('db ')), 'transcode queries the database under its span');
});
