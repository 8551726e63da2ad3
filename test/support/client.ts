// A client driving the platform over HTTP, as a browser or the CLI would.
import { createHash } from 'node:crypto';

export class Client {
  constructor(readonly baseUrl: string, readonly token: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  /** POST /uploads, then the bytes straight to the presigned URL(s). Returns the asset id. */
  async upload(bytes: Buffer, filename: string, contentType: string, extra: Record<string, unknown> = {}): Promise<{ assetId: string; plan: any }> {
    const sha256 = extra.sha256 === false ? undefined : (extra.sha256 as string | undefined) ?? createHash('sha256').update(bytes).digest('hex');
    const { sha256: _ignored, ...rest } = extra;
    const started = await this.request('POST', '/uploads', { projectId: 'newsroom', filename, size: bytes.length, contentType, ...(sha256 ? { sha256 } : {}), ...rest });
    if (started.status !== 201) throw new Error(`POST /uploads → ${started.status}: ${JSON.stringify(started.body)}`);
    const plan = started.body;
    if (plan.method === 'PUT') {
      const put = await fetch(plan.url, { method: 'PUT', headers: plan.headers, body: new Uint8Array(bytes) });
      if (!put.ok) throw new Error(`PUT → ${put.status}: ${await put.text()}`);
    } else {
      const parts = [];
      for (const part of plan.multipart.parts) {
        const start = (part.partNumber - 1) * plan.multipart.partSize;
        const put = await fetch(part.url, { method: 'PUT', body: new Uint8Array(bytes.subarray(start, start + plan.multipart.partSize)) });
        if (!put.ok) throw new Error(`part ${part.partNumber} → ${put.status}`);
        parts.push({ partNumber: part.partNumber, etag: put.headers.get('etag')! });
      }
      const done = await this.request('POST', `/uploads/${plan.uploadId}/complete`, { parts });
      if (done.status !== 202) throw new Error(`complete → ${done.status}: ${JSON.stringify(done.body)}`);
    }
    return { assetId: plan.assetId, plan };
  }

  async waitForAsset(assetId: string, until: (asset: any) => boolean, timeoutMs = 90_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    while (Date.now() < deadline) {
      last = (await this.request('GET', `/assets/${assetId}`)).body;
      if (until(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`asset ${assetId} did not reach the expected state; last seen: ${JSON.stringify(last)?.slice(0, 500)}`);
  }

  async waitForSearch(query: string, until: (result: any) => boolean, timeoutMs = 30_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    while (Date.now() < deadline) {
      last = (await this.request('GET', `/search?${query}`)).body;
      if (until(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`search ${query} never matched; last: ${JSON.stringify(last)?.slice(0, 500)}`);
  }
}
