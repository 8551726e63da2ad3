// Share links: an editor makes a link to an approved asset or to a collection; anyone holding its URL opens it
// without a token (GET /s/:token), read-only, and downloads the renditions it allows (and the original when it
// says so) through short-lived presigned URLs. The token is 256 random bits, kept only as its SHA-256. Expired or
// revoked links answer 410; a password-protected one 401 until the password is sent. Every access, refused ones
// included, is written to the audit log before anything is answered (domain/share-links.ts decides).
import { createHash, createHmac, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import { findAsset, listRenditions } from '../../shared/db/assets.ts';
import { collectionAssets, collectionHolds, findCollection } from '../../shared/db/collections.ts';
import { countShareAccess, createShareLink, findShareLink, findShareLinkByTokenHash, listShareLinks, revokeShareLink } from '../../shared/db/share-links.ts';
import type { Asset, ShareLink } from '../../shared/db/schema.ts';
import { MIN_SHARE_PASSWORD_LENGTH, type ShareLinkFacts, checkShareExpiry, decideShareAccess, shareAllowsRendition, shareable } from '../../shared/domain/share-links.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { Problem, badRequest, conflict, notFound } from '../../shared/http/problem.ts';
import { clientIp, reportRateLimit } from '../../shared/http/rate-limit.ts';
import { jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';
import { encodeCursor } from '../../shared/search/cursor.ts';
import { recordAudit } from './audit.ts';
import { PageParams, readableCollection } from './collections.ts';
import { createdKeyFrom, positionKeyFrom } from './cursors.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

const RenditionName = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'rendition names are lowercase letters, digits, - and _'));

export const NewShareLink = v.strictObject({
  /** ISO 8601 date-time; none: the link lives until it is revoked */
  expiresAt: v.optional(v.pipe(v.string(), v.isoTimestamp('expiresAt must be an ISO 8601 date-time with a zone'), v.transform((s) => new Date(s)))),
  password: v.optional(v.pipe(userText(200), v.minLength(MIN_SHARE_PASSWORD_LENGTH, `a password has at least ${MIN_SHARE_PASSWORD_LENGTH} characters`))),
  /** the renditions the link hands out (thumbnail, preview, web…); every one when absent */
  renditions: v.optional(v.pipe(v.array(RenditionName), v.maxLength(50))),
  /** whether the original file may be downloaded (no by default) */
  allowOriginal: v.optional(v.boolean()),
});
export const OpenShare = v.strictObject({ password: v.optional(userText(200)) });
export const SharePageParams = v.object({ ...PageParams.entries, access: v.optional(v.pipe(v.string(), v.maxLength(200))) });
export const ShareListParams = v.object({ ...PageParams.entries, targetId: v.optional(v.pipe(v.string(), v.uuid('targetId is an asset or collection id'))) });
export const ShareDownloadParams = v.object({ access: v.optional(v.pipe(v.string(), v.maxLength(200))) });

/** How long the presigned URL a download redirects to lives: a link's downloads are short-lived, recorded each time. */
const DOWNLOAD_REDIRECT_TTL_SECONDS = 300;

