// Channels, publications and publishing rules. A publication is one (asset version, channel): the unique key makes
// a repeated request or a redelivered event find the existing row instead of publishing again. Workers claim due
// publications with FOR UPDATE SKIP LOCKED under a lease; every state change appends to publication_events and
// writes its outbox events in the same transaction.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { EventEnvelope } from '../events/envelope.ts';
import { enqueue } from './outbox.ts';
import type { ChannelRow, DB, DistributionRule, Publication, PublicationState } from './schema.ts';

export type NewChannel = Pick<ChannelRow, 'id' | 'project_id' | 'name' | 'type' | 'credentials' | 'renditions'> & { target: Record<string, unknown>; settings: Record<string, number> };

export async function createChannel(db: Kysely<DB>, channel: NewChannel): Promise<ChannelRow | undefined> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('projects').values({ id: channel.project_id, name: channel.project_id, settings: {} }).onConflict((oc) => oc.column('id').doNothing()).execute();
    return trx.insertInto('channels').values(channel).onConflict((oc) => oc.columns(['project_id', 'name']).doNothing()).returningAll().executeTakeFirst();
  });
}

export async function findChannel(db: Kysely<DB>, id: string): Promise<ChannelRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listChannels(db: Kysely<DB>, projectId: string): Promise<ChannelRow[]> {
  return db.selectFrom('channels').selectAll().where('project_id', '=', projectId).orderBy('name').execute();
}

/** false when someone else changed the channel since `version` */
export async function updateChannel(db: Kysely<DB>, id: string, version: number, set: Partial<Pick<NewChannel, 'name' | 'target' | 'credentials' | 'renditions' | 'settings'>>): Promise<ChannelRow | undefined> {
  return db.updateTable('channels').set({ ...set, version: version + 1, updated_at: new Date() }).where('id', '=', id).where('version', '=', version).returningAll().executeTakeFirst();
}

/** Removes a channel with nothing delivered or in flight on it; false when it still has live publications. */
export async function deleteChannel(db: Kysely<DB>, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const live = await trx.selectFrom('publications').select('id').where('channel_id', '=', id).where('state', 'in', ['pending', 'delivering', 'delivered', 'retracting']).limit(1).executeTakeFirst();
    if (live) return false;
    await trx.deleteFrom('channels').where('id', '=', id).execute();
    return true;
  });
}

export async function setBreakerState(db: Kysely<DB>, id: string, state: string): Promise<void> {
  await db.updateTable('channels').set({ breaker_state: state, breaker_changed_at: new Date() }).where('id', '=', id).execute();
}

/** Channels whose credentials are sealed with another key than `currentKeyId` (rotation). */
export async function channelsSealedWithOtherKeys(db: Kysely<DB>, currentKeyId: string): Promise<ChannelRow[]> {
  return db.selectFrom('channels').selectAll().where('credentials', 'not like', `${currentKeyId}.%`).execute();
}

export async function replaceCredentials(db: Kysely<DB>, id: string, from: string, to: string): Promise<void> {
  await db.updateTable('channels').set({ credentials: to }).where('id', '=', id).where('credentials', '=', from).execute();
}

export type NewPublication = Pick<Publication, 'id' | 'project_id' | 'asset_id' | 'asset_version' | 'channel_id' | 'idempotency_key' | 'renditions' | 'requested_by' | 'rule_id'> & { not_before: Date; state: 'scheduled' | 'pending' };

/** The publication for (channel, asset version): created now (with its events), or the one that already exists. */
export async function requestPublication(db: Kysely<DB>, publication: NewPublication, events: EventEnvelope<unknown>[]): Promise<{ publication: Publication; created: boolean }> {
  return (await requestPublications(db, [{ publication, events }]))[0]!;
}

/**
 * Several publications (an approval matching rules for several channels) in one transaction, each as
 * requestPublication: a few statements for the whole batch (insert, history, outbox), whatever its size.
 */
