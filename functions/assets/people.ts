// People found by face clustering: list them, see one, name them. Naming a person once names every face of
// theirs, past and future, and re-indexes their assets (person.updated) so a search for the name finds them.
import type { Hono } from 'hono';
import * as v from 'valibot';
import { findPerson, listPersons, renamePerson } from '../../shared/db/enrichment.ts';
import { projectsWhere } from '../../shared/domain/permissions.ts';
import { EVENT_SOURCE } from '../../shared/events/catalog.ts';
import { newEvent } from '../../shared/events/envelope.ts';
import type { AppEnv } from '../../shared/http/app.ts';
import { authorize } from '../../shared/http/access.ts';
import { notFound } from '../../shared/http/problem.ts';
import { jsonBody, parseOrProblem, userText } from '../../shared/http/validate.ts';
import type { Platform } from '../../shared/platform.ts';

export const NamePerson = v.strictObject({
  name: v.nullable(v.pipe(userText(200), v.trim(), v.minLength(1, 'name must not be blank (null unnames)'))),
});

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
}

async function readablePerson(id: string, authorizeFor: (projectId: string) => void, platform: Platform) {
  const person = v.is(v.pipe(v.string(), v.uuid()), id) ? await findPerson(platform.db, id) : undefined;
  if (!person) throw notFound('person not found');
  authorizeFor(person.projectId);
  return person;
}
