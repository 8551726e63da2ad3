// outbox-relay (worker, always on): publishes committed outbox rows, in order, to NATS JetStream with
// msgID = event id, so a re-send after a crash is dropped by the stream's duplicate window. Database and broker
// outages are waited out (the relay backs off, the NATS client reconnects forever); /_/health fails if no pass
// succeeded for LOOP_STALL_SECONDS, so a relay that cannot recover by itself is restarted.
import type { Hono } from 'hono';
import { connectEvents, natsDependency } from '../../shared/events/nats-connection.ts';
import { OutboxRelay, jetStreamSink } from '../../shared/events/relay.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import type { Platform } from '../../shared/platform.ts';

export async function createApp(platform: Platform): Promise<Hono<AppEnv>> {
  const { config } = platform;
  const { nc, jsm, connected } = await connectEvents(config.natsUrl, config.natsStream, 'outbox-relay', { retention: config.retention, logger: platform.logger });
  platform.health.dependency('nats', natsDependency(nc, connected));
  // Other processes commit the rows, so nobody calls wake() here: poll often (an index-only query).
  const relay = new OutboxRelay(platform.db, jetStreamSink(jsm.jetstream(), config.natsStream, { connected }), { logger: platform.logger, pollIntervalMs: 200, health: platform.health }).start();
  const closePlatform = platform.close;
  platform.close = async () => {
    await relay.stop();
    await nc.drain().catch(() => nc.close());
    await closePlatform();
  };
  return createFunctionApp(platform, 'outbox-relay');
}
