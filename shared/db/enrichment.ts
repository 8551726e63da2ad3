// What enrich finds about an asset: object labels (suggestions an editor decides on), faces grouped into
// people per project, and the asset's embedding. OCR text and transcripts live in asset_metadata ('ai').
import { randomUUID } from 'node:crypto';
import { type Kysely, type Transaction, sql } from 'kysely';
import type { EventEnvelope } from '../events/envelope.ts';
import { enqueue } from './outbox.ts';
import type { DB, LabelStatus } from './schema.ts';

type Box = { x: number; y: number; width: number; height: number };

export interface LabelFinding {
  label: string;
  confidence: number;
  detections: { box: Box; time?: number; confidence: number }[];
}

/**
 * Replaces the model's suggestions for an asset. A label an editor accepted or rejected keeps that decision
 * (its confidence and boxes are refreshed); a suggestion the model no longer makes goes away.
 */
export async function saveLabels(db: Kysely<DB>, assetId: string, model: string, labels: LabelFinding[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    let stale = trx.deleteFrom('ai_labels').where('asset_id', '=', assetId).where('status', '=', 'suggested');
    if (labels.length) stale = stale.where('label', 'not in', labels.map((l) => l.label));
    await stale.execute();
    for (const { label, confidence, detections } of labels) {
      await trx
        .insertInto('ai_labels')
        .values({ asset_id: assetId, label, confidence, detections, model })
        .onConflict((oc) => oc.columns(['asset_id', 'label']).doUpdateSet({ confidence, detections, model, updated_at: sql`now()` }))
        .execute();
    }
  });
}

export async function listLabels(db: Kysely<DB>, assetId: string) {
  return db.selectFrom('ai_labels').selectAll().where('asset_id', '=', assetId).orderBy('confidence', 'desc').orderBy('label').execute();
}

/** An editor accepts or rejects a label (or sets it back to suggested); undefined when the asset has no such label. */
export async function decideLabel(db: Kysely<DB>, assetId: string, label: string, status: LabelStatus, actor: string) {
  return db
    .updateTable('ai_labels')
    .set({ status, decided_by: status === 'suggested' ? null : actor, updated_at: sql`now()` })
    .where('asset_id', '=', assetId)
    .where('label', '=', label)
    .returningAll()
    .executeTakeFirst();
}

export interface FaceFinding {
  box: Box;
  time?: number;
  confidence: number;
  descriptor: ArrayLike<number>;
}

/** A person as the clustering sees it. */
export interface PersonCentroid {
  id: string;
  name?: string;
  centroid: number[];
  faceCount: number;
}

/**
 * Where an asset's faces go, decided outside the repository (shared/ai/vision/face-clusters.ts reclusterFaces):
 * given the project's people and the asset's previous faces, the person of each new face, the people to save
 * and the people to delete.
 */
export type FaceClustering = (
  people: PersonCentroid[],
  previous: { personId: string; descriptor: number[] }[],
  faces: ArrayLike<number>[],
) => { personIds: string[]; changed: PersonCentroid[]; removed: string[] };

/**
 * Replaces the faces of an asset, each put with a person by `cluster`. One asset of a project at a time
 * (advisory lock): two jobs clustering in parallel would each open a new person for the same face.
 */
export async function replaceFaces(db: Kysely<DB>, projectId: string, assetId: string, faces: FaceFinding[], cluster: FaceClustering): Promise<void> {
  return db.transaction().execute(async (trx) => {
    // Deleted while enrich looked at it: its faces must not join anyone (the delete took the old ones out).
    const asset = await trx.selectFrom('assets').select('state').where('id', '=', assetId).executeTakeFirst();
    await reassignFaces(trx, projectId, assetId, !asset || asset.state === 'deleted' ? [] : faces, cluster);
  });
}

/**
 * A deleted asset's faces leave their people (counts and centroids); an unnamed person left with no face goes,
 * a named one stays but is no longer listed. Runs in the transaction that deletes the asset.
 */
export async function removeAssetFaces(trx: Transaction<DB>, projectId: string, assetId: string, cluster: FaceClustering): Promise<void> {
  await reassignFaces(trx, projectId, assetId, [], cluster);
}

