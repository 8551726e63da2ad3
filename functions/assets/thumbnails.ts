// The scrubbing thumbnails track (WebVTT) as a player needs it. The stored sprite.vtt names the sprite by a
// relative path; resolved against a presigned VTT URL, that path carries no signature and the store refuses it.
// This route serves the track with every cue pointing at a freshly presigned sprite URL. Players fetch a track
// (`<track src>`, a thumbnails option) without an Authorization header, so the route's URL is itself signed and
// expiring, like the store's, and is what the asset's `sprite-vtt` rendition hands out.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { text } from 'node:stream/consumers';
import type { Hono } from 'hono';
import * as v from 'valibot';
import { findAsset, listRenditions } from '../../shared/db/assets.ts';
import type { Config } from '../../shared/config.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { Problem, notFound } from '../../shared/http/problem.ts';
import type { Platform } from '../../shared/platform.ts';
import { localKey } from '../../shared/secrets/local-key.ts';

/** The signature is checked by hand (a wrong one answers 403, not 400); this describes the query for the API document. */
export const SignedTrackQuery = v.object({ expires: v.string(), signature: v.string() });

export function thumbnailRoutes(app: Hono<AppEnv>, platform: Platform): void {
  // Registered before the bearer-token middleware of /assets/*: the signature is this route's authorisation.
  app.get('/assets/:id/thumbnails.vtt', async (c) => {
    const assetId = c.req.param('id');
    const expires = Number(c.req.query('expires'));
    if (!validSignature(platform.config, 'thumbnails.vtt', assetId, expires, c.req.query('signature') ?? '')) {
      throw new Problem(403, 'Forbidden', 'the thumbnails URL is not signed by this platform; take a fresh one from GET /assets/:id');
    }
    if (!(expires > Date.now() / 1000)) throw new Problem(403, 'Forbidden', 'the thumbnails URL has expired; take a fresh one from GET /assets/:id');
    const asset = await findAsset(platform.db, assetId);
    const renditions = asset && asset.state !== 'deleted' ? await listRenditions(platform.db, asset.id) : [];
    const track = renditions.find((r) => r.name === 'sprite-vtt');
    const sprite = renditions.find((r) => r.name === 'sprite');
    if (!track || !sprite) throw notFound('this asset has no thumbnails track');
    const { store, config } = platform;
    const stored = await text(await store.getStream(store.buckets.renditions, track.storage_key));
    const spriteUrl = await store.presignGet(store.buckets.renditions, sprite.storage_key, config.downloadUrlTtlSeconds);
    return c.body(pointCuesAt(stored, sprite.storage_key.split('/').pop()!, spriteUrl), 200, {
      'content-type': 'text/vtt; charset=utf-8',
      // the sprite URLs inside expire; a cached copy must not outlive them
      'cache-control': `private, max-age=${Math.floor(config.downloadUrlTtlSeconds / 2)}`,
      // players on another origin read it with CORS (`<track crossorigin>`, fetch)
      'access-control-allow-origin': '*',
    });
  });
}

/** A signed, expiring URL of the asset's thumbnails track, for the `sprite-vtt` rendition. */
export function thumbnailsUrl(config: Config, assetId: string, ttlSeconds: number): string {
  const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
  const query = new URLSearchParams({ expires: String(expires), signature: signature(config, 'thumbnails.vtt', assetId, expires) });
  return `${config.publicUrl}/assets/${encodeURIComponent(assetId)}/thumbnails.vtt?${query}`;
}

/** Rewrites the cues that name the sprite by its file name (`sprite.jpg#xywh=…`) to name it by `spriteUrl`. */
export function pointCuesAt(vtt: string, spriteName: string, spriteUrl: string): string {
  return vtt.replace(/^([^\s#]+)(#xywh=\d+,\d+,\d+,\d+)$/gm, (line, name: string, fragment: string) => (name === spriteName ? `${spriteUrl}${fragment}` : line));
}

/** Whether `given` signs this purpose (the route's name), asset and expiry time with the platform's key. */
export function validSignature(config: Config, purpose: string, assetId: string, expires: number, given: string): boolean {
  if (!Number.isInteger(expires)) return false;
  const expected = Buffer.from(signature(config, purpose, assetId, expires), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function signature(config: Config, purpose: string, assetId: string, expires: number): string {
  return createHmac('sha256', signingKey(config)).update(`${purpose}\n${assetId}\n${expires}`).digest('hex');
}

const keys = new WeakMap<Config, Buffer>();

/**
 * Every instance of the function must agree on the key without another secret to deploy: with S3 it is derived
 * from the store's secret key (HKDF, its own purpose label); the embedded default keeps a random one in its data folder.
 */
function signingKey(config: Config): Buffer {
  let key = keys.get(config);
  if (!key) {
    key = config.s3 ? Buffer.from(hkdfSync('sha256', config.s3.secretAccessKey, '', 'mediateca signed thumbnails URLs', 32)) : localKey(config.dataDir, 'url-signing-secret');
    keys.set(config, key);
  }
  return key;
}
