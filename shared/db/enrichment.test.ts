// The enrichment repository on PGlite and on PostgreSQL 15: the same SQL (advisory locks, jsonb) on both.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { reclusterFaces } from '../ai/vision/face-clusters.ts';
import { type Database, openDatabase } from './connect.ts';
import { changeAsset, findAsset } from './assets.ts';
import { decideLabel, findPerson, listFaces, listLabels, listPersons, removeAssetFaces, renamePerson, replaceFaces, saveLabels } from './enrichment.ts';
import { unpublished } from './outbox.ts';
import { newEvent } from '../events/envelope.ts';
import { POSTGRES_URL, createTestDatabase, requireServer } from '../../test/support/servers.ts';

const box = { x: 0.1, y: 0.1, width: 0.2, height: 0.2 };
/** A 1024-value descriptor along `axis`: same axis = same person (similarity ≈ 1), another axis = someone else (≈ 0.15). */
const descriptor = (axis: number, jitter = 0) => Array.from({ length: 1024 }, (_, i) => (i === axis ? 10 : 0) + (i === 1023 ? jitter : 0));

const hasPostgres = await requireServer('PostgreSQL', POSTGRES_URL);
repositorySuite('PGlite', async () => ({ database: await openDatabase('memory://'), drop: async () => {} }));
if (hasPostgres) {
  repositorySuite('PostgreSQL 15', async () => {
    const created = await createTestDatabase();
    return { database: await openDatabase(created.url), drop: created.drop };
  });
}

