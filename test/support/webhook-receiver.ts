// A CMS on loopback for distribution tests: takes signed webhooks, verifies them with the independent
// `standardwebhooks` package, dedups on webhook-id as a receiver should, and can be told to fail or hang.
import { type Server, createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  method: string;
  path: string;
  id: string;
  body: any;
  /** the signature checked out with standardwebhooks */
  verified: boolean;
}

export interface WebhookReceiver {
  url: string;
  secret: string;
  received: ReceivedWebhook[];
  /** published items by webhook-id (a repeated id does not publish twice) */
  published: Map<string, any>;
  /** what the next requests get: ok, an HTTP status, or no answer at all */
  mode: 'ok' | number | 'hang';
  /** when set, requests are answered (as `mode` says) only once it settles: a delivery caught in flight */
  holdUntil?: Promise<unknown>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret = `whsec_${Buffer.from('mediateca-test-webhook-secret-0123').toString('base64')}`): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const receiver: WebhookReceiver = { url: '', secret, received: [], published: new Map(), mode: 'ok', close: async () => {} };
  const hanging = new Set<() => void>();
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    let verified = false;
    try {
      verifier.verify(text, headers);
      verified = true;
    } catch {
      verified = false;
    }
    const id = headers['webhook-id'] ?? '';
    receiver.received.push({ method: request.method ?? '', path: request.url ?? '', id, body: text ? JSON.parse(text) : undefined, verified });
    if (receiver.holdUntil) await receiver.holdUntil;
    if (receiver.mode === 'hang') {
      hanging.add(() => response.destroy());
      return;
    }
    if (typeof receiver.mode === 'number') {
      response.writeHead(receiver.mode, { 'content-type': 'text/plain' }).end('receiver says no');
      return;
    }
    if (!verified) {
      response.writeHead(401).end('bad signature');
      return;
    }
    if (request.method === 'DELETE') {
      const externalId = decodeURIComponent((request.url ?? '').split('/').pop() ?? '');
      for (const [key, item] of receiver.published) if (item.id === externalId) receiver.published.delete(key);
      response.writeHead(204).end();
      return;
    }
    const existing = receiver.published.get(id);
    const item = existing ?? { id: `cms-${receiver.published.size + 1}`, body: JSON.parse(text) };
    receiver.published.set(id, item);
    response.writeHead(existing ? 200 : 201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: item.id, url: `https://cms.example/items/${item.id}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`;
  receiver.close = async () => {
    for (const destroy of hanging) destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return receiver;
}
