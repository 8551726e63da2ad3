// The platform's HTTP API as the CLI uses it: bearer token, JSON in and out, problem+json errors as ApiError.
// Requests the server did not act on (429, 502–504, a connection that failed) are tried again after a pause;
// other POSTs are not, so a lost answer never starts an upload twice.
import { setTimeout as sleep } from 'node:timers/promises';

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly problem: Record<string, unknown> = {}) {
    super(message);
  }
}

const RETRIES = 4;
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export class Api {
  readonly server: string;

  constructor(server: string, private readonly token: string) {
    this.server = server.replace(/\/+$/, '');
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const idempotent = method !== 'POST' && method !== 'PATCH';
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${this.server}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        if (idempotent && attempt < RETRIES) { await sleep(backoff(attempt)); continue; }
        throw new ApiError(0, `cannot reach ${this.server}: ${(error as Error).cause ?? (error as Error).message}`);
      }
      if (RETRYABLE_STATUS.has(response.status) && attempt < RETRIES && (idempotent || response.status === 429)) {
        await response.body?.cancel();
        await sleep(retryAfter(response) ?? backoff(attempt));
        continue;
      }
      const text = await response.text();
      let parsed: any = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON (a CSV report): keep the text
      }
      if (!response.ok) {
        const problem = typeof parsed === 'object' && parsed ? parsed : {};
        throw new ApiError(response.status, `${method} ${path} → ${response.status}: ${problem.detail ?? problem.title ?? String(text).slice(0, 200)}`, problem);
      }
      return { status: response.status, body: parsed as T, headers: response.headers };
    }
  }

  get<T = any>(path: string): Promise<T> {
    return this.request<T>('GET', path).then((r) => r.body);
  }
}

export function backoff(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

function retryAfter(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(60_000, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(60_000, at - Date.now()));
}
