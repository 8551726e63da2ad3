// jetstream-bridge (worker, always on): durable JetStream consumers that deliver events over HTTP, acking
// only on 2xx, retrying with backoff, dead-lettering what is refused or never succeeds.
//  - Knative: every event goes to the Broker (K_SINK, injected by a SinkBinding); Triggers fan out by type.
//  - OpenFaaS: each consumer in the catalog gets its events at <gateway>/function/<name> (the CE
//    nats-connector is at-most-once and drops headers, so it cannot be used).
// Every delivery carries the events secret as a CloudEvent attribute, which the Broker passes on to the Triggers.
import type { Hono } from 'hono';
import { CATALOG, OBJECT_CREATED_PREFIX, consumersOf } from '../../shared/events/catalog.ts';
import { deliverToFunction, remoteFunction } from '../../shared/events/deliver.ts';
import { type RunningConsumer, runBridge, runConsumer } from '../../shared/events/jetstream.ts';
import { connectEvents } from '../../shared/events/nats-connection.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import type { Platform } from '../../shared/platform.ts';

// A transcode may run 30 minutes (its Knative timeout); the HTTP call must outlive it.
const DELIVERY_TIMEOUT_MS = 35 * 60_000;

export async function createApp(platform: Platform): Promise<Hono<AppEnv>> {
  const { config } = platform;
  const { kSink, openfaasGatewayUrl } = config.bridge;
  if (!kSink && !openfaasGatewayUrl) throw new Error('jetstream-bridge needs K_SINK (Knative SinkBinding) or OPENFAAS_GATEWAY_URL');
  const { nc } = await connectEvents(config.natsUrl, config.natsStream, 'jetstream-bridge');
  const options = { nc, stream: config.natsStream, logger: platform.logger, ackWaitMs: 60_000, maxDeliver: 8, backoffMs: [1_000, 5_000, 30_000, 120_000, 600_000] };
  // Bucket notifications reach upload-complete straight from the object store, never through the stream.
  const streamed = Object.keys(CATALOG).filter((type) => !type.startsWith(OBJECT_CREATED_PREFIX));
  let running: RunningConsumer;
  if (kSink) {
    const broker = remoteFunction(kSink, DELIVERY_TIMEOUT_MS);
    running = await runConsumer({ ...options, consumer: 'broker', types: streamed, handle: (event) => deliverToFunction(broker, event, platform.eventsSecret) });
  } else {
    const gateway = openfaasGatewayUrl!.replace(/\/$/, '');
    const consumers = [...new Set(streamed.flatMap((type) => consumersOf(type)))];
    running = await runBridge({ ...options, eventsSecret: platform.eventsSecret, functions: Object.fromEntries(consumers.map((fn) => [fn, remoteFunction(`${gateway}/function/${fn}`, DELIVERY_TIMEOUT_MS)])) });
  }
  const closePlatform = platform.close;
  platform.close = async () => {
    await running.stop();
    await nc.drain();
    await closePlatform();
  };
  return createFunctionApp(platform, 'jetstream-bridge');
}
