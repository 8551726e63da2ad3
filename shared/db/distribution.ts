// Channels, publications and publishing rules. A publication is one (asset version, channel): the unique key makes
// a repeated request or a redelivered event find the existing row instead of publishing again. Workers claim due
// publications with FOR UPDATE SKIP LOCKED under a lease; every state change appends to publication_events and
// writes its outbox events in the same transaction.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { EventEnvelope } from '../events/envelope.ts';
import { enqueue } from './outbox.ts';
import type { Asset, ChannelRow, DB, DistributionRule, Publication, PublicationState, Rendition } from './schema.ts';

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

/** The channels of the project among `ids` (a rule's channels); none read when there are none. */
export async function findChannels(db: Kysely<DB>, projectId: string, ids: string[]): Promise<ChannelRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('channels').selectAll().where('project_id', '=', projectId).where('id', 'in', [...new Set(ids)]).execute();
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
 * Several publications (an approval matching rules for several channels) in one statement, each as
 * requestPublication: the rows inserted, their history rows and their events together (one round trip, one commit,
 * whatever the batch's size), and the ones that existed already read beside them.
 */
export async function requestPublications(db: Kysely<DB>, requests: { publication: NewPublication; events: EventEnvelope<unknown>[] }[], retried = false): Promise<{ publication: Publication; created: boolean }[]> {
  if (requests.length === 0) return [];
  const input = JSON.stringify(requests.map(({ publication: p }) => ({ ...p, not_before: p.not_before.toISOString() })));
  const events = JSON.stringify(requests.flatMap(({ publication, events }) => events.map((e) => ({
    publication_id: publication.id, event_id: e.id, type: e.type, source: e.source, subject: e.subject ?? null, data: e.data, created_at: e.time, traceparent: e.traceparent ?? null, tracestate: e.tracestate ?? null,
  }))));
  const { rows } = await sql<Publication & { created: boolean }>`
    with input as (
      select * from jsonb_to_recordset(${input}::text::jsonb) as i(id uuid, project_id text, asset_id uuid, asset_version integer, channel_id uuid, idempotency_key text, renditions text[], requested_by text, rule_id uuid, not_before timestamptz, state text)
    ), inserted as (
      insert into publications (id, project_id, asset_id, asset_version, channel_id, idempotency_key, renditions, requested_by, rule_id, not_before, state, due_at, checkpoint)
      select id, project_id, asset_id, asset_version, channel_id, idempotency_key, renditions, requested_by, rule_id, not_before, state, not_before, '{}'::jsonb from input
      on conflict (channel_id, asset_id, asset_version) do nothing
      returning *
    ), history as (
      insert into publication_events (publication_id, asset_id, from_state, to_state, reason, attempt, actor)
      select id, asset_id, 'requested', state, null, attempts, requested_by from inserted
    ), events as (
      insert into outbox (event_id, type, source, subject, data, created_at, traceparent, tracestate)
      select e.event_id, e.type, e.source, e.subject, e.data, e.created_at, e.traceparent, e.tracestate
      from jsonb_to_recordset(${events}::text::jsonb) as e(publication_id uuid, event_id text, type text, source text, subject text, data jsonb, created_at timestamptz, traceparent text, tracestate text)
      where e.publication_id in (select id from inserted)
      on conflict (event_id) do nothing
    )
    select inserted.*, true as created from inserted
    union all
    select p.*, false as created from publications p join input i on (p.channel_id, p.asset_id, p.asset_version) = (i.channel_id, i.asset_id, i.asset_version)`.execute(db);
  const answers = requests.map(({ publication }) => {
    const inserted = rows.find((row) => row.created && row.id === publication.id);
    if (inserted) return { publication: withoutCreated(inserted), created: true };
    const match = rows.find((row) => !row.created && row.channel_id === publication.channel_id && row.asset_id === publication.asset_id && row.asset_version === publication.asset_version);
    return match && { publication: withoutCreated(match), created: false };
  });
  const missing = requests.filter((_, index) => !answers[index]);
  if (missing.length === 0) return answers as { publication: Publication; created: boolean }[];
  // Requested at the same moment by another transaction: the conflict waited for its commit, but this statement's
  // snapshot is older than that row. A second statement reads it.
  if (retried) throw new Error(`publication of ${missing[0]!.publication.asset_id} on ${missing[0]!.publication.channel_id} neither created nor found`);
  const again = await requestPublications(db, missing, true);
  return answers.map((answer) => answer ?? again.shift()!);
}

function withoutCreated({ created: _, ...publication }: Publication & { created: boolean }): Publication {
  return publication;
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

/** The channels with work due at `now` (not held by a live lease), read whole in one statement. */
export async function channelsWithDueWork(db: Kysely<DB>, now: Date): Promise<ChannelRow[]> {
  return db
    .selectFrom('channels')
    .selectAll()
    .where('id', 'in', (eb) => eb
      .selectFrom('publications')
      .select('channel_id')
      .where('due_at', '<=', now)
      .where((w) => w.or([w('lease_expires_at', 'is', null), w('lease_expires_at', '<', now)])))
    .execute();
}

/** What a delivery sends, read with its claim: the asset's fields the sidecar and the guard need, its renditions, its metadata. */
export interface DeliverySource {
  asset: Pick<Asset, 'id' | 'project_id' | 'state' | 'editorial_state' | 'deleted_at' | 'rights_expired_at' | 'fields' | 'storage_key' | 'content_type' | 'size_bytes' | 'title' | 'description' | 'tags' | 'media_type' | 'filename'>;
  renditions: Pick<Rendition, 'name' | 'storage_key' | 'content_type' | 'size_bytes'>[];
  metadata: Record<string, Record<string, unknown>>;
}

/** A claimed publication; a delivery comes with its source (absent when the asset no longer exists). */
export type ClaimedPublication = Publication & { source?: DeliverySource };

/**
 * Claims up to `limit` due publications of one channel for `owner` until `now + leaseSeconds`, in one statement.
 * Deliveries move to `delivering` (a delivery whose worker died is taken again as it stands: the adapter resumes from
 * its checkpoint) and come with their asset, renditions and metadata; retractions stay `retracting`.
 */
export async function claimDue(db: Kysely<DB>, channelId: string, now: Date, owner: string, leaseSeconds: number, limit: number): Promise<ClaimedPublication[]> {
  if (limit <= 0) return [];
  const until = new Date(now.getTime() + leaseSeconds * 1000);
  const { rows } = await sql<Publication & { source_asset: Record<string, unknown> | null; source_renditions: DeliverySource['renditions'] | null; source_metadata: DeliverySource['metadata'] | null }>`
    with due as (
      select id, state from publications
      where channel_id = ${channelId} and due_at <= ${now}::timestamptz and (lease_expires_at is null or lease_expires_at < ${now}::timestamptz)
      order by due_at limit ${limit}
      for update skip locked
    ), claimed as (
      update publications p set
        state = case when p.state = 'retracting' then 'retracting' else 'delivering' end,
        lease_owner = ${owner}, lease_expires_at = ${until}::timestamptz, updated_at = now()
      from due where p.id = due.id
      returning p.*, due.state as claimed_from
    ), history as (
      insert into publication_events (publication_id, asset_id, from_state, to_state, reason, attempt, actor)
      select id, asset_id, claimed_from, state, null, attempts, ${owner} from claimed where claimed_from <> state
    )
    select c.*,
      case when c.state = 'delivering' then (
        select jsonb_build_object('id', a.id, 'project_id', a.project_id, 'state', a.state, 'editorial_state', a.editorial_state, 'deleted_at', a.deleted_at,
          'rights_expired_at', a.rights_expired_at, 'fields', a.fields, 'storage_key', a.storage_key, 'content_type', a.content_type, 'size_bytes', a.size_bytes,
          'title', a.title, 'description', a.description, 'tags', a.tags, 'media_type', a.media_type, 'filename', a.filename)
        from assets a where a.id = c.asset_id) end as source_asset,
      case when c.state = 'delivering' then (
        select coalesce(jsonb_agg(jsonb_build_object('name', r.name, 'storage_key', r.storage_key, 'content_type', r.content_type, 'size_bytes', r.size_bytes)), '[]'::jsonb)
        from renditions r where r.asset_id = c.asset_id) end as source_renditions,
      case when c.state = 'delivering' then (select coalesce(jsonb_object_agg(m.kind, m.data), '{}'::jsonb) from asset_metadata m where m.asset_id = c.asset_id) end as source_metadata
    from claimed c order by c.due_at`.execute(db);
  return rows.map(({ source_asset, source_renditions, source_metadata, claimed_from: _, ...publication }: typeof rows[number] & { claimed_from?: string }) => {
    if (!source_asset) return publication;
    const asset = source_asset as unknown as DeliverySource['asset'] & { deleted_at: string | null; rights_expired_at: string | null };
    return {
      ...publication,
      source: {
        asset: { ...asset, deleted_at: asset.deleted_at ? new Date(asset.deleted_at) : null, rights_expired_at: asset.rights_expired_at ? new Date(asset.rights_expired_at) : null },
        renditions: source_renditions ?? [],
        metadata: source_metadata ?? {},
      },
    };
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
