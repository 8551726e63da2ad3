// CloudEvents over HTTP for event-triggered functions: `POST /` in binary or structured mode.
// 2xx = done (ack). 5xx = retry. A permanent error (bad input) is answered 2xx by the handler after it
// marked the asset failed, or 422 when the event itself is unusable (the sender dead-letters it).
import type { Hono } from 'hono';
import { type EventHandlers, handleEvent, readCloudEvent } from '../events/handle.ts';
import type { Platform } from '../platform.ts';
import type { AppEnv } from './app.ts';

export function acceptEvents(app: Hono<AppEnv>, platform: Platform, consumer: string, handlers: EventHandlers): void {
  app.post('/', async (c) => {
    const event = await readCloudEvent(c.req.raw);
    return c.json(await handleEvent(platform, consumer, handlers, event), 200);
  });
}
