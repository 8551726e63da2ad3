// jetstream-bridge (worker, always on): durable JetStream consumers that deliver events over HTTP, acking
// only on 2xx, retrying with backoff, dead-lettering what is refused or never succeeds.
//  - Knative: every event goes to the Broker (K_SINK, injected by a SinkBinding); Triggers fan out by type.
//  - OpenFaaS: each consumer in the catalog gets its events at <gateway>/function/<name> (the CE
//    nats-connector is at-most-once and drops headers, so it cannot be used).
// Every delivery carries the events secret as a CloudEvent attribute, which the Broker passes on to the Triggers.
// Each function's events go out DELIVERY_CONCURRENCY[_<FN>] at a time per replica (Knative then scales the
// function on those requests in flight); a consumer that keeps failing is retried for ~9 hours before its event is
// dead-lettered (shared/events/jetstream.ts). Broker restarts are waited out: the pull loops reopen their consumers.
import type { Hono } from 'hono';
import { CATALOG, OBJECT_CREATED_PREFIX, consumersOf } from '../../shared/events/catalog.ts';
import { deliverToFunction, remoteFunction } from '../../shared/events/deliver.ts';
import { deliveryConcurrency } from '../../shared/config.ts';
import { type RunningConsumer, runBridge, runConsumer } from '../../shared/events/jetstream.ts';
import { connectEvents, natsDependency } from '../../shared/events/nats-connection.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import type { Platform } from '../../shared/platform.ts';

// A transcode may run 30 minutes (its Knative timeout); the HTTP call must outlive it.
const DELIVERY_TIMEOUT_MS = 35 * 60_000;

export async function createApp(platform: Platform): Promise<Hono<AppEnv>> {
  const { config } = platform;
  const { kSink, openfaasGatewayUrl } = config.bridge;
  if (!kSink && !openfaasGatewayUrl) throw new Error('jetstream-bridge needs K_SINK (Knative SinkBinding) or OPENFAAS_GATEWAY_URL');
  const { nc, connected } = await connectEvents(config.natsUrl, config.natsStream, 'jetstream-bridge', { retention: config.retention, logger: platform.logger });
  platform.health.dependency('nats', natsDependency(nc, connected));
  const options = { nc, stream: config.natsStream, logger: platform.logger, health: platform.health, retention: config.retention, ackWaitMs: 60_000 };
  // Bucket notifications reach upload-complete straight from the object store, never through the stream.
  const streamed = Object.keys(CATALOG).filter((type) => !type.startsWith(OBJECT_CREATED_PREFIX));
  let running: RunningConsumer;
  if (kSink) {
    const broker = remoteFunction(kSink, DELIVERY_TIMEOUT_MS);
    // one Broker for every type: a type goes out as many at a time as its busiest consumer takes
    const concurrency = (type: string) => Math.max(1, ...consumersOf(type).map((fn) => deliveryConcurrency(config, fn)));
    running = await runConsumer({ ...options, consumer: 'broker', types: streamed, concurrency, handle: (event) => deliverToFunction(broker, event, platform.eventsSecret) });
  } else {
    const gateway = openfaasGatewayUrl!.replace(/\/$/, '');
    const consumers = [...new Set(streamed.flatMap((type) => consumersOf(type)))];
    running = await runBridge({ ...options, eventsSecret: platform.eventsSecret, concurrency: (fn) => deliveryConcurrency(config, fn), functions: Object.fromEntries(consumers.map((fn) => [fn, remoteFunction(`${gateway}/function/${fn}`, DELIVERY_TIMEOUT_MS)])) });
  }
  const closePlatform = platform.close;
  platform.close = async () => {
    await running.stop();
    await nc.drain().catch(() => nc.close());
    await closePlatform();
  };
  return createFunctionApp(platform, 'jetstream-bridge');
}
