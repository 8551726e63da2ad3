// youtube: the YouTube Data API v3 resumable upload protocol
// (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol):
//   1. an access token from the OAuth refresh token (POST tokenUrl, grant_type=refresh_token);
//   2. a session: POST <uploadUrl>?uploadType=resumable&part=snippet,status with the metadata → Location;
//   3. the bytes in chunks (multiples of 256 KiB): PUT <session> with Content-Range; 308 + Range = go on from there,
//      200/201 + {id} = done;
//   4. after an interrupted chunk (network error, 5xx) ask where the server is (PUT, `Content-Range: bytes */<size>`,
//      no body) and go on from its Range; the session URL is checkpointed, so a crash resumes the same upload.
// Retract: DELETE <apiUrl>/videos?id=<id>. The real service is not reachable from the tests: they run this client
// against a local server written to the documented protocol (test/support/youtube-server.ts). Every URL (the
// configured ones and the session URL the server hands out) goes through the SSRF guard (../http.ts).
import * as v from 'valibot';
import { ChannelHttp } from '../http.ts';
import { type Channel, type ChannelOptions, type Delivery, type DeliveredRef, type DeliveryFile, PermanentDeliveryError, type RetractRequest, isPermanent } from '../channel.ts';

const CHUNK_UNIT = 256 * 1024;

export const YoutubeTarget = v.object({
  privacyStatus: v.optional(v.picklist(['private', 'unlisted', 'public']), 'private'),
  categoryId: v.optional(v.string(), '25'),
  chunkBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(CHUNK_UNIT), v.check((n) => n % CHUNK_UNIT === 0, 'a multiple of 256 KiB')), 8 * 1024 * 1024),
  tokenUrl: v.optional(v.pipe(v.string(), v.url()), 'https://oauth2.googleapis.com/token'),
  uploadUrl: v.optional(v.pipe(v.string(), v.url()), 'https://www.googleapis.com/upload/youtube/v3/videos'),
  apiUrl: v.optional(v.pipe(v.string(), v.url()), 'https://www.googleapis.com/youtube/v3'),
});
export const YoutubeCredentials = v.object({ clientId: v.pipe(v.string(), v.minLength(1)), clientSecret: v.pipe(v.string(), v.minLength(1)), refreshToken: v.pipe(v.string(), v.minLength(1)) });

/** 5xx answers and network errors mid-chunk are retried within one attempt this many times before the attempt fails */
const CHUNK_RETRIES = 5;

export class YoutubeChannel implements Channel {
  private readonly http: ChannelHttp;

  constructor(
    private readonly target: v.InferOutput<typeof YoutubeTarget>,
    private readonly credentials: v.InferOutput<typeof YoutubeCredentials>,
    options: ChannelOptions,
  ) {
    this.http = new ChannelHttp(options.network, { maxSockets: options.maxConnections * 2, idleMs: options.idleMs });
  }

  async close(): Promise<void> {
    this.http.close();
  }

