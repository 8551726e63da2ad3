// CloudEvents over HTTP for event-triggered functions: `POST /` in binary or structured mode.
// 2xx = done (ack). 5xx = retry. A permanent error (bad input) is answered 2xx by the handler after it
// marked the asset failed, or 422 when the event itself is unusable (the sender dead-letters it).
// Only the platform's own deliveries are accepted: they carry the events secret (shared/events/secret.ts).
import type { Hono, MiddlewareHandler } from 'hono';
import { type EventHandlers, handleEvent, readCloudEvent } from '../events/handle.ts';
import { EVENTS_SECRET_HEADER, carriesEventsSecret } from '../events/secret.ts';
import type { Platform } from '../platform.ts';
import type { AppEnv } from './app.ts';
import { Problem } from './problem.ts';

export function acceptEvents(app: Hono<AppEnv>, platform: Platform, consumer: string, handlers: EventHandlers): void {
  app.post('/', requirePlatformEvent(platform), async (c) => {
    const event = await readCloudEvent(c.req.raw);
    return c.json(await handleEvent(platform, consumer, handlers, event), 200);
  });
}

/** Refuses, before reading the body, a delivery that does not carry the events secret. */
export function requirePlatformEvent(platform: Platform): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!carriesEventsSecret(c.req.raw, platform.eventsSecret)) {
      throw new Problem(401, 'Unauthorized', `event endpoints accept only the platform's own deliveries: the events secret (${EVENTS_SECRET_HEADER} header or secret query parameter) is missing or wrong`);
    }
    await next();
  };
}
