// RFC 9457 problem details: every error a client sees has a status, a title and a reason.
import type { Context } from 'hono';

export class Problem extends Error {
  /** header fields that go with the answer (Retry-After…) */
  readonly headers: Record<string, string> = {};

  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) => new Problem(400, 'Bad Request', detail, extra);
export const unauthorized = (detail: string) => new Problem(401, 'Unauthorized', detail);
export const forbidden = (detail: string) => new Problem(403, 'Forbidden', detail);
export const notFound = (detail: string) => new Problem(404, 'Not Found', detail);
export const conflict = (detail: string, extra?: Record<string, unknown>) => new Problem(409, 'Conflict', detail, extra);
export const payloadTooLarge = (detail: string) => new Problem(413, 'Payload Too Large', detail);

export function problemResponse(c: Context, problem: Problem): Response {
  const body = {
    type: 'about:blank',
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: c.req.path,
    requestId: c.get('requestId' as never),
    ...problem.extra,
  };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { ...problem.headers, 'content-type': 'application/problem+json' },
  });
}
