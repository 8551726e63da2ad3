// A local server written to the YouTube Data API v3 resumable upload protocol as documented
// (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol), since the real service is not
// reachable from tests: the OAuth refresh-token exchange, session start (Location), chunked PUTs with Content-Range
// answered 308 + Range until the last byte, status queries (`Content-Range: bytes */<size>`), and video deletion.
// `failNextChunks` answers 503 to that many chunk PUTs (after taking none of their bytes), `dropAfterBytes` stops
// taking bytes mid-chunk (the client sees a 308 with less than it sent, as after an interrupted chunk).
import { randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';

interface Session {
  size: number;
  contentType: string;
  metadata: any;
  received: Buffer[];
  receivedBytes: number;
  videoId?: string;
}

export interface YoutubeServer {
  base: string;
  videos: Map<string, { metadata: any; bytes: Buffer }>;
  sessions: Map<string, Session>;
  chunkPuts: number;
  statusQueries: number;
  failNextChunks: number;
  /** answer every chunk after this byte count with a 308 that keeps only up to it (once) */
  dropAfterBytes?: number;
  close(): Promise<void>;
}

export async function startYoutubeServer(): Promise<YoutubeServer> {
  const state: YoutubeServer = { base: '', videos: new Map(), sessions: new Map(), chunkPuts: 0, statusQueries: 0, failNextChunks: 0, close: async () => {} };
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const authorized = request.headers.authorization === 'Bearer test-access-token';
    if (url.pathname === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(body.toString());
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'test-refresh-token') return void response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'test-access-token', expires_in: 3600, token_type: 'Bearer' }));
    }
    if (!authorized) return void response.writeHead(401).end();
    if (url.pathname === '/upload/youtube/v3/videos' && request.method === 'POST') {
      if (url.searchParams.get('uploadType') !== 'resumable') return void response.writeHead(400).end('uploadType=resumable expected');
      const id = randomUUID();
      state.sessions.set(id, { size: Number(request.headers['x-upload-content-length']), contentType: String(request.headers['x-upload-content-type']), metadata: JSON.parse(body.toString()), received: [], receivedBytes: 0 });
      return void response.writeHead(200, { location: `${state.base}/upload/session/${id}` }).end();
    }
    const sessionMatch = /^\/upload\/session\/([0-9a-f-]+)$/.exec(url.pathname);
    if (sessionMatch && request.method === 'PUT') {
      const session = state.sessions.get(sessionMatch[1]!);
      if (!session) return void response.writeHead(404).end();
      const range = String(request.headers['content-range'] ?? '');
      const finished = () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'youtube#video', id: session.videoId, snippet: session.metadata.snippet, status: session.metadata.status }));
      const progress = () => response.writeHead(308, session.receivedBytes > 0 ? { range: `bytes=0-${session.receivedBytes - 1}` } : {}).end();
      if (/^bytes \*\/\d+$/.test(range)) {
        state.statusQueries++;
        return void (session.videoId ? finished() : progress());
      }
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
      if (!m) return void response.writeHead(400).end('bad Content-Range');
      state.chunkPuts++;
      if (state.failNextChunks > 0) {
        state.failNextChunks--;
        return void response.writeHead(503).end('backend error');
      }
      const start = Number(m[1]);
      if (start !== session.receivedBytes) return void progress(); // the client must continue where the server is
      let taken = body;
      if (state.dropAfterBytes !== undefined && session.receivedBytes + body.length > state.dropAfterBytes) {
        taken = body.subarray(0, Math.max(0, state.dropAfterBytes - session.receivedBytes));
        state.dropAfterBytes = undefined;
      }
      session.received.push(taken);
      session.receivedBytes += taken.length;
      if (session.receivedBytes >= session.size) {
        session.videoId = `yt${randomUUID().slice(0, 8)}`;
        state.videos.set(session.videoId, { metadata: session.metadata, bytes: Buffer.concat(session.received) });
        return void finished();
      }
      return void progress();
    }
    if (url.pathname === '/youtube/v3/videos' && request.method === 'DELETE') {
      const id = url.searchParams.get('id') ?? '';
      return void response.writeHead(state.videos.delete(id) ? 204 : 404).end();
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  state.base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return state;
}

export function youtubeTarget(server: YoutubeServer, chunkBytes = 256 * 1024) {
  return { tokenUrl: `${server.base}/token`, uploadUrl: `${server.base}/upload/youtube/v3/videos`, apiUrl: `${server.base}/youtube/v3`, chunkBytes, privacyStatus: 'unlisted' };
}

export const YOUTUBE_CREDENTIALS = { clientId: 'test-client', clientSecret: 'test-secret', refreshToken: 'test-refresh-token' };
