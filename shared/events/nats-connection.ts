// One NATS connection per worker, with the event stream ensured before anything publishes or consumes.
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { ensureStream } from './jetstream.ts';

export async function connectEvents(natsUrl: string | undefined, stream: string, name: string): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  if (!natsUrl) throw new Error(`${name} needs NATS_URL: it moves events through NATS JetStream`);
  const nc = await connect({ servers: natsUrl, name });
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, stream);
  return { nc, jsm };
}
