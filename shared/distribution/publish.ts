// Publishing as plain functions the HTTP routes, the rule handler and the worker call: the one publishability guard,
// requesting a publication (exactly once per asset version and channel), retracting, redriving a dead letter,
// and matching rules against an asset.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { listRenditions } from '../db/assets.ts';
import { type NewPublication, changePublication, requestPublications } from '../db/distribution.ts';
import { collectionIdsOf } from '../db/collections.ts';
import { listLabels } from '../db/enrichment.ts';
import type { Asset, ChannelRow, DB, DistributionRule, Publication } from '../db/schema.ts';
import { rightsExpired } from '../domain/metadata-schema.ts';
import { EVENT_SOURCE } from '../events/catalog.ts';
import { type EventEnvelope, newEvent } from '../events/envelope.ts';
import { type RuleFacts, type RuleMatch, needsCollections, needsLabels, ruleMatches } from './rules.ts';

export const DISTRIBUTION_EVENTS = {
  requested: 'io.mediateca.distribution.requested',
  delivered: 'io.mediateca.distribution.delivered',
  failed: 'io.mediateca.distribution.failed',
  retracted: 'io.mediateca.distribution.retracted',
} as const;

/**
 * Why this asset may not be published at `at`, or undefined when it may. The one guard: only approved (the editorial
 * lifecycle, shared/domain/editorial.ts), ready assets that are not deleted and whose rights have not expired by then
 * (the rights-expired event recorded, or the rightsExpiry day begun at `at`: the sweep may not have run yet).
 */
export function publishProblem(asset: Pick<Asset, 'deleted_at' | 'state' | 'editorial_state' | 'rights_expired_at' | 'fields'>, at: Date): string | undefined {
  if (asset.deleted_at) return 'the asset is deleted';
  if (asset.state !== 'ready') return `the asset is ${asset.state}; only ready assets are published`;
  if (asset.editorial_state !== 'approved') return `the asset is ${asset.editorial_state.replace('_', ' ')}; only approved assets are published`;
  if (rightsExpiredAt(asset, at)) return RIGHTS_EXPIRED;
  return undefined;
}

/** The reason of every refusal and retraction for rights expiry. */
export const RIGHTS_EXPIRED = 'rights expired';

export function rightsExpiredAt(asset: Pick<Asset, 'rights_expired_at' | 'fields'>, at: Date): boolean {
  return Boolean(asset.rights_expired_at) || rightsExpired(asset.fields ?? {}, at);
}

export class PublishRefused extends Error {}

export interface PublishRequest {
  at?: Date;
  /** overrides the channel's renditions for this publication */
  renditions?: string[];
  actor: string;
  ruleId?: string;
  now: Date;
}

/** Creates the publication of this asset version on this channel, or finds the one already there (`created: false`). */
export async function publish(db: Kysely<DB>, asset: Asset, channel: ChannelRow, request: PublishRequest): Promise<{ publication: Publication; created: boolean }> {
  const [result] = await publishAll(db, asset, [{ channel, request }]);
  if (result!.refused) throw new PublishRefused(result!.refused);
  return result as { publication: Publication; created: boolean };
}

/**
 * Publishes one asset to several channels in one transaction (an approval that rules send to several channels): one
 * commit instead of one per channel. A channel the asset cannot go to (a missing rendition) is answered `refused`
 * and the others go on; an asset that may not be published at all throws PublishRefused.
 */