export async function requestPublications(db: Kysely<DB>, requests: { publication: NewPublication; events: EventEnvelope<unknown>[] }[]): Promise<{ publication: Publication; created: boolean }[]> {
  if (requests.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('publications')
      .values(requests.map(({ publication }) => ({ ...publication, due_at: publication.not_before, checkpoint: {} })))
      .onConflict((oc) => oc.columns(['channel_id', 'asset_id', 'asset_version']).doNothing())
      .returningAll()
      .execute();
    const byId = new Map(inserted.map((row) => [row.id, row]));
    const existing = requests.filter(({ publication }) => !byId.has(publication.id));
    const found = existing.length === 0 ? [] : await trx
      .selectFrom('publications')
      .selectAll()
      .where((eb) => eb.or(existing.map(({ publication: p }) => eb.and([eb('channel_id', '=', p.channel_id), eb('asset_id', '=', p.asset_id), eb('asset_version', '=', p.asset_version)]))))
      .execute();
    if (inserted.length) {
      await trx.insertInto('publication_events').values(inserted.map((row) => ({ publication_id: row.id, asset_id: row.asset_id, from_state: 'requested', to_state: row.state, reason: null, attempt: row.attempts, actor: row.requested_by }))).execute();
      await enqueue(trx, requests.filter(({ publication }) => byId.has(publication.id)).flatMap(({ events }) => events));
    }
    return requests.map(({ publication }) => {
      const created = byId.get(publication.id);
      if (created) return { publication: created, created: true };
      const match = found.find((row) => row.channel_id === publication.channel_id && row.asset_id === publication.asset_id && row.asset_version === publication.asset_version);
      if (!match) throw new Error(`publication of ${publication.asset_id} on ${publication.channel_id} neither created nor found`);
      return { publication: match, created: false };
    });
  });
}

export async function findPublication(db: Kysely<DB>, id: string): Promise<Publication | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('publications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function publicationsOfAsset(db: Kysely<DB>, assetId: string): Promise<(Publication & { channel_name: string; channel_type: string })[]> {
  return db.selectFrom('publications').innerJoin('channels', 'channels.id', 'publications.channel_id').selectAll('publications').select(['channels.name as channel_name', 'channels.type as channel_type']).where('publications.asset_id', '=', assetId).orderBy('publications.created_at').execute();
}

