// People as clusters of face descriptors: each new face joins the most similar person or opens a new, unnamed
// one. An editor names a person once and every face of that cluster, past and future, carries the name.
// Plain data in, plain data out: the caller persists `PersonCluster` rows however it likes.
import { randomUUID } from 'node:crypto';

export interface PersonCluster {
  id: string;
  /** set by an editor; unnamed until then */
  name?: string;
  /** mean of the descriptors of the faces assigned to this person */
  centroid: number[];
  faceCount: number;
}

export interface FaceAssignment {
  personId: string;
  name?: string;
  /** similarity to the person's centroid before this face joined (1 for a new person) */
  similarity: number;
  created: boolean;
}

export interface PersonClustersOptions {
  /**
   * Minimum faceSimilarity() to join an existing person (default 0.6). Human's docs call 0.5 a match; on the
   * sample photos measured here two different people reached 0.54, and a wrong merge spreads a wrong name,
   * while a wrong split costs an editor one merge. So the default leans to splitting.
   */
  minSimilarity?: number;
  /** id for a new person (default: a random UUID) */
  newId?: () => string;
}

/**
 * Similarity of two face descriptors in 0..1, as @vladmandic/human's `match.similarity` computes it (Euclidean
 * distance with its default multiplier 25, normalised to the range 0.2..0.8 and clamped): 1 is the same face,
 * above 0.5 "can be considered a match" per its docs.
 */
export function faceSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`face descriptors differ in length: ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  if (sum === 0) return 1;
  const root = Math.sqrt(25 * sum) / 100;
  return Math.min(1, Math.max(0, (1 - root - 0.2) / 0.6));
}

export class PersonClusters {
  readonly #people = new Map<string, PersonCluster>();
  readonly #minSimilarity: number;
  readonly #newId: () => string;

  constructor(people: readonly PersonCluster[] = [], options: PersonClustersOptions = {}) {
    for (const person of people) this.#people.set(person.id, { ...person, centroid: [...person.centroid] });
    this.#minSimilarity = options.minSimilarity ?? 0.6;
    this.#newId = options.newId ?? randomUUID;
  }

  /** Puts a face with the most similar person at or above the threshold (moving that centroid), or a new person. */
  assign(descriptor: ArrayLike<number>): FaceAssignment {
    let best: PersonCluster | undefined;
    let bestSimilarity = -1;
    for (const person of this.#people.values()) {
      const similarity = faceSimilarity(person.centroid, descriptor);
      if (similarity > bestSimilarity) {
        best = person;
        bestSimilarity = similarity;
      }
    }
    if (best && bestSimilarity >= this.#minSimilarity) {
      best.faceCount += 1;
      for (let i = 0; i < best.centroid.length; i++) best.centroid[i]! += (descriptor[i]! - best.centroid[i]!) / best.faceCount;
      return { personId: best.id, name: best.name, similarity: bestSimilarity, created: false };
    }
    const person: PersonCluster = { id: this.#newId(), centroid: Array.from(descriptor), faceCount: 1 };
    this.#people.set(person.id, person);
    return { personId: person.id, similarity: 1, created: true };
  }

  /**
   * Takes one face out of its person (the inverse of assign: the centroid moves back, the count drops).
   * An unnamed person left with no face goes; a named one stays, with its last centroid. Unknown ids are ignored.
   */
  remove(personId: string, descriptor: ArrayLike<number>): void {
    const person = this.#people.get(personId);
    if (!person) return;
    const count = person.faceCount - 1;
    if (count <= 0 && !person.name) {
      this.#people.delete(personId);
      return;
    }
    if (count > 0) person.centroid = person.centroid.map((value, i) => (value * person.faceCount - descriptor[i]!) / count);
    person.faceCount = Math.max(0, count);
  }

  has(personId: string): boolean {
    return this.#people.has(personId);
  }

  /** Names (or, with undefined, unnames) a person: every face assigned to it now resolves to this name. */
  rename(personId: string, name: string | undefined): void {
    this.#get(personId).name = name?.trim() || undefined;
  }

  nameOf(personId: string): string | undefined {
    return this.#people.get(personId)?.name;
  }

  /**
   * An editor says two people are one: `mergedId`'s faces join `keptId` (centroids weighted by face count).
   * The kept name wins; if it has none, the merged one's name carries over. The caller repoints the merged
   * person's faces to `keptId` wherever it stores them.
   */
  merge(keptId: string, mergedId: string): PersonCluster {
    if (keptId === mergedId) throw new Error('cannot merge a person with itself');
    const kept = this.#get(keptId);
    const merged = this.#get(mergedId);
    const total = kept.faceCount + merged.faceCount;
    kept.centroid = kept.centroid.map((value, i) => (value * kept.faceCount + merged.centroid[i]! * merged.faceCount) / total);
    kept.faceCount = total;
    kept.name ??= merged.name;
    this.#people.delete(mergedId);
    return { ...kept, centroid: [...kept.centroid] };
  }

  /** A copy of every person, to persist. */
  list(): PersonCluster[] {
    return [...this.#people.values()].map((person) => ({ ...person, centroid: [...person.centroid] }));
  }

  #get(personId: string): PersonCluster {
    const person = this.#people.get(personId);
    if (!person) throw new Error(`unknown person: ${personId}`);
    return person;
  }
}

/** A face already stored: the person it was assigned to and its descriptor. */
export interface StoredFace {
  personId: string;
  descriptor: ArrayLike<number>;
}

export interface FacesReclustered {
  /** the person of each new face, in order */
  personIds: string[];
  /** every person whose centroid or count changed (new ones included), to save */
  changed: PersonCluster[];
  /** unnamed people left with no face, to delete */
  removed: string[];
}

/**
 * An asset's faces, clustered again: the faces it had before leave their people first (so running enrich again
 * never counts a face twice), then each new face joins a person of the project or opens a new one.
 */
export function reclusterFaces(
  people: readonly PersonCluster[],
  previous: readonly StoredFace[],
  faces: readonly ArrayLike<number>[],
  options: PersonClustersOptions = {},
): FacesReclustered {
  const clusters = new PersonClusters(people, options);
  const touched = new Set<string>();
  for (const face of previous) {
    clusters.remove(face.personId, face.descriptor);
    touched.add(face.personId);
  }
  const personIds = faces.map((descriptor) => clusters.assign(descriptor).personId);
  for (const id of personIds) touched.add(id);
  return {
    personIds,
    changed: clusters.list().filter((person) => touched.has(person.id)),
    removed: [...touched].filter((id) => !clusters.has(id) && people.some((person) => person.id === id)),
  };
}
