// HTTP for the channels that speak it (webhook, youtube): a fetch-shaped call over node:http with the channel's own
// keep-alive agents (connections reused across deliveries, bounded, closed when idle) and the SSRF guard
// (shared/net/guard.ts) on every connection: a host written as an IP literal is checked before each request, a name
// when each socket resolves it. Redirects are never followed: a 3xx is the receiver's answer.
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type AddressPolicy, AddressRefused, checkUrlHost, guardedAgents } from '../net/guard.ts';
import { PermanentDeliveryError } from './channel.ts';

export const NETWORK_SETTING = 'DISTRIBUTE_ALLOW_PRIVATE_NETWORKS';

export const refuseAddress = (address: string, host: string) => new AddressRefused(host, address, NETWORK_SETTING);

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | URLSearchParams;
  signal?: AbortSignal;
}

export class ChannelHttp {
  private readonly agents: ReturnType<typeof guardedAgents>;

  constructor(private readonly policy: AddressPolicy, options: { maxSockets: number; idleMs: number }) {
    this.agents = guardedAgents(policy, refuseAddress, options);
  }

  /** The agents (the S3 SDK's request handler takes them). */
  get httpAgent(): http.Agent {
    return this.agents.http;
  }

  get httpsAgent(): https.Agent {
    return this.agents.https;
  }

  /** Checks a URL before connecting: http(s) only, no credentials in it, no refused IP literal. */
  check(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PermanentDeliveryError(`only http and https URLs, not ${url.protocol}`);
    checkUrlHost(url, this.policy, refuseAddress);
  }

  async fetch(address: string, init: HttpInit = {}): Promise<Response> {
    const url = new URL(address);
    this.check(url);
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = { ...init.headers };
    let body: string | Uint8Array | undefined;
    if (init.body instanceof URLSearchParams) {
      body = init.body.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    } else body = init.body;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    else if (method !== 'GET' && method !== 'HEAD') headers['content-length'] = '0';
    const client = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.agents.https : this.agents.http;
    return new Promise<Response>((resolve, reject) => {
      const request = client.request(url, { method, headers, agent, signal: init.signal });
      request.once('response', (response) => {
        const status = response.statusCode ?? 0;
        const empty = [101, 204, 205, 304].includes(status) || method === 'HEAD' || response.headers['content-length'] === '0';
        // an empty body is read at once, so the connection goes back to the agent without the caller reading it
        if (empty) response.resume();
        const answer = new Response(empty ? null : (Readable.toWeb(response) as WebReadableStream as ReadableStream), {
          status: status < 200 || status > 599 ? 599 : status,
          statusText: response.statusMessage,
          headers: Object.entries(response.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value] as [string, string]])),
        });
        resolve(answer);
      });
      request.once('error', reject);
      request.end(body);
    });
  }

  close(): void {
    this.agents.destroy();
  }
}
