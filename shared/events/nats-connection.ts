// One NATS connection per worker, with the event stream ensured before anything publishes or consumes.
// The connection never gives up: a broker outage of any length ends with the client connected again
// (the library's default stops after 10 attempts, ~20 s, and closes for good).
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type ConnectionOptions, type NatsConnection, connect } from '@nats-io/transport-node';
import type { Logger } from '../observability/logger.ts';
import { type StreamRetention, ensureStream } from './jetstream.ts';

/** Reconnect forever: 0.5 s, doubling to 5 s between attempts, plus up to 1 s of jitter so replicas do not stampede. */
export function natsConnectionOptions(servers: string, name: string): { options: ConnectionOptions; resetBackoff(): void } {
  let attempt = 0;
  return {
    options: {
      servers,
      name,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      reconnectDelayHandler: () => Math.min(500 * 2 ** attempt++, 5_000) + Math.random() * 1_000,
      // a half-open TCP connection is noticed within ~30 s rather than the default 4 minutes
      pingInterval: 10_000,
      maxPingOut: 3,
    },
    resetBackoff: () => { attempt = 0; },
  };
}

/** A connection that reconnects forever, with its connected state followed (see watchConnection). */
export async function connectNats(servers: string, name: string, logger?: Logger): Promise<{ nc: NatsConnection; connected(): boolean }> {
  const { options, resetBackoff } = natsConnectionOptions(servers, name);
  const nc = await connect(options);
  return { nc, connected: watchConnection(nc, resetBackoff, logger) };
}

export interface EventsConnection {
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** false while the client is reconnecting: publishers fail fast instead of filling the client's buffer */
  connected(): boolean;
}

export async function connectEvents(natsUrl: string | undefined, stream: string, name: string, options: { retention?: StreamRetention; logger?: Logger } = {}): Promise<EventsConnection> {
  if (!natsUrl) throw new Error(`${name} needs NATS_URL: it moves events through NATS JetStream`);
  const { nc, connected } = await connectNats(natsUrl, name, options.logger);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, stream, options.retention);
  return { nc, jsm, connected };
}

/** Follows the connection's status (logging disconnects and reconnects); returns whether it is connected now. */
function watchConnection(nc: NatsConnection, resetBackoff: () => void, logger?: Logger): () => boolean {
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        logger?.warn({ server: status.server }, 'NATS disconnected; reconnecting');
      } else if (status.type === 'reconnect') {
        connected = true;
        resetBackoff();
        logger?.info({ server: status.server }, 'NATS reconnected');
      }
    }
  })();
  return () => connected && !nc.isClosed();
}

/** The readiness check of a NATS connection: connected, and the server answers a round trip. */
export function natsDependency(nc: NatsConnection, connected: () => boolean): () => Promise<void> {
  return async () => {
    if (!connected()) throw new Error('NATS is disconnected (reconnecting)');
    await nc.flush();
  };
}
