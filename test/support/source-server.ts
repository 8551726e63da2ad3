// A real HTTP server on loopback playing a remote source host (files, robots.txt, feeds, misbehaving hosts),
// recording every request so tests can count fetches.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';

export type Route = (request: IncomingMessage, response: ServerResponse, hits: number) => void | Promise<void>;

export interface SourceServer {
  url: string;
  /** path → requests so far */
  hits: Map<string, number>;
  /** every request in order: path and user agent */
  log: { path: string; userAgent: string }[];
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

export async function startSourceServer(routes: Record<string, Route> = {}): Promise<SourceServer> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const log: { path: string; userAgent: string }[] = [];
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const count = (hits.get(path) ?? 0) + 1;
    hits.set(path, count);
    log.push({ path, userAgent: String(request.headers['user-agent'] ?? '') });
    const handler = table.get(path) ?? (path === '/robots.txt' ? text('User-agent: *\nAllow: /\n') : undefined);
    if (!handler) {
      response.writeHead(404).end('not found');
      return;
    }
    await handler(request, response, count);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    log,
    route: (path, handler) => { table.set(path, handler); },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export function file(bytes: Buffer, contentType = 'application/octet-stream'): Route {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': contentType, 'content-length': bytes.length });
    response.end(bytes);
  };
}

export function text(body: string, contentType = 'text/plain'): Route {
  return file(Buffer.from(body), contentType);
}
