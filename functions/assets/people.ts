// People found by face clustering: list them, see one, name them, merge two that are one. Naming a person once
// names every face of theirs, past and future, and re-indexes their assets (person.updated) so a search for the
// name finds them; a merge re-indexes the kept person's assets, which now include the merged one's.
import type { Hono } from 'hono';
import * as v from 'valibot';
import { PersonClusters } from '../../shared/ai/vision/face-clusters.ts';
import { findPerson, listPersons, mergePersons, renamePerson } from '../../shared/db/enrichment.ts';
import { projectsWhere } from '../../shared/domain/permissions.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { badRequest, conflict, notFound } from '../../shared/http/problem.ts';
import { jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';

export const NamePerson = v.strictObject({
  name: v.nullable(v.pipe(userText(200), v.trim(), v.minLength(1, 'name must not be blank (null unnames)'))),
});

/** POST /persons/:id/merge: this person is `into` (their faces join that person, this one goes). */
export const MergePerson = v.strictObject({ into: v.pipe(v.string(), v.uuid('into must be a person id')) });

export const PersonsQuery = v.object({ projectId: v.optional(v.string()) });

export function personRoutes(app: Hono<AppEnv>, platform: Platform): void {
  app.get('/persons', async (c) => {
    const readable = projectsWhere(c.get('principal'), 'asset:read');
    const wanted = parseOrProblem(PersonsQuery, c.req.query(), 'query').projectId;
    return c.json({ persons: await listPersons(platform.db, wanted ? readable.filter((p) => p === wanted) : readable) });
  });

  app.get('/persons/:id', async (c) => {
    return c.json(await readablePerson(c.req.param('id'), (projectId) => authorize(c, 'asset:read', projectId, 'person'), platform));
  });

  app.patch('/persons/:id', async (c) => {
    const person = await readablePerson(c.req.param('id'), (projectId) => authorize(c, 'asset:edit', projectId, 'person'), platform);
    const { name } = parseOrProblem(NamePerson, await jsonBody(c.req.raw), 'person');
    await renamePerson(platform.db, person.id, name, [newEvent('io.mediateca.person.updated', EVENT_SOURCE, { personId: person.id, projectId: person.projectId }, person.id)]);
    platform.outboxWritten();
    return c.json({ ...person, name });
  });

  app.post('/persons/:id/merge', async (c) => {
    const merged = await readablePerson(c.req.param('id'), (projectId) => authorize(c, 'asset:edit', projectId, 'person'), platform);
    const { into } = parseOrProblem(MergePerson, await jsonBody(c.req.raw), 'merge');
    if (into === merged.id) throw badRequest('a person cannot be merged with themselves: name another person in into');
    const kept = await readablePerson(into, (projectId) => authorize(c, 'asset:edit', projectId, 'person'), platform);
    if (kept.projectId !== merged.projectId) throw conflict(`people of different projects cannot be merged (${merged.projectId}, ${kept.projectId})`);
    const result = await mergePersons(
      platform.db, kept.projectId, kept.id, merged.id,
      (keptCluster, mergedCluster) => new PersonClusters([keptCluster, mergedCluster]).merge(keptCluster.id, mergedCluster.id),
      [newEvent('io.mediateca.person.updated', EVENT_SOURCE, { personId: kept.id, projectId: kept.projectId }, kept.id)],
    );
    if (!result) throw conflict('one of the two people changed meanwhile (merged or removed); reload and try again');
    platform.outboxWritten();
    return c.json({ ...kept, name: result.name ?? null, faceCount: result.faceCount });
  });
}

async function readablePerson(id: string, authorizeFor: (projectId: string) => void, platform: Platform) {
  const person = v.is(v.pipe(v.string(), v.uuid()), id) ? await findPerson(platform.db, id) : undefined;
  if (!person) throw notFound('person not found');
  authorizeFor(person.projectId);
  return person;
}
