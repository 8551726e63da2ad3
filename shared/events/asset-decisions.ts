// Writes the asset aggregate's decisions (shared/domain/asset-commands.ts) through the asset repository: the row's
// new fields, the history entry and the decision's events as catalog envelopes, in one transaction, at the version
// the command was decided on. Here rather than in shared/db because the envelopes are this folder's (db → events
// would be a cycle).
import type { Kysely } from 'kysely';
import { type AssetChange, changeAsset, columnsOf } from '../db/assets.ts';
import type { Asset, DB } from '../db/schema.ts';
import type { AssetEvent, Decision } from '../domain/asset-commands.ts';
import { EVENT_SOURCE, type EventData, type EventType } from './catalog.ts';
import { type EventEnvelope, newEvent } from './envelope.ts';

export interface RecordOptions {
  actor: string;
  /** the version the decision was made on: the asset's own unless the caller read it earlier (If-Match) */
  expectedVersion?: number;
  alsoInTransaction?: AssetChange['alsoInTransaction'];
}

/** Runs in the caller's transaction when given one; a stale version throws ConcurrentModification and writes nothing. */
export async function recordDecision(db: Kysely<DB>, asset: Asset, decision: Decision, options: RecordOptions): Promise<Asset> {
  return changeAsset(db, asset, {
    expectedVersion: options.expectedVersion ?? asset.version,
    set: columnsOf(decision.changes),
    history: { ...decision.history, actor: options.actor },
    events: (version) => decision.events.map((event) => catalogEvent(event, { assetId: asset.id, projectId: asset.project_id, version })),
    alsoInTransaction: options.alsoInTransaction,
  });
}

type AssetRef = { assetId: string; projectId: string; version: number };
// Compile-time proof that every event the aggregate emits, with the asset reference, is its catalog type's data.
type Conforms<E> = E extends { type: infer T extends EventType; data: infer D } ? (D & AssetRef extends EventData<T> ? true : false) : false;
const aggregateEventsConform: false extends Conforms<AssetEvent> ? never : true = true;
void aggregateEventsConform;

function catalogEvent(event: AssetEvent, ref: AssetRef): EventEnvelope<unknown> {
  // the union is checked member by member above; newEvent validates the data again at run time
  return newEvent(event.type, EVENT_SOURCE, { ...event.data, ...ref } as EventData<typeof event.type>, ref.assetId);
}