export async function listPublications(db: Kysely<DB>, filter: { projectIds: string[]; channelId?: string; states?: PublicationState[]; after?: { createdAt: string; id: string }; limit: number }) {
  if (filter.projectIds.length === 0) return [];
  let query = db
    .selectFrom('publications')
    .innerJoin('channels', 'channels.id', 'publications.channel_id')
    .selectAll('publications')
    .select(['channels.name as channel_name', 'channels.type as channel_type', sql<string>`to_char(publications.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('listed_at')])
    .where('publications.project_id', 'in', filter.projectIds);
  if (filter.channelId) query = query.where('publications.channel_id', '=', filter.channelId);
  if (filter.states?.length) query = query.where('publications.state', 'in', filter.states);
  if (filter.after) query = query.where(sql<boolean>`(publications.created_at, publications.id) < (${filter.after.createdAt}::timestamptz, ${filter.after.id}::uuid)`);
  return query.orderBy('publications.created_at', 'desc').orderBy('publications.id', 'desc').limit(filter.limit).execute();
}

export interface PublicationChange {
  /** only from these states (and, when `leaseOwner` is given, only while that worker holds the lease) */
  from: PublicationState[];
  to: PublicationState;
  leaseOwner?: string;
  set?: Partial<Pick<Publication, 'attempts' | 'last_error' | 'external_id' | 'external_url' | 'delivered_at' | 'retracted_at'>> & { due_at?: Date | null; checkpoint?: Record<string, unknown> };
  reason?: string | null;
  actor: string;
  events?: EventEnvelope<unknown>[];
}

/** One state change, its history row and its events in one transaction; undefined when the row was not in a `from` state (or the lease was lost). */
export async function changePublication(db: Kysely<DB>, id: string, change: PublicationChange): Promise<Publication | undefined> {
  return db.transaction().execute(async (trx) => {
    let query = trx.selectFrom('publications').selectAll().where('id', '=', id).where('state', 'in', change.from).forUpdate();
    if (change.leaseOwner) query = query.where('lease_owner', '=', change.leaseOwner);
    const current = await query.executeTakeFirst();
    if (!current) return undefined;
    const updated = await trx
      .updateTable('publications')
      .set({ ...change.set, state: change.to, lease_owner: null, lease_expires_at: null, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendEvent(trx, updated, current.state, change.to, change.reason ?? null, change.actor);
    await enqueue(trx, change.events ?? []);
    return updated;
  });
}

export interface DeliverySettlement {
  publication: Pick<Publication, 'id' | 'attempts'>;
  externalId: string;
  externalUrl: string | null;
  checkpoint: Record<string, unknown>;
  /** the distribution.delivered event */
  event: EventEnvelope<unknown>;
}

/**
 * Settles deliveries that finished together in one statement: each `delivering` publication this worker still leases
 * becomes `delivered` with its attempt, external id and checkpoint, one history row and its delivered event, unless
 * its asset's rights have expired meanwhile (the rights-expired event recorded, or the rightsExpiry day `today` begun):
 * then it goes on to `retracting` at once (a second history row, reason RIGHTS_EXPIRED). The asset row is read FOR
 * SHARE, so a rights-expired change committing meanwhile is either seen here or waits for this settle and then finds
 * the publication delivered. Answers the settled rows (a lost lease settles nothing).
 */
export async function settleDeliveries(db: Kysely<DB>, owner: string, now: Date, today: string, rightsExpiredReason: string, settlements: DeliverySettlement[]): Promise<Publication[]> {
  if (settlements.length === 0) return [];
  const input = JSON.stringify(settlements.map((s) => ({
    id: s.publication.id, attempts: s.publication.attempts + 1, external_id: s.externalId, external_url: s.externalUrl, checkpoint: s.checkpoint,
    event_id: s.event.id, event_type: s.event.type, event_source: s.event.source, event_subject: s.event.subject ?? null, event_data: s.event.data, event_time: s.event.time, traceparent: s.event.traceparent ?? null, tracestate: s.event.tracestate ?? null,
  })));
  const result = await sql<Publication>`
    with input as (
      select * from jsonb_to_recordset(${input}::text::jsonb) as i(id uuid, attempts integer, external_id text, external_url text, checkpoint jsonb, event_id text, event_type text, event_source text, event_subject text, event_data jsonb, event_time timestamptz, traceparent text, tracestate text)
    ), expired as (
      select p.id from publications p join assets a on a.id = p.asset_id
      where p.id in (select id from input) and (a.rights_expired_at is not null or a.fields->>'rightsExpiry' <= ${today})
      for share of a
    ), settled as (
      update publications p set
        state = case when p.id in (select id from expired) then 'retracting' else 'delivered' end,
        due_at = case when p.id in (select id from expired) then ${now}::timestamptz else null end,
        attempts = i.attempts, external_id = i.external_id, external_url = i.external_url, checkpoint = i.checkpoint,
        delivered_at = ${now}::timestamptz, last_error = null, lease_owner = null, lease_expires_at = null, updated_at = now()
      from input i
      where p.id = i.id and p.state = 'delivering' and p.lease_owner = ${owner}
      returning p.*
    ), history as (
      insert into publication_events (publication_id, asset_id, from_state, to_state, reason, attempt, actor)
      select id, asset_id, 'delivering', 'delivered', null, attempts, ${owner} from settled
      union all
      select id, asset_id, 'delivered', 'retracting', ${rightsExpiredReason}, attempts, ${owner} from settled where state = 'retracting'
    ), events as (
      insert into outbox (event_id, type, source, subject, data, created_at, traceparent, tracestate)
      select i.event_id, i.event_type, i.event_source, i.event_subject, i.event_data, i.event_time, i.traceparent, i.tracestate from input i join settled s on s.id = i.id
      on conflict (event_id) do nothing
    )
    select * from settled`.execute(db);
  return result.rows;
}

export async function saveCheckpoint(db: Kysely<DB>, id: string, owner: string, checkpoint: Record<string, unknown>): Promise<void> {
  await db.updateTable('publications').set({ checkpoint }).where('id', '=', id).where('lease_owner', '=', owner).execute();
}

/** Channels with work due at `now` (not held by a live lease), and how much. */
export async function channelsWithDueWork(db: Kysely<DB>, now: Date): Promise<{ channel_id: string; due: number }[]> {
  const rows = await db
    .selectFrom('publications')
    .select(['channel_id', sql<string>`count(*)`.as('due')])
    .where('due_at', '<=', now)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
    .groupBy('channel_id')
    .execute();
  return rows.map((r) => ({ channel_id: r.channel_id, due: Number(r.due) }));
}

/**
 * Claims up to `limit` due publications of one channel for `owner` until `now + leaseSeconds`. Deliveries move to
 * `delivering` (a delivery whose worker died is taken again as it stands: the adapter resumes from its checkpoint);
 * retractions stay `retracting`.
 */
export async function claimDue(db: Kysely<DB>, channelId: string, now: Date, owner: string, leaseSeconds: number, limit: number): Promise<Publication[]> {
  if (limit <= 0) return [];
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('publications')
      .select(['id', 'state'])
      .where('channel_id', '=', channelId)
      .where('due_at', '<=', now)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]))
      .orderBy('due_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    // one statement for the whole batch: retractions stay `retracting`, the rest become `delivering`
    const claimed = await trx
      .updateTable('publications')
      .set({
        state: sql<PublicationState>`case when state = 'retracting' then 'retracting' else 'delivering' end`,
        lease_owner: owner,
        lease_expires_at: new Date(now.getTime() + leaseSeconds * 1000),
        updated_at: new Date(),
      })
      .where('id', 'in', due.map((row) => row.id))
      .returningAll()
      .execute();
    const before = new Map(due.map((row) => [row.id, row.state]));
    const changed = claimed.filter((row) => before.get(row.id) !== row.state);
    if (changed.length) {
      await trx.insertInto('publication_events').values(changed.map((row) => ({ publication_id: row.id, asset_id: row.asset_id, from_state: before.get(row.id)!, to_state: row.state, reason: null, attempt: row.attempts, actor: owner }))).execute();
    }
    const order = new Map(due.map((row, index) => [row.id, index]));
    return claimed.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  });
}

/** Hands a claim back without counting an attempt (the breaker is open, the worker is stopping): due again at `dueAt`. */
export async function releaseClaim(db: Kysely<DB>, id: string, owner: string, dueAt: Date): Promise<void> {
  await db.updateTable('publications').set({ lease_owner: null, lease_expires_at: null, due_at: dueAt }).where('id', '=', id).where('lease_owner', '=', owner).execute();
}

/** Renews a lease a long delivery still holds; false when it was lost. */
export async function renewLease(db: Kysely<DB>, id: string, owner: string, until: Date): Promise<boolean> {
  const result = await db.updateTable('publications').set({ lease_expires_at: until }).where('id', '=', id).where('lease_owner', '=', owner).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Every publication transition of an asset, oldest first (the asset's history shows them). */
export async function publicationHistory(db: Kysely<DB>, assetId: string) {
  return db
    .selectFrom('publication_events')
    .innerJoin('publications', 'publications.id', 'publication_events.publication_id')
    .innerJoin('channels', 'channels.id', 'publications.channel_id')
    .select(['publication_events.id', 'publication_events.publication_id', 'publication_events.from_state', 'publication_events.to_state', 'publication_events.reason', 'publication_events.attempt', 'publication_events.actor', 'publication_events.occurred_at', 'publications.asset_version', 'channels.name as channel_name'])
    .where('publication_events.asset_id', '=', assetId)
    .orderBy('publication_events.id')
    .execute();
}

async function appendEvent(trx: Transaction<DB>, publication: Publication, from: string, to: string, reason: string | null, actor: string): Promise<void> {
  await trx.insertInto('publication_events').values({ publication_id: publication.id, asset_id: publication.asset_id, from_state: from, to_state: to, reason, attempt: publication.attempts, actor }).execute();
}

// Rules

export type RuleInput = Pick<DistributionRule, 'name' | 'delay_minutes' | 'enabled'> & { match: Record<string, unknown>; channel_ids: string[] };

export async function createRule(db: Kysely<DB>, id: string, projectId: string, rule: RuleInput, actor: string): Promise<DistributionRule> {
  return db.transaction().execute(async (trx) => {
    const created = await trx.insertInto('distribution_rules').values({ id, project_id: projectId, ...rule, version: 1 }).returningAll().executeTakeFirstOrThrow();
    await trx.insertInto('distribution_rule_versions').values({ rule_id: id, version: 1, data: rule, actor }).execute();
    return created;
  });
}

/** A new version of the rule (or its deletion), audited; undefined when it changed since `version` or is gone. */
export async function changeRule(db: Kysely<DB>, id: string, version: number, rule: RuleInput | 'deleted', actor: string): Promise<DistributionRule | undefined> {
  return db.transaction().execute(async (trx) => {
    const set = rule === 'deleted' ? { deleted_at: new Date() } : rule;
    const updated = await trx.updateTable('distribution_rules').set({ ...set, version: version + 1, updated_at: new Date() }).where('id', '=', id).where('version', '=', version).where('deleted_at', 'is', null).returningAll().executeTakeFirst();
    if (!updated) return undefined;
    await trx.insertInto('distribution_rule_versions').values({ rule_id: id, version: version + 1, data: rule === 'deleted' ? { deleted: true } : rule, actor }).execute();
    return updated;
  });
}

export async function findRule(db: Kysely<DB>, id: string): Promise<DistributionRule | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('distribution_rules').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function listRules(db: Kysely<DB>, projectId: string, options: { enabledOnly?: boolean } = {}): Promise<DistributionRule[]> {
  let query = db.selectFrom('distribution_rules').selectAll().where('project_id', '=', projectId).where('deleted_at', 'is', null);
  if (options.enabledOnly) query = query.where('enabled', '=', true);
  return query.orderBy('created_at').execute();
}

export async function ruleVersions(db: Kysely<DB>, ruleId: string) {
  return db.selectFrom('distribution_rule_versions').selectAll().where('rule_id', '=', ruleId).orderBy('version').execute();
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