  async deliver(delivery: Delivery): Promise<DeliveredRef> {
    const video = delivery.files.find((f) => f.contentType.startsWith('video/'));
    if (!video) throw new PermanentDeliveryError('a youtube channel takes videos: none of the chosen files is a video');
    const token = await this.accessToken(delivery.signal);
    let session = delivery.resumeFrom.sessionUrl as string | undefined;
    let offset = 0;
    if (session) {
      const resumed = await this.status(session, video.size, token, delivery.signal);
      if (resumed.done) return resumed.done;
      if (resumed.offset === undefined) session = undefined; // the session expired: start a new one
      else offset = resumed.offset;
    }
    if (!session) {
      session = await this.startSession(delivery, video, token);
      await delivery.checkpoint({ sessionUrl: session });
    }
    let failures = 0;
    for (;;) {
      delivery.signal.throwIfAborted();
      const end = Math.min(offset + this.target.chunkBytes, video.size) - 1;
      let response: Response;
      try {
        const chunk = await readRange(video, offset, end);
        response = await this.http.fetch(session, { method: 'PUT', body: chunk, signal: delivery.signal, headers: { authorization: `Bearer ${token}`, 'content-type': video.contentType, 'content-range': `bytes ${offset}-${end}/${video.size}` } });
      } catch (error) {
        if (delivery.signal.aborted || isPermanent(error)) throw error;
        response = new Response(null, { status: 599, statusText: String(error) });
      }
      if (response.status === 200 || response.status === 201) return this.uploaded(response);
      if (response.status === 308) {
        await response.body?.cancel();
        offset = nextOffset(response.headers.get('range'));
        failures = 0;
        continue;
      }
      if (response.status >= 500) {
        await response.body?.cancel();
        if (++failures > CHUNK_RETRIES) throw new Error(`youtube upload: HTTP ${response.status} ${failures} times in a row at byte ${offset}`);
        await sleep(Math.min(250 * 2 ** failures, 8_000), delivery.signal);
        const where = await this.status(session, video.size, token, delivery.signal);
        if (where.done) return where.done;
        if (where.offset === undefined) throw new Error('youtube upload: the session expired');
        offset = where.offset;
        continue;
      }
      throw new PermanentDeliveryError(`youtube upload: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
    }
  }

  async retract(request: RetractRequest): Promise<void> {
    const token = await this.accessToken(request.signal);
    const response = await this.http.fetch(`${this.target.apiUrl}/videos?id=${encodeURIComponent(request.externalId)}`, { method: 'DELETE', signal: request.signal, headers: { authorization: `Bearer ${token}` } });
    await response.body?.cancel();
    if (response.ok || response.status === 404) return;
    throw new Error(`youtube delete: HTTP ${response.status}`);
  }

  private async accessToken(signal: AbortSignal): Promise<string> {
    const response = await this.http.fetch(this.target.tokenUrl, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: this.credentials.clientId, client_secret: this.credentials.clientSecret, refresh_token: this.credentials.refreshToken }),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
    if (response.status === 400 || response.status === 401) throw new PermanentDeliveryError(`youtube token: ${body.error ?? `HTTP ${response.status}`} (check the refresh token)`);
    if (!response.ok || !body.access_token) throw new Error(`youtube token: HTTP ${response.status}`);
    return body.access_token;
  }

  private async startSession(delivery: Delivery, video: DeliveryFile, token: string): Promise<string> {
    const { asset } = delivery;
    const metadata = {
      snippet: { title: asset.title.slice(0, 100), description: asset.description.slice(0, 5000), tags: asset.tags, categoryId: this.target.categoryId },
      status: { privacyStatus: this.target.privacyStatus },
    };
    const response = await this.http.fetch(`${this.target.uploadUrl}?uploadType=resumable&part=snippet,status`, {
      method: 'POST',
      signal: delivery.signal,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=UTF-8', 'x-upload-content-length': String(video.size), 'x-upload-content-type': video.contentType },
      body: JSON.stringify(metadata),
    });
    const location = response.headers.get('location');
    if (response.ok && location) return location;
    const reason = `youtube session: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`;
    if (response.status >= 500 || response.status === 429) throw new Error(reason);
    throw new PermanentDeliveryError(reason);
  }

  /** where the server is in an upload: finished, the next byte it wants, or neither (the session is gone) */
  private async status(session: string, size: number, token: string, signal: AbortSignal): Promise<{ done?: DeliveredRef; offset?: number }> {
    const response = await this.http.fetch(session, { method: 'PUT', signal, headers: { authorization: `Bearer ${token}`, 'content-range': `bytes */${size}` } });
    if (response.status === 200 || response.status === 201) return { done: await this.uploaded(response) };
    if (response.status === 308) return { offset: nextOffset(response.headers.get('range')) };
    await response.body?.cancel();
    if (response.status === 404 || response.status === 410) return {};
    throw new Error(`youtube upload status: HTTP ${response.status}`);
  }

  private async uploaded(response: Response): Promise<DeliveredRef> {
    const body = (await response.json()) as { id?: string };
    if (!body.id) throw new Error('youtube upload: finished without a video id');
    return { externalId: body.id, externalUrl: `https://www.youtube.com/watch?v=${body.id}`, ref: {} };
  }
}

/** `Range: bytes=0-1048575` → 1048576; no Range = nothing received yet */
function nextOffset(range: string | null): number {
  const match = /bytes=0-(\d+)/.exec(range ?? '');
  return match ? Number(match[1]) + 1 : 0;
}

async function readRange(file: DeliveryFile, start: number, end: number): Promise<Buffer> {
  const stream = await file.open(start);
  const chunks: Buffer[] = [];
  let length = 0;
  const wanted = end - start + 1;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.length;
    if (length >= wanted) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, wanted);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });
}
