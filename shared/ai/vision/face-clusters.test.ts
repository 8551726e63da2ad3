import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { faceSimilarity, PersonClusters, reclusterFaces, type PersonCluster } from './face-clusters.ts';

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

/**
 * Synthetic 1024-value descriptors shaped like FaceRes output (non-negative, Euclidean norm ≈ 13): one base
 * vector per person, and each "photo" of that person is the base plus a little noise.
 */
function person(seed: number): (photo: number) => Float32Array {
  const next = random(seed);
  const base = Float32Array.from({ length: 1024 }, () => next() * 0.8);
  return (photo) => {
    const noise = random(seed * 1000 + photo);
    return base.map((value) => Math.max(0, value + (noise() - 0.5) * 0.15));
  };
}

function sequentialIds(): () => string {
  let n = 0;
  return () => `person-${++n}`;
}

describe('faceSimilarity (human’s match.similarity)', () => {
  test('identical descriptors are 1, the same person is high, different people are low', () => {
    const ana = person(1);
    const luis = person(2);
    assert.equal(faceSimilarity(ana(1), ana(1)), 1);
    assert.ok(faceSimilarity(ana(1), ana(2)) > 0.8, `${faceSimilarity(ana(1), ana(2))}`);
    assert.ok(faceSimilarity(ana(1), luis(1)) < 0.5, `${faceSimilarity(ana(1), luis(1))}`);
  });

  test('matches human’s formula at known distances (multiplier 25, range 0.2..0.8)', () => {
    const zero = new Array(4).fill(0);
    // Euclidean distance 10 → root 0.5 → (1 - 0.5 - 0.2) / 0.6 = 0.5, human's documented match boundary
    assert.ok(Math.abs(faceSimilarity(zero, [5, 5, 5, 5]) - 0.5) < 1e-12);
    assert.ok(Math.abs(faceSimilarity(zero, [4.4, 4.4, 4.4, 4.4]) - 0.6) < 1e-12); // distance 8.8: the clustering default
    assert.equal(faceSimilarity(zero, [10, 10, 10, 10]), 0); // clamped
  });

  test('descriptors of different lengths are a programming error', () => {
    assert.throws(() => faceSimilarity([1, 2], [1, 2, 3]), /differ in length/);
  });
});

