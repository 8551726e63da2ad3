// HTTP face of the filesystem store: what S3 would answer for presigned URLs (PUT, GET/HEAD with Range).
// It is served on the API's origin, so what users uploaded must never run there: no content sniffing, a
// sandboxing CSP on every answer, and anything but plain media is a download rather than a page.
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { type FilesystemObjectStore, InvalidObjectKey } from './filesystem.ts';

export function filesystemStoreRoutes(store: FilesystemObjectStore): Hono {
  const app = new Hono();
  // Browsers upload straight to the store: they must be allowed to read the ETag of each part.
  app.use(cors({ origin: '*', allowMethods: ['GET', 'HEAD', 'PUT'], exposeHeaders: ['ETag', 'Content-Range', 'Accept-Ranges'] }));
  app.use(async (c, next) => {
    await next();
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    // an uploaded HTML or SVG opened from its URL gets no scripts, no subresources and an opaque origin
    c.res.headers.set('Content-Security-Policy', "default-src 'none'; sandbox");
  });

  app.put('/*', async (c) => {
    const check = store.verify('PUT', new URL(c.req.url));
    if (!check.ok) return s3Error(check.status, check.reason);
    if (!c.req.raw.body) return s3Error(400, 'request has no body');
    try {
      const etag = await store.receive(check.fields, Readable.fromWeb(c.req.raw.body as any));
      return new Response(null, { status: 200, headers: { ETag: `"${etag}"` } });
    } catch (error) {
      if (error instanceof InvalidObjectKey) return s3Error(400, error.message);
      throw error;
    }
  });

  app.on(['GET', 'HEAD'], '/*', async (c) => {
    const check = store.verify(c.req.method, new URL(c.req.url));
    if (!check.ok) return s3Error(check.status, check.reason);
    const { bucket, key, download } = check.fields;
    const info = await store.head(bucket, key);
    if (!info) return s3Error(404, 'no such key');
    const headers = new Headers({
      'Accept-Ranges': 'bytes',
      'Content-Type': info.contentType ?? 'application/octet-stream',
      ETag: `"${info.etag}"`,
    });
    if (download) headers.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(download)}`);
    else if (!rendersInline(info.contentType)) headers.set('Content-Disposition', 'attachment');
    const range = parseRange(c.req.header('range'), info.size);
    if (range === 'unsatisfiable') {
      headers.set('Content-Range', `bytes */${info.size}`);
      return new Response(null, { status: 416, headers });
    }
    const { start, end } = range ?? { start: 0, end: info.size - 1 };
    headers.set('Content-Length', String(Math.max(0, end - start + 1)));
    if (range) headers.set('Content-Range', `bytes ${start}-${end}/${info.size}`);
    const status = range ? 206 : 200;
    if (c.req.method === 'HEAD' || info.size === 0) return new Response(null, { status, headers });
    const stream = await store.getStream(bucket, key, { start, end });
    return new Response(Readable.toWeb(stream) as ReadableStream, { status, headers });
  });
  return app;
}

/** Media a browser shows without running anything: images (not SVG), audio, video, captions, HLS playlists. */
const INLINE_TYPES = /^(image\/(jpeg|png|gif|webp|avif)|audio\/[\w.+-]+|video\/[\w.+-]+|text\/vtt|application\/(vnd\.apple\.mpegurl|x-mpegurl))(;|$)/i;

function rendersInline(contentType: string | undefined): boolean {
  return INLINE_TYPES.test(contentType ?? '');
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; multi-range requests get the whole object. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

function s3Error(status: number, reason: string): Response {
  return new Response(`<?xml version="1.0" encoding="UTF-8"?><Error><Message>${reason.replace(/[<&>]/g, '')}</Message></Error>`, {
    status,
    headers: { 'content-type': 'application/xml' },
  });
}
