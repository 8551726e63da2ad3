// outbox-relay (worker, always on): publishes committed outbox rows, in order, to NATS JetStream with
// msgID = event id, so a re-send after a crash is dropped by the stream's duplicate window.
import type { Hono } from 'hono';
import { connectEvents } from '../../shared/events/nats-connection.ts';
import { OutboxRelay, jetStreamSink } from '../../shared/events/relay.ts';
import { type AppEnv, createFunctionApp } from '../../shared/http/app.ts';
import type { Platform } from '../../shared/platform.ts';

export async function createApp(platform: Platform): Promise<Hono<AppEnv>> {
  const { config } = platform;
  const { nc, jsm } = await connectEvents(config.natsUrl, config.natsStream, 'outbox-relay');
  // Other processes commit the rows, so nobody calls wake() here: poll often (an index-only query).
  const relay = new OutboxRelay(platform.db, jetStreamSink(jsm.jetstream(), config.natsStream), { logger: platform.logger, pollIntervalMs: 200 }).start();
  const closePlatform = platform.close;
  platform.close = async () => {
    await relay.stop();
    await nc.drain();
    await closePlatform();
  };
  return createFunctionApp(platform, 'outbox-relay');
}