describe('PersonClusters', () => {
  test('photos of one person join one cluster; another person opens a new one', () => {
    const ana = person(1);
    const luis = person(2);
    const people = new PersonClusters([], { newId: sequentialIds() });

    const first = people.assign(ana(1));
    assert.deepEqual(first, { personId: 'person-1', similarity: 1, created: true });
    for (const photo of [2, 3, 4]) {
      const assignment = people.assign(ana(photo));
      assert.equal(assignment.personId, 'person-1');
      assert.equal(assignment.created, false);
      assert.ok(assignment.similarity >= 0.6);
    }
    const other = people.assign(luis(1));
    assert.equal(other.personId, 'person-2');
    assert.equal(other.created, true);
    assert.equal(people.assign(luis(2)).personId, 'person-2');

    assert.deepEqual(people.list().map((p) => [p.id, p.faceCount]), [['person-1', 4], ['person-2', 2]]);
  });

  test('each face goes to the most similar person, not the first one above the threshold', () => {
    const ana = person(1);
    const people = new PersonClusters(
      [
        { id: 'near', centroid: Array.from(ana(1)), faceCount: 1 },
        // between ana and a stranger: still above the threshold for ana's photos, but further than "near"
        { id: 'far', centroid: Array.from(ana(1)).map((value, i) => (i % 8 === 0 ? value + 0.6 : value)), faceCount: 1 },
      ],
      { minSimilarity: 0.1 },
    );
    assert.equal(people.assign(ana(2)).personId, 'near');
  });

  test('the centroid is the mean of the faces assigned', () => {
    const people = new PersonClusters([], { newId: sequentialIds(), minSimilarity: 0.1 });
    people.assign([1, 1, 1]);
    people.assign([1.2, 1, 0.9]);
    people.assign([1.1, 1, 0.8]);
    const [cluster] = people.list();
    assert.equal(cluster!.faceCount, 3);
    cluster!.centroid.forEach((value, i) => assert.ok(Math.abs(value - [1.1, 1, 0.9][i]!) < 1e-12, `${i}: ${value}`));
  });

  test('naming a person once names all its faces, past and future', () => {
    const ana = person(1);
    const people = new PersonClusters([], { newId: sequentialIds() });
    const faces = [1, 2, 3].map((photo) => people.assign(ana(photo)).personId);
    people.rename(faces[0]!, '  Ana García ');
    for (const personId of faces) assert.equal(people.nameOf(personId), 'Ana García');
    const later = people.assign(ana(9));
    assert.equal(later.personId, faces[0]);
    assert.equal(later.name, 'Ana García');
    people.rename(faces[0]!, '');
    assert.equal(people.nameOf(faces[0]!), undefined);
    assert.throws(() => people.rename('nobody', 'X'), /unknown person: nobody/);
  });

  test('merging two people (an editor says they are one) pools faces, centroid and name', () => {
    const people = new PersonClusters(
      [
        { id: 'a', centroid: [0, 0], faceCount: 3 },
        { id: 'b', name: 'Luis', centroid: [4, 8], faceCount: 1 },
      ],
      { newId: sequentialIds() },
    );
    const merged = people.merge('a', 'b');
    assert.deepEqual(merged, { id: 'a', name: 'Luis', centroid: [1, 2], faceCount: 4 });
    assert.deepEqual(people.list().map((p) => p.id), ['a']);
    assert.throws(() => people.merge('a', 'a'), /itself/);
    assert.throws(() => people.merge('a', 'b'), /unknown person: b/);
  });

  test('persisted clusters round-trip and are not shared with the caller', () => {
    const saved: PersonCluster[] = [{ id: 'x', name: 'Eva', centroid: Array.from(person(3)(1)), faceCount: 5 }];
    const people = new PersonClusters(saved, { newId: sequentialIds() });
    const assignment = people.assign(person(3)(2));
    assert.deepEqual([assignment.personId, assignment.name, assignment.created], ['x', 'Eva', false]);
    assert.equal(saved[0]!.faceCount, 5, 'the input rows are not mutated');
    assert.equal(people.list()[0]!.faceCount, 6);
    people.list()[0]!.centroid[0] = 99;
    assert.notEqual(people.list()[0]!.centroid[0], 99);
  });

  test('a stricter threshold splits what a looser one merges', () => {
    const ana = person(1);
    const noisy = ana(1).map((value, i) => (i % 3 === 0 ? value + 0.35 : value)); // a poor photo of Ana
    const loose = new PersonClusters([], { newId: sequentialIds(), minSimilarity: 0.3 });
    const strict = new PersonClusters([], { newId: sequentialIds(), minSimilarity: 0.95 });
    for (const people of [loose, strict]) people.assign(ana(1));
    const similarity = faceSimilarity(ana(1), noisy);
    assert.ok(similarity > 0.3 && similarity < 0.95, `${similarity}`);
    assert.equal(loose.assign(noisy).created, false);
    assert.equal(strict.assign(noisy).created, true);
  });
});

describe('reclusterFaces', () => {
  test('an asset clustered again: its old faces leave their people before the new ones are assigned', () => {
    const ana = person(1);
    const people: PersonCluster[] = [
      { id: 'ana', name: 'Ana', centroid: Array.from(ana(1)), faceCount: 1 },
      { id: 'ghost', centroid: Array.from(person(2)(1)), faceCount: 1 },
    ];
    const previous = [
      { personId: 'ana', descriptor: ana(1) },
      { personId: 'ghost', descriptor: person(2)(1) },
    ];
    const result = reclusterFaces(people, previous, [ana(2), person(3)(1)], { newId: sequentialIds() });
    // Ana was named, so she stays (with no face) and her new photo joins her again; the unnamed ghost goes
    assert.deepEqual(result.personIds, ['ana', 'person-1']);
    assert.deepEqual(result.removed, ['ghost']);
    assert.deepEqual(result.changed.map((p) => [p.id, p.faceCount]).sort(), [['ana', 1], ['person-1', 1]]);
  });

  test('removing a face undoes assigning it: the centroid moves back', () => {
    const ana = person(1);
    const people = new PersonClusters([], { newId: sequentialIds() });
    people.assign(ana(1));
    const before = people.list()[0]!.centroid;
    people.assign(ana(2));
    people.remove('person-1', ana(2));
    const after = people.list()[0]!;
    assert.equal(after.faceCount, 1);
    after.centroid.forEach((value, i) => assert.ok(Math.abs(value - before[i]!) < 1e-9));
  });
});
