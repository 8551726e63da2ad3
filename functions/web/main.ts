// Entry point when the workspace runs alone (a container, `node dist/web/index.mjs`). Its live feed follows the
// event stream's subjects with a plain NATS subscription: what the relay publishes to JetStream reaches ordinary
// subscribers too, so the feed needs no durable consumer and loses nothing a reader needs (it re-reads the API).
import { LiveChanges } from '../../shared/events/live.ts';
import { streamSubjects } from '../../shared/events/jetstream.ts';
import { fromNatsMessage } from '../../shared/events/nats-binding.ts';
import { connectNats } from '../../shared/events/nats-connection.ts';
import { runFunction } from '../../shared/http/serve.ts';
import { createApp } from './index.ts';

await runFunction('web', async (platform) => {
  const { natsUrl, natsStream } = platform.config;
  // without NATS this process is alone and nothing else emits events: the feed answers 503
  if (!natsUrl) return createApp(platform);
  const live = new LiveChanges();
  const { nc } = await connectNats(natsUrl, 'web', platform.logger);
  const subscription = nc.subscribe(streamSubjects(natsStream));
  void (async () => {
    for await (const message of subscription) {
      try {
        live.publish(fromNatsMessage(message.headers, message.data));
      } catch (error) {
        platform.logger.warn({ err: error, subject: message.subject }, 'live feed: a message that is not an event was skipped');
      }
    }
  })();
  return createApp(platform, { live });
});
