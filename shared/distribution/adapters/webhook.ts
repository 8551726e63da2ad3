// webhook (a CMS): POST a JSON description of the asset, signed the Standard Webhooks way
// (https://www.standardwebhooks.com: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256
// of "<id>.<timestamp>.<body>">`). The id is the publication's idempotency key, so a receiver that dedups on it
// never publishes twice. 2xx delivers; the receiver's `{id, url}` (when it answers JSON) is stored. Retract: the
// same signed DELETE on `<url>/<external id>`; 404 and 410 count as gone. Connections are kept alive per channel and
// pass the SSRF guard (../http.ts); a redirect is not followed.
import { createHmac } from 'node:crypto';
import * as v from 'valibot';
import { ChannelHttp } from '../http.ts';
import { type Channel, type ChannelOptions, type Delivery, type DeliveredRef, PermanentDeliveryError, type RetractRequest } from '../channel.ts';

export const WebhookTarget = v.object({ url: v.pipe(v.string(), v.url('not a URL'), v.regex(/^https?:\/\//, 'an http(s) URL')) });
export const WebhookCredentials = v.object({
  // whsec_<base64>, as Standard Webhooks libraries make them; the key is the decoded bytes
  secret: v.pipe(v.string(), v.regex(/^(whsec_)?[A-Za-z0-9+/]{16,}={0,2}$/, 'a Standard Webhooks secret: whsec_ followed by base64 (24+ random bytes)')),
});

export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export class WebhookChannel implements Channel {
  private readonly http: ChannelHttp;

  constructor(
    private readonly target: v.InferOutput<typeof WebhookTarget>,
    private readonly credentials: v.InferOutput<typeof WebhookCredentials>,
    options: ChannelOptions,
  ) {
    this.http = new ChannelHttp(options.network, { maxSockets: options.maxConnections, idleMs: options.idleMs });
  }

  async close(): Promise<void> {
    this.http.close();
  }

  async deliver(delivery: Delivery): Promise<DeliveredRef> {
    const files = await Promise.all(delivery.files.map(async (file) => ({ name: file.name, filename: file.filename, contentType: file.contentType, size: file.size, url: await file.url() })));
    const body = JSON.stringify({ type: 'asset.published', asset: delivery.asset, files });
    const response = await this.send('POST', this.target.url, delivery.idempotencyKey, body, delivery.signal);
    const answer = await response.json().catch(() => ({})) as { id?: unknown; url?: unknown };
    const externalId = typeof answer.id === 'string' || typeof answer.id === 'number' ? String(answer.id) : delivery.idempotencyKey;
    return { externalId, externalUrl: typeof answer.url === 'string' ? answer.url : undefined, ref: {} };
  }

  async retract(request: RetractRequest): Promise<void> {
    const url = `${this.target.url.replace(/\/$/, '')}/${encodeURIComponent(request.externalId)}`;
    const body = JSON.stringify({ type: 'asset.retracted', externalId: request.externalId, idempotencyKey: request.idempotencyKey });
    const response = await this.send('DELETE', url, `${request.idempotencyKey}.retract`, body, request.signal, [404, 410]);
    await response.body?.cancel();
  }

  private async send(method: string, url: string, id: string, body: string, signal: AbortSignal, alsoFine: number[] = []): Promise<Response> {
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await this.http.fetch(url, {
      method,
      body,
      signal,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(this.credentials.secret, id, timestamp, body) },
    });
    if (response.ok || alsoFine.includes(response.status)) return response;
    const text = (await response.text().catch(() => '')).slice(0, 200);
    const reason = `${method} ${new URL(url).origin}: HTTP ${response.status}${text ? ` ${text}` : ''}`;
    // 408, 425, 429 and 5xx may pass; any other answer will be the same next time
    if (response.status >= 500 || [408, 425, 429].includes(response.status)) throw new Error(reason);
    throw new PermanentDeliveryError(reason);
  }
}