async function reassignFaces(trx: Transaction<DB>, projectId: string, assetId: string, faces: FaceFinding[], cluster: FaceClustering): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`persons:${projectId}`}))`.execute(trx);
  const previous = await trx.deleteFrom('faces').where('asset_id', '=', assetId).returning(['person_id as personId', 'descriptor']).execute();
  const people = await trx.selectFrom('persons').selectAll().where('project_id', '=', projectId).execute();
  const { personIds, changed, removed } = cluster(
    people.map((p) => ({ id: p.id, name: p.name ?? undefined, centroid: p.centroid, faceCount: p.face_count })),
    previous,
    faces.map((face) => face.descriptor),
  );
  if (removed.length) await trx.deleteFrom('persons').where('id', 'in', removed).execute();
  for (const person of changed) {
    await trx
      .insertInto('persons')
      .values({ id: person.id, project_id: projectId, centroid: person.centroid, face_count: person.faceCount })
      .onConflict((oc) => oc.column('id').doUpdateSet({ centroid: person.centroid, face_count: person.faceCount, updated_at: sql`now()` }))
      .execute();
  }
  for (const [i, face] of faces.entries()) {
    await trx
      .insertInto('faces')
      .values({ id: randomUUID(), asset_id: assetId, person_id: personIds[i]!, box: face.box, time: face.time ?? null, confidence: face.confidence, descriptor: Array.from(face.descriptor) })
      .execute();
  }
}

/** The faces of an asset with their person's name, by time in the video, then most certain first. */
export async function listFaces(db: Kysely<DB>, assetId: string) {
  return db
    .selectFrom('faces')
    .innerJoin('persons', 'persons.id', 'faces.person_id')
    .select(['faces.id', 'faces.person_id as personId', 'persons.name', 'faces.box', 'faces.time', 'faces.confidence'])
    .where('faces.asset_id', '=', assetId)
    .orderBy('faces.time')
    .orderBy('faces.confidence', 'desc')
    .execute();
}

export async function listPersons(db: Kysely<DB>, projectIds: string[]) {
  if (projectIds.length === 0) return [];
  return db
    .selectFrom('persons')
    .select(['id', 'project_id as projectId', 'name', 'face_count as faceCount', 'created_at as createdAt'])
    .where('project_id', 'in', projectIds)
    .where('face_count', '>', 0)
    .orderBy('face_count', 'desc')
    .orderBy('id')
    .execute();
}

export async function findPerson(db: Kysely<DB>, personId: string) {
  return db.selectFrom('persons').select(['id', 'project_id as projectId', 'name', 'face_count as faceCount', 'created_at as createdAt']).where('id', '=', personId).executeTakeFirst();
}

/** Names a person (null unnames), with the events that say so in the same transaction. */
export async function renamePerson(db: Kysely<DB>, personId: string, name: string | null, events: EventEnvelope<unknown>[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('persons').set({ name, updated_at: sql`now()` }).where('id', '=', personId).execute();
    await enqueue(trx, events);
  });
}

/**
 * An editor says two people of a project are one: every face of `mergedId` moves to `keptId`, whose centroid,
 * count and name `merge` decides (shared/ai/vision/face-clusters.ts PersonClusters.merge), and `mergedId` goes;
 * with the events that say so, in one transaction under the project's people lock (enrich may be clustering).
 * Answers the kept person as saved, or undefined when either person is no longer in the project.
 */
export async function mergePersons(
  db: Kysely<DB>,
  projectId: string,
  keptId: string,
  mergedId: string,
  merge: (kept: PersonCentroid, merged: PersonCentroid) => PersonCentroid,
  events: EventEnvelope<unknown>[],
): Promise<PersonCentroid | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`persons:${projectId}`}))`.execute(trx);
    const rows = await trx.selectFrom('persons').selectAll().where('project_id', '=', projectId).where('id', 'in', [keptId, mergedId]).execute();
    const [kept, merged] = [keptId, mergedId].map((id) => rows.find((row) => row.id === id));
    if (!kept || !merged) return undefined;
    const asCentroid = (row: typeof kept) => ({ id: row.id, name: row.name ?? undefined, centroid: row.centroid, faceCount: row.face_count });
    const result = merge(asCentroid(kept), asCentroid(merged));
    await trx.updateTable('faces').set({ person_id: keptId }).where('person_id', '=', mergedId).execute();
    await trx.updateTable('persons').set({ centroid: result.centroid, face_count: result.faceCount, name: result.name ?? null, updated_at: sql`now()` }).where('id', '=', keptId).execute();
    await trx.deleteFrom('persons').where('id', '=', mergedId).execute();
    await enqueue(trx, events);
    return result;
  });
}

/** Assets showing the person (for re-indexing them when the person is named). */
export async function assetIdsWithPerson(db: Kysely<DB>, personId: string): Promise<string[]> {
  const rows = await db.selectFrom('faces').select('asset_id').distinct().where('person_id', '=', personId).execute();
  return rows.map((r) => r.asset_id);
}

export async function saveEmbedding(db: Kysely<DB>, assetId: string, model: string, vector: number[]): Promise<void> {
  await db
    .insertInto('asset_embeddings')
    .values({ asset_id: assetId, model, vector })
    .onConflict((oc) => oc.column('asset_id').doUpdateSet({ model, vector, updated_at: sql`now()` }))
    .execute();
}

export async function findEmbedding(db: Kysely<DB>, assetId: string): Promise<{ model: string; vector: number[] } | undefined> {
  return db.selectFrom('asset_embeddings').select(['model', 'vector']).where('asset_id', '=', assetId).executeTakeFirst();
}
