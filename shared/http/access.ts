// Maps permission rules to HTTP answers. Another project's asset is "not found", never "forbidden",
// so a caller cannot learn which ids exist outside their projects.
import type { Context } from 'hono';
import { type Action, can, roleIn } from '../domain/permissions.ts';
import type { AppEnv } from './app.ts';
import { forbidden, notFound } from './problem.ts';

export function authorize(c: Context<AppEnv>, action: Action, projectId: string, what: string): void {
  const principal = c.get('principal');
  if (!roleIn(principal, projectId)) throw notFound(`${what} not found`);
  if (!can(principal, action, projectId)) throw forbidden(`your role in project ${projectId} does not allow ${action}`);
}
