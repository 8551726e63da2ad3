// Fetching from hosts we do not control: only http/https, an SSRF guard on every connection (the address the
// name resolves to is checked when the socket connects, so a redirect or a DNS answer cannot steer a request to
// a private network; the guard itself is shared/net/guard.ts), redirects followed by hand and counted, and a timeout on a silent server.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkUrlHost, guardedLookup as sharedGuardedLookup } from '../net/guard.ts';

/** Why a fetch failed, and whether trying again can help. */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly status?: number,
    /** what the server asked for (Retry-After), in ms */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface NetPolicy {
  userAgent: string;
  allowPrivateNetworks: boolean;
  /** CIDR ranges reachable even with the guard on (an operator's internal archive server) */
  allowedRanges?: string[];
  requestTimeoutMs: number;
  maxRedirects: number;
}

export function refusalFor(address: string, host: string): FetchError {
  return new FetchError(`refused: ${host} resolves to ${address}, a private or reserved address (IMPORT_ALLOW_PRIVATE_NETWORKS is off)`, true);
}

/** A dns.lookup that refuses non-public addresses; used as the `lookup` of every socket the importer opens. */
export function guardedLookup(policy: Pick<NetPolicy, 'allowPrivateNetworks' | 'allowedRanges'>): LookupFunction {
  return sharedGuardedLookup(policy, refusalFor);
}

/** Checks what can be checked before connecting: the scheme, and a host written as an IP literal (no lookup happens). */
export function checkUrl(url: URL, policy: Pick<NetPolicy, 'allowPrivateNetworks' | 'allowedRanges'>): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchError(`only http and https URLs are fetched, not ${url.protocol}`, true);
  if (url.username || url.password) throw new FetchError('URLs with credentials are not fetched', true);
  checkUrlHost(url, policy, refusalFor);
}

export interface GetResult {
  response: IncomingMessage;
  /** the URL after redirects */
  url: URL;
}

/**
 * GET with redirects followed (each hop checked again) up to the policy's limit. Answers the 2xx response
 * (the caller reads or destroys it); any other final status is a FetchError, permanent or not.
 */
export async function guardedGet(start: URL, policy: NetPolicy, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<GetResult> {
  let url = start;
  for (let hop = 0; ; hop++) {
    checkUrl(url, policy);
    const response = await request(url, policy, signal, headers);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= policy.maxRedirects) throw new FetchError(`too many redirects (more than ${policy.maxRedirects})`, true, status);
      url = new URL(response.headers.location, url);
      continue;
    }
    if (status >= 200 && status < 300) return { response, url };
    response.resume();
    throw statusError(status, response.headers['retry-after']);
  }
}

function request(url: URL, policy: NetPolicy, signal: AbortSignal | undefined, headers: Record<string, string>): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, {
      headers: { 'user-agent': policy.userAgent, accept: '*/*', ...headers },
      lookup: guardedLookup(policy),
      timeout: policy.requestTimeoutMs,
      signal,
    });
    req.once('response', (response) => {
      // The same idle limit while the body streams: a server that stops sending mid-file is given up too.
      const socket = response.socket;
      const onIdle = () => response.destroy(new FetchError(`no data for ${policy.requestTimeoutMs} ms while reading ${url.host}`, false));
      socket.setTimeout(policy.requestTimeoutMs, onIdle);
      // keep-alive sockets are reused: take the listener off again
      response.once('close', () => { socket.removeListener('timeout', onIdle); socket.setTimeout(0); });
      resolve(response);
    });
    req.once('timeout', () => req.destroy(new FetchError(`no answer from ${url.host} within ${policy.requestTimeoutMs} ms`, false)));
    req.once('error', (error) => reject(error instanceof FetchError ? error : networkError(error, url)));
  });
}

function networkError(error: Error, url: URL): FetchError {
  const code = (error as NodeJS.ErrnoException).code;
  if (error.name === 'AbortError') return new FetchError('aborted', false);
  if (code === 'ENOTFOUND') return new FetchError(`${url.hostname} does not resolve`, true);
  return new FetchError(`network error reaching ${url.host}: ${code ?? error.message}`, false);
}

/** 404, 410 and other 4xx are final; 429, 5xx and 408 are worth another try, after Retry-After when given. */
export function statusError(status: number, retryAfter?: string | string[]): FetchError {
  const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  if (status === 429 || status === 408 || status >= 500) return new FetchError(`HTTP ${status}`, false, status, retryAfterMs);
  return new FetchError(`HTTP ${status}${status === 404 ? ' (not found)' : status === 410 ? ' (gone)' : ''}`, true, status);
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Reads a small text document (robots.txt, a feed, a sitemap), refusing one above `maxBytes`. */
export async function readText(response: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      response.destroy();
      throw new FetchError(`document larger than ${maxBytes} bytes`, true);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
