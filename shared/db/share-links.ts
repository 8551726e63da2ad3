// Share links: created with their event, found by the SHA-256 of their token (the token itself is never stored),
// revoked with their event, counted on every access.
import { type Kysely, sql } from 'kysely';
import type { EventEnvelope } from '../events/envelope.ts';
import { enqueue } from './outbox.ts';
import type { DB, ShareLink, ShareLinksTable } from './schema.ts';
import type { Insertable } from 'kysely';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createShareLink(db: Kysely<DB>, row: Insertable<ShareLinksTable>, events: (link: ShareLink) => EventEnvelope<unknown>[]): Promise<ShareLink> {
  return db.transaction().execute(async (trx) => {
    const created = await trx.insertInto('share_links').values(row).returningAll().executeTakeFirstOrThrow();
    await enqueue(trx, events(created));
    return created;
  });
}

export async function findShareLink(db: Kysely<DB>, id: string): Promise<ShareLink | undefined> {
  if (!UUID.test(id)) return undefined;
  return db.selectFrom('share_links').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findShareLinkByTokenHash(db: Kysely<DB>, tokenSha256: string): Promise<ShareLink | undefined> {
  return db.selectFrom('share_links').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
}

/** A project's links, newest first (revoked ones included: they say when and by whom). */
export async function listShareLinks(db: Kysely<DB>, projectId: string, filter: { targetId?: string; limit: number; after?: { createdAt: string; id: string } }): Promise<ShareLink[]> {
  let query = db.selectFrom('share_links').selectAll().where('project_id', '=', projectId);
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
  const after = filter.after;
  if (after) query = query.where((eb) => eb.or([eb('created_at', '<', new Date(after.createdAt)), eb.and([eb('created_at', '=', new Date(after.createdAt)), eb('id', '<', after.id)])]));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/** Revokes the link once; undefined when it was already revoked (nothing written). */
export async function revokeShareLink(db: Kysely<DB>, id: string, actor: string, events: (link: ShareLink) => EventEnvelope<unknown>[]): Promise<ShareLink | undefined> {
  return db.transaction().execute(async (trx) => {
    const revoked = await trx.updateTable('share_links').set({ revoked_at: new Date(), revoked_by: actor }).where('id', '=', id).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
    if (revoked) await enqueue(trx, events(revoked));
    return revoked;
  });
}

export async function countShareAccess(db: Kysely<DB>, id: string, at: Date): Promise<void> {
  await db.updateTable('share_links').set({ access_count: sql`access_count + 1`, last_access_at: at }).where('id', '=', id).execute();
}
