// A video's HLS ladder (the `hls` rendition, hls/master.m3u8) as a player needs it. The stored playlists name the
// variant playlists and segments by relative paths; resolved against a presigned URL, those carry no signature and
// the store refuses them. This route serves each playlist with every segment pointing at a freshly presigned URL,
// and every nested playlist back at this route. Players (hls.js, native HLS) fetch playlists without an
// Authorization header, so the URL is signed and expiring, like the thumbnails track's (thumbnails.ts), and one
// signature covers every playlist of the asset.
import { posix } from 'node:path';
import { text } from 'node:stream/consumers';
import type { Context, Hono } from 'hono';
import { findAsset, listRenditions } from '../../shared/db/assets.ts';
import type { Config } from '../../shared/config.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { Problem, notFound } from '../../shared/http/problem.ts';
import type { Platform } from '../../shared/platform.ts';
import { signature, validSignature } from './thumbnails.ts';

const PURPOSE = 'hls';
/** a variant's folder name (the ladder's rung names, 360p, 720p…): a plain name, no climbing out */
const VARIANT = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * The ladder's layout as the transcoder writes it (media/video.ts): hls/master.m3u8, naming one
 * hls/<variant>/index.m3u8 per rung, each naming its segments beside it.
 */
export function hlsRoutes(app: Hono<AppEnv>, platform: Platform): void {
  // Registered before the bearer-token middleware of /assets/*: the signature is this route's authorisation.
  app.get('/assets/:id/hls/master.m3u8', (c) => servePlaylist(c, platform, 'master.m3u8'));
  app.get('/assets/:id/hls/:variant/index.m3u8', (c) => {
    const variant = c.req.param('variant');
    if (!VARIANT.test(variant)) throw notFound('no such playlist');
    return servePlaylist(c, platform, `${variant}/index.m3u8`);
  });
}

async function servePlaylist(c: Context<AppEnv>, platform: Platform, path: string): Promise<Response> {
  const assetId = c.req.param('id')!;
  const expires = Number(c.req.query('expires'));
  const given = c.req.query('signature') ?? '';
  if (!validSignature(platform.config, PURPOSE, assetId, expires, given)) {
    throw new Problem(403, 'Forbidden', 'the HLS URL is not signed by this platform; take a fresh one from GET /assets/:id');
  }
  if (!(expires > Date.now() / 1000)) throw new Problem(403, 'Forbidden', 'the HLS URL has expired; take a fresh one from GET /assets/:id');
  const asset = await findAsset(platform.db, assetId);
  const renditions = asset && asset.state !== 'deleted' ? await listRenditions(platform.db, asset.id) : [];
  const master = renditions.find((r) => r.name === 'hls');
  if (!master) throw notFound('this asset has no HLS rendition');
  const { store, config } = platform;
  const folder = posix.dirname(master.storage_key);
  if (!(await store.head(store.buckets.renditions, `${folder}/${path}`))) throw notFound('no such playlist');
  const stored = await text(await store.getStream(store.buckets.renditions, `${folder}/${path}`));
  const ttl = config.downloadUrlTtlSeconds;
  const signed = new URLSearchParams({ expires: String(expires), signature: given }).toString();
  const playlist = await pointPlaylistAt(stored, async (uri) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) return uri;
    const resolved = posix.normalize(posix.join(posix.dirname(path), uri.split(/[?#]/)[0]!));
    if (resolved.startsWith('..')) return uri;
    // a nested playlist comes back here (relative, so it resolves against this route); a segment goes to the store
    return resolved.endsWith('.m3u8') ? `${uri.split(/[?#]/)[0]}?${signed}` : store.presignGet(store.buckets.renditions, `${folder}/${resolved}`, ttl);
  });
  return c.body(playlist, 200, {
    'content-type': 'application/vnd.apple.mpegurl',
    // the segment URLs inside expire; a cached copy must not outlive them
    'cache-control': `private, max-age=${Math.floor(ttl / 2)}`,
    // players on another origin read it with CORS
    'access-control-allow-origin': '*',
  });
}

/** A signed, expiring URL of the asset's HLS master playlist, for the `hls` rendition. */
export function hlsUrl(config: Config, assetId: string, ttlSeconds: number): string {
  const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
  const query = new URLSearchParams({ expires: String(expires), signature: signature(config, PURPOSE, assetId, expires) });
  return `${config.publicUrl}/assets/${encodeURIComponent(assetId)}/hls/master.m3u8?${query}`;
}

/** Rewrites every URI of a playlist: the lines that are one, and the URI="…" attributes of tags (EXT-X-MEDIA, EXT-X-MAP…). */
export async function pointPlaylistAt(playlist: string, point: (uri: string) => string | Promise<string>): Promise<string> {
  const lines = await Promise.all(playlist.split('\n').map(async (line) => {
    const trimmed = line.trim();
    if (trimmed === '') return line;
    if (!trimmed.startsWith('#')) return point(trimmed);
    const attributes = [...trimmed.matchAll(/URI="([^"]*)"/g)];
    let rewritten = trimmed;
    for (const [whole, uri] of attributes) rewritten = rewritten.replace(whole, `URI="${await point(uri!)}"`);
    return rewritten;
  }));
  return lines.join('\n');
}
