// valibot validation of request bodies and queries, failing as problem+json with every issue listed.
import * as v from 'valibot';
import { badRequest } from './problem.ts';

export function parseOrProblem<S extends v.GenericSchema>(schema: S, input: unknown, what = 'request'): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issues = result.issues.map((issue) => ({ path: v.getDotPath(issue) ?? '', message: issue.message }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw badRequest(`invalid ${what}: ${summary}`, { issues });
}

export async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw badRequest('body must be valid JSON');
  }
}