export async function publishAll(db: Kysely<DB>, asset: Asset, targets: { channel: ChannelRow; request: PublishRequest }[]): Promise<({ publication: Publication; created: boolean; refused?: undefined } | { refused: string; channel: ChannelRow })[]> {
  const problem = publishProblem(asset, targets[0]?.request.now ?? new Date());
  if (problem) throw new PublishRefused(problem);
  const wanted = targets.map(({ channel, request }) => request.renditions ?? (channel.renditions.length ? channel.renditions : ['original']));
  // the renditions are read only when a channel takes more than the original (an approval to plain channels: no read)
  const available = new Set(['original', ...(wanted.flat().some((name) => name !== 'original') ? (await listRenditions(db, asset.id)).map((r) => r.name) : [])]);
  const answers: ({ publication: Publication; created: boolean; refused?: undefined } | { refused: string; channel: ChannelRow })[] = [];
  const requests: { publication: NewPublication; events: EventEnvelope<unknown>[] }[] = [];
  const slots: number[] = [];
  for (const [index, { channel, request }] of targets.entries()) {
    const renditions = wanted[index]!;
    const missing = renditions.filter((name) => !available.has(name));
    if (missing.length) {
      answers.push({ refused: `the asset has no ${missing.join(', ')} (it has ${[...available].join(', ')})`, channel });
      continue;
    }
    const notBefore = request.at && request.at > request.now ? request.at : request.now;
    if (rightsExpiredAt(asset, notBefore)) {
      answers.push({ refused: `the asset's rights expire (${asset.fields?.rightsExpiry}) before ${notBefore.toISOString()}`, channel });
      continue;
    }
    const id = randomUUID();
    const idempotencyKey = `${asset.id}.v${asset.version}.${channel.id}`;
    const state = notBefore > request.now ? 'scheduled' : 'pending';
    slots.push(answers.length);
    answers.push(undefined as never);
    requests.push({
      publication: { id, project_id: asset.project_id, asset_id: asset.id, asset_version: asset.version, channel_id: channel.id, idempotency_key: idempotencyKey, requested_by: request.actor, rule_id: request.ruleId ?? null, not_before: notBefore, state, renditions },
      events: [newEvent(DISTRIBUTION_EVENTS.requested, EVENT_SOURCE, { ...publicationRef({ id, asset_id: asset.id, project_id: asset.project_id, asset_version: asset.version, channel_id: channel.id }), notBefore: notBefore.toISOString(), renditions }, asset.id)],
    });
  }
  const results = await requestPublications(db, requests);
  results.forEach((result, index) => { answers[slots[index]!] = result; });
  return answers;
}

/**
 * Retracts a publication: one that never went out is settled at once; a delivered one moves to `retracting` and the
 * worker removes it from the channel. Undefined when its state does not allow it (delivering: try again shortly).
 */
export async function retract(db: Kysely<DB>, publication: Publication, actor: string, reason: string, now: Date): Promise<Publication | undefined> {
  if (['scheduled', 'pending', 'failed'].includes(publication.state)) {
    return changePublication(db, publication.id, {
      from: ['scheduled', 'pending', 'failed'],
      to: 'retracted',
      actor,
      reason,
      set: { due_at: null, retracted_at: now },
      events: [retractedEvent(publication, reason)],
    });
  }
  return changePublication(db, publication.id, { from: ['delivered'], to: 'retracting', actor, reason, set: { due_at: now, attempts: 0, last_error: null } });
}

/** A dead letter goes back to the queue with its attempts reset. */
export function redrive(db: Kysely<DB>, publication: Publication, actor: string, now: Date): Promise<Publication | undefined> {
  return changePublication(db, publication.id, { from: ['failed'], to: 'pending', actor, reason: 'redriven', set: { due_at: now, attempts: 0 } });
}

export function publicationRef(p: Pick<Publication, 'id' | 'asset_id' | 'project_id' | 'asset_version' | 'channel_id'>) {
  return { publicationId: p.id, assetId: p.asset_id, projectId: p.project_id, version: p.asset_version, channelId: p.channel_id };
}

export function retractedEvent(publication: Publication, reason: string) {
  return newEvent(DISTRIBUTION_EVENTS.retracted, EVENT_SOURCE, { ...publicationRef(publication), reason }, publication.asset_id);
}

/** The rules (of the asset's project) the asset matches; its labels and collections are read once, and only when a rule asks. */
export async function rulesMatching(db: Kysely<DB>, rules: DistributionRule[], asset: Asset): Promise<DistributionRule[]> {
  const matches = rules.map((rule) => rule.match as RuleMatch);
  const facts: RuleFacts = { mediaType: asset.media_type, tags: asset.tags, fields: asset.fields ?? {} };
  const [labels, collections] = await Promise.all([
    matches.some(needsLabels) ? listLabels(db, asset.id) : undefined,
    matches.some(needsCollections) ? collectionIdsOf(db, asset.id) : undefined,
  ]);
  if (labels) facts.acceptedLabels = new Set(labels.filter((l) => l.status === 'accepted').map((l) => l.label));
  if (collections) facts.collectionIds = new Set(collections);
  return rules.filter((_, index) => ruleMatches(matches[index]!, facts));
}