function repositorySuite(name: string, open: () => Promise<{ database: Database; drop: () => Promise<void> }>) {
  describe(`enrichment repository (${name})`, () => {
    let database: Database;
    let drop: () => Promise<void>;
    const asset = async (projectId = 'newsroom') => {
      const id = randomUUID();
      await database.db.insertInto('projects').values({ id: projectId, name: projectId, settings: {} }).onConflict((oc) => oc.column('id').doNothing()).execute();
      await database.db.insertInto('assets').values({
        id, project_id: projectId, state: 'ready', media_type: 'image', title: 't', description: '', filename: 'f.jpg', content_type: 'image/jpeg',
        size_bytes: 1, storage_key: `k/${id}`, owner: 'o', version: 1,
      }).execute();
      return id;
    };

    /** What DELETE /assets/:id does: the state change and the faces leaving, in one transaction. */
    const markDeleted = async (id: string) => {
      const row = (await findAsset(database.db, id))!;
      await changeAsset(database.db, row, {
        expectedVersion: row.version,
        set: { state: 'deleted', deleted_at: new Date() },
        history: { type: 'deleted', actor: 'ed' },
        alsoInTransaction: (trx) => removeAssetFaces(trx, row.project_id, id, reclusterFaces),
      });
    };

    before(async () => { ({ database, drop } = await open()); });
    after(async () => {
      await database.close();
      await drop();
    });

    test('new suggestions replace old ones; an editor’s decision survives', async () => {
      const id = await asset();
      await saveLabels(database.db, id, 'm1', [
        { label: 'dog', confidence: 0.9, detections: [{ box, confidence: 0.9 }] },
        { label: 'cat', confidence: 0.5, detections: [{ box, confidence: 0.5 }] },
        { label: 'car', confidence: 0.4, detections: [{ box, confidence: 0.4 }] },
      ]);
      assert.equal((await decideLabel(database.db, id, 'cat', 'rejected', 'ed'))?.decided_by, 'ed');
      assert.equal(await decideLabel(database.db, id, 'horse', 'accepted', 'ed'), undefined);
      await saveLabels(database.db, id, 'm2', [{ label: 'dog', confidence: 0.8, detections: [{ box, time: 2, confidence: 0.8 }] }]);
      const labels = await listLabels(database.db, id);
      assert.deepEqual(labels.map((l) => [l.label, l.status, l.model]), [['dog', 'suggested', 'm2'], ['cat', 'rejected', 'm1']]);
      assert.deepEqual(labels[0]!.detections, [{ box, time: 2, confidence: 0.8 }]);
      await saveLabels(database.db, id, 'm2', []);
      assert.deepEqual((await listLabels(database.db, id)).map((l) => l.label), ['cat'], 'no suggestions left, the decision stays');
    });

    test('faces join the person they resemble; running again never counts a face twice', async () => {
      const first = await asset();
      const second = await asset();
      await replaceFaces(database.db, 'newsroom', first, [{ box, confidence: 0.9, descriptor: descriptor(1) }, { box, confidence: 0.8, descriptor: descriptor(2) }], reclusterFaces);
      await replaceFaces(database.db, 'newsroom', second, [{ box, confidence: 0.9, descriptor: descriptor(1, 0.01) }], reclusterFaces);
      const [a] = await listFaces(database.db, first);
      const [b] = await listFaces(database.db, second);
      assert.equal(a!.personId, b!.personId, 'the same person in both assets');
      assert.equal((await findPerson(database.db, a!.personId))?.faceCount, 2);

      await replaceFaces(database.db, 'newsroom', first, [{ box, confidence: 0.9, descriptor: descriptor(1) }, { box, confidence: 0.8, descriptor: descriptor(2) }], reclusterFaces);
      assert.equal((await findPerson(database.db, a!.personId))?.faceCount, 2, 'the first asset’s face left before it joined again');
      assert.equal((await listFaces(database.db, first)).length, 2);

      const other = await asset('sports');
      await replaceFaces(database.db, 'sports', other, [{ box, confidence: 0.9, descriptor: descriptor(1) }], reclusterFaces);
      assert.notEqual((await listFaces(database.db, other))[0]!.personId, a!.personId, 'people are per project');
    });

    test('an unnamed person left with no face goes; a named one stays', async () => {
      const id = await asset('desk');
      await replaceFaces(database.db, 'desk', id, [{ box, confidence: 0.9, descriptor: descriptor(5) }, { box, confidence: 0.9, descriptor: descriptor(6) }], reclusterFaces);
      const [named, unnamed] = await listFaces(database.db, id);
      await renamePerson(database.db, named!.personId, 'Ana', []);
      await replaceFaces(database.db, 'desk', id, [], reclusterFaces);
      assert.equal((await findPerson(database.db, named!.personId))?.name, 'Ana');
      assert.equal(await findPerson(database.db, unnamed!.personId), undefined);
      assert.deepEqual(await listPersons(database.db, ['desk']), [], 'a person with no face is not listed');
    });

    test('deleting an asset takes its faces out of their people; a person left with none is not listed', async () => {
      const kept = await asset('deletions');
      const deleted = await asset('deletions');
      await replaceFaces(database.db, 'deletions', kept, [{ box, confidence: 0.9, descriptor: descriptor(20) }], reclusterFaces);
      await replaceFaces(database.db, 'deletions', deleted, [
        { box, confidence: 0.9, descriptor: descriptor(20, 4) },
        { box, confidence: 0.9, descriptor: descriptor(21) },
      ], reclusterFaces);
      const shared = (await listFaces(database.db, kept))[0]!.personId;
      const only = (await listFaces(database.db, deleted)).find((face) => face.personId !== shared)!.personId;
      await renamePerson(database.db, only, 'Eva', []);
      assert.deepEqual((await listPersons(database.db, ['deletions'])).map((p) => [p.id, p.faceCount]).sort(), [[shared, 2], [only, 1]].sort());

      await markDeleted(deleted);
      assert.deepEqual(await listFaces(database.db, deleted), []);
      assert.deepEqual((await listPersons(database.db, ['deletions'])).map((p) => [p.id, p.faceCount]), [[shared, 1]]);
      const person = await database.db.selectFrom('persons').select('centroid').where('id', '=', shared).executeTakeFirstOrThrow();
      assert.deepEqual(person.centroid, descriptor(20), 'the centroid is the remaining face again');
      assert.equal((await findPerson(database.db, only))?.faceCount, 0, 'a named person stays, with no faces');

      // enrich finishing after the delete must not bring the faces back
      await replaceFaces(database.db, 'deletions', deleted, [{ box, confidence: 0.9, descriptor: descriptor(20) }], reclusterFaces);
      assert.deepEqual(await listFaces(database.db, deleted), []);
      assert.equal((await findPerson(database.db, shared))?.faceCount, 1);
    });

    test('naming a person writes its event in the same transaction', async () => {
      const id = await asset('names');
      await replaceFaces(database.db, 'names', id, [{ box, confidence: 0.9, descriptor: descriptor(9) }], reclusterFaces);
      const [face] = await listFaces(database.db, id);
      const event = newEvent('io.mediateca.person.updated', 'test', { personId: face!.personId, projectId: 'names' });
      await renamePerson(database.db, face!.personId, 'Luis', [event]);
      assert.equal((await listFaces(database.db, id))[0]!.name, 'Luis');
      assert.ok((await unpublished(database.db, 100)).some((row) => row.event_id === event.id));
    });
  });
}