export function shareRoutes(app: Hono<AppEnv>, platform: Platform): void {
  app.post('/assets/:id/shares', async (c) => {
    const asset = await findAsset(platform.db, c.req.param('id'));
    if (!asset) throw notFound('asset not found');
    authorize(c, 'share:manage', asset.project_id, 'asset');
    if (!shareable({ state: asset.state, editorialState: asset.editorial_state })) {
      throw conflict(`only approved assets that are ready (or archived) can be shared; this one is ${asset.editorial_state} and ${asset.state}`);
    }
    return c.json(await create(c, asset.project_id, 'asset', asset.id), 201);
  });

  app.post('/collections/:id/shares', async (c) => {
    const collection = await readableCollection(c, platform, 'share:manage');
    return c.json(await create(c, collection.project_id, 'collection', collection.id), 201);
  });

  app.get('/projects/:id/shares', async (c) => {
    const projectId = c.req.param('id');
    authorize(c, 'share:manage', projectId, 'project');
    const params = parseOrProblem(ShareListParams, c.req.query(), 'share link listing');
    const rows = await listShareLinks(platform.db, projectId, { targetId: params.targetId, limit: params.limit + 1, after: params.cursor === undefined ? undefined : createdKeyFrom(params.cursor) });
    const page = rows.slice(0, params.limit);
    const last = rows.length > params.limit ? page[page.length - 1] : undefined;
    return c.json({ shares: page.map(describeShare), nextCursor: last && encodeCursor([new Date(last.created_at).toISOString(), last.id]) });
  });

  app.delete('/shares/:id', async (c) => {
    const link = await findShareLink(platform.db, c.req.param('id'));
    if (!link) throw notFound('share link not found');
    authorize(c, 'share:manage', link.project_id, 'share link');
    const revoked = await revokeShareLink(platform.db, link.id, c.get('principal').subject, (row) => [
      newEvent('io.mediateca.share.revoked', EVENT_SOURCE, { shareId: row.id, projectId: row.project_id, targetType: row.target_type, targetId: row.target_id }, row.id),
    ]);
    if (revoked) {
      platform.outboxWritten();
      await recordAudit(c, platform, { projectId: link.project_id, action: 'share.revoked', targetType: link.target_type, targetId: link.target_id, details: { shareId: link.id } });
    }
    return c.body(null, 204);
  });

  // --- reached without a token: the link's own token is its authorisation ---

  app.use('/s/*', async (c, next) => {
    const ip = clientIp(c, platform.config.rateLimits.trustedProxyHops);
    const budget = ip === undefined ? undefined : await platform.rateLimits.consume('ip', ip);
    await next();
    reportRateLimit(c.res, budget);
    c.res.headers.set('cache-control', 'no-store');
    c.res.headers.set('referrer-policy', 'no-referrer');
  });

  const open = async (c: Context<AppEnv>, password: string | undefined) => {
    const params = parseOrProblem(SharePageParams, c.req.query(), 'share query');
    const link = await openLink(c, password, params.access);
    const grant = link.password_hash ? accessGrant(link, Math.floor(Date.now() / 1000) + platform.config.downloadUrlTtlSeconds) : undefined;
    const token = c.req.param('token')!;
    const body: Record<string, unknown> = { share: { id: link.id, targetType: link.target_type, expiresAt: iso(link.expires_at), renditions: link.renditions, allowOriginal: link.allow_original } };
    let shown: string[];
    if (link.target_type === 'asset') {
      const asset = await findAsset(platform.db, link.target_id);
      if (!asset || !shareable({ state: asset.state, editorialState: asset.editorial_state })) throw gone('the shared asset is no longer available');
      body.asset = await sharedAsset(platform, link, token, grant, asset);
      shown = [asset.id];
    } else {
      const collection = await findCollection(platform.db, link.target_id);
      if (!collection) throw gone('the shared collection no longer exists');
      const rows = await collectionAssets(platform.db, collection.id, { limit: params.limit + 1, afterPosition: params.cursor === undefined ? undefined : positionKeyFrom(params.cursor), approvedOnly: true });
      const page = rows.slice(0, params.limit);
      const last = rows.length > params.limit ? page[page.length - 1] : undefined;
      const assets = page.filter((a) => shareable({ state: a.state, editorialState: a.editorial_state }));
      body.collection = {
        id: collection.id,
        name: collection.name,
        description: collection.description,
        assets: await Promise.all(assets.map((a) => sharedAsset(platform, link, token, grant, a))),
        nextCursor: last && encodeCursor([last.position]),
      };
      shown = assets.map((a) => a.id);
    }
    await recordShareAccess(c, link, 'share.opened', { assetIds: shown });
    return c.json(body);
  };

  app.get('/s/:token', (c) => open(c, c.req.header('share-password')));
  app.post('/s/:token', async (c) => open(c, parseOrProblem(OpenShare, await jsonBody(c.req.raw), 'share password').password ?? c.req.header('share-password')));

  app.get('/s/:token/assets/:assetId/renditions/:name', async (c) => {
    const { link, asset } = await sharedItem(c);
    const name = c.req.param('name');
    if (!shareAllowsRendition(link, name) || name === 'sprite-vtt') throw notFound(`this link does not share the rendition ${name}`);
    const rendition = (await listRenditions(platform.db, asset.id)).find((r) => r.name === name);
    if (!rendition) throw notFound(`asset ${asset.id} has no rendition ${name}`);
    await recordShareAccess(c, link, 'share.downloaded', { assetId: asset.id, rendition: name });
    const url = await platform.store.presignGet(platform.store.buckets.renditions, rendition.storage_key, Math.min(DOWNLOAD_REDIRECT_TTL_SECONDS, platform.config.downloadUrlTtlSeconds));
    return c.redirect(url, 302);
  });

  app.get('/s/:token/assets/:assetId/original', async (c) => {
    const { link, asset } = await sharedItem(c);
    if (!link.allow_original) throw notFound('this link does not share the original');
    await recordShareAccess(c, link, 'share.downloaded', { assetId: asset.id, original: true });
    const url = await platform.store.presignGet(platform.store.buckets.masters, asset.storage_key, Math.min(DOWNLOAD_REDIRECT_TTL_SECONDS, platform.config.downloadUrlTtlSeconds), asset.filename);
    return c.redirect(url, 302);
  });

  async function create(c: Context<AppEnv>, projectId: string, targetType: 'asset' | 'collection', targetId: string) {
    const input = parseOrProblem(NewShareLink, await jsonBody(c.req.raw), 'share link');
    const now = new Date();
    const expiryProblem = checkShareExpiry(input.expiresAt, now);
    if (expiryProblem) throw badRequest(expiryProblem);
    const token = randomBytes(32).toString('base64url');
    const link = await createShareLink(
      platform.db,
      {
        id: randomUUID(), project_id: projectId, token_sha256: tokenHash(token), target_type: targetType, target_id: targetId,
        expires_at: input.expiresAt ?? null, password_hash: input.password ? await hashPassword(input.password) : null,
        renditions: input.renditions ?? null, allow_original: input.allowOriginal ?? false, created_by: c.get('principal').subject, created_at: now,
      },
      (row) => [newEvent('io.mediateca.share.created', EVENT_SOURCE, { shareId: row.id, projectId, targetType, targetId, expiresAt: iso(row.expires_at) }, row.id)],
    );
    platform.outboxWritten();
    await recordAudit(c, platform, { projectId, action: 'share.created', targetType, targetId, details: { shareId: link.id, expiresAt: iso(link.expires_at), password: Boolean(input.password), renditions: link.renditions, allowOriginal: link.allow_original } });
    // the token is shown once, here; only its hash is kept
    return { ...describeShare(link), token, url: `${platform.config.publicUrl}/s/${token}` };
  }

  /** The link of `:token` if it opens now (else 404, 401 or 410, the refusal recorded). */
  async function openLink(c: Context<AppEnv>, password: string | undefined, access: string | undefined): Promise<ShareLink> {
    const link = await findShareLinkByTokenHash(platform.db, tokenHash(c.req.param('token')!));
    if (!link) throw notFound('no such share link');
    let proved: boolean | undefined;
    if (link.password_hash) {
      if (access !== undefined) proved = validGrant(link, access);
      else if (password !== undefined) proved = await verifyPassword(password, link.password_hash);
    }
    const decision = decideShareAccess(factsOf(link), new Date(), proved);
    if (!decision.allowed) {
      await recordShareAccess(c, link, 'share.refused', { status: decision.status, reason: decision.reason });
      throw decision.status === 410 ? gone(decision.reason) : new Problem(401, 'Unauthorized', decision.reason);
    }
    return link;
  }

  /** The link and the asset of a download: the asset must be what the link shares (or in its collection), and shareable. */
  async function sharedItem(c: Context<AppEnv>): Promise<{ link: ShareLink; asset: Asset }> {
    const { access } = parseOrProblem(ShareDownloadParams, c.req.query(), 'download');
    const link = await openLink(c, c.req.header('share-password'), access);
    const assetId = c.req.param('assetId')!;
    const inLink = link.target_type === 'asset'
      ? link.target_id === assetId
      : await collectionHolds(platform.db, link.target_id, assetId);
    const asset = inLink ? await findAsset(platform.db, assetId) : undefined;
    if (!asset || !shareable({ state: asset.state, editorialState: asset.editorial_state })) throw notFound('this link does not share that asset');
    return { link, asset };
  }

  async function recordShareAccess(c: Context<AppEnv>, link: ShareLink, action: 'share.opened' | 'share.refused' | 'share.downloaded', details: Record<string, unknown>): Promise<void> {
    const now = new Date();
    await recordAudit(c, platform, {
      projectId: link.project_id, action, actor: `share:${link.id}`, via: 'share-link', targetType: link.target_type, targetId: link.target_id,
      details: { shareId: link.id, userAgent: c.req.header('user-agent')?.slice(0, 300), ...details },
    });
    if (action !== 'share.refused') await countShareAccess(platform.db, link.id, now);
  }

  function accessGrant(link: ShareLink, expires: number): string {
    return `${expires}.${createHmac('sha256', link.password_hash!).update(`${link.id}\n${expires}`).digest('base64url')}`;
  }

  /** A download URL of a password link carries a grant: proof, signed with the link's password hash, that it was opened. */
  function validGrant(link: ShareLink, access: string): boolean {
    const [expires, given] = access.split('.');
    if (!expires || !given || !/^\d{1,12}$/.test(expires) || Number(expires) < Date.now() / 1000) return false;
    const expected = Buffer.from(accessGrant(link, Number(expires)));
    const actual = Buffer.from(access);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}

async function sharedAsset(platform: Platform, link: ShareLink, token: string, grant: string | undefined, asset: Asset) {
  const base = `${platform.config.publicUrl}/s/${token}/assets/${asset.id}`;
  const query = grant ? `?access=${grant}` : '';
  const renditions = (await listRenditions(platform.db, asset.id)).filter((r) => r.name !== 'sprite-vtt' && shareAllowsRendition(link, r.name));
  return {
    id: asset.id,
    title: asset.title,
    description: asset.description,
    mediaType: asset.media_type,
    contentType: asset.content_type,
    tags: asset.tags,
    renditions: renditions.map((r) => ({ name: r.name, contentType: r.content_type, size: Number(r.size_bytes), width: r.width, height: r.height, duration: r.duration_seconds, url: `${base}/renditions/${r.name}${query}` })),
    originalUrl: link.allow_original ? `${base}/original${query}` : undefined,
  };
}

export function describeShare(link: ShareLink) {
  return {
    id: link.id,
    projectId: link.project_id,
    targetType: link.target_type,
    targetId: link.target_id,
    expiresAt: iso(link.expires_at),
    hasPassword: link.password_hash !== null,
    renditions: link.renditions,
    allowOriginal: link.allow_original,
    createdBy: link.created_by,
    createdAt: new Date(link.created_at).toISOString(),
    revokedAt: iso(link.revoked_at),
    revokedBy: link.revoked_by,
    accessCount: link.access_count,
    lastAccessAt: iso(link.last_access_at),
  };
}

function factsOf(link: ShareLink): ShareLinkFacts {
  return { expiresAt: link.expires_at && new Date(link.expires_at), revokedAt: link.revoked_at && new Date(link.revoked_at), hasPassword: link.password_hash !== null, renditions: link.renditions, allowOriginal: link.allow_original };
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${(await scryptAsync(password, salt, 32)).toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(expected, actual);
}

function gone(reason: string): Problem {
  return new Problem(410, 'Gone', reason);
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}
