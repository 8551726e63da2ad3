// Projects and their settings (e.g. `hls: true` turns on the HLS ladder for its videos).
import type { Kysely } from 'kysely';
import { seesUnapproved } from '../domain/editorial.ts';
import { type Principal, can } from '../domain/permissions.ts';
import type { DB } from './schema.ts';

export interface ProjectSettings {
  hls?: boolean;
  /** viewers see every editorial state, not only approved assets */
  viewersSeeUnapproved?: boolean;
  /** days a deleted asset stays in the trash before it is purged (0: until an admin purges it); TRASH_RETENTION_DAYS otherwise */
  trashRetentionDays?: number;
}

export async function projectSettings(db: Kysely<DB>, projectId: string): Promise<ProjectSettings> {
  const row = await db.selectFrom('projects').select('settings').where('id', '=', projectId).executeTakeFirst();
  return (row?.settings ?? {}) as ProjectSettings;
}

export async function updateProjectSettings(db: Kysely<DB>, projectId: string, settings: ProjectSettings): Promise<void> {
  await db
    .insertInto('projects')
    .values({ id: projectId, name: projectId, settings: { ...settings } })
    .onConflict((oc) => oc.column('id').doUpdateSet({ settings: { ...settings } }))
    .execute();
}

/**
 * The projects among `projectIds` in which the caller sees approved assets only (a viewer, where the project's
 * settings do not open the other editorial states to viewers). Reads settings only for projects the caller views.
 */
export async function approvedOnlyProjects(db: Kysely<DB>, principal: Principal, projectIds: string[]): Promise<string[]> {
  const viewing = projectIds.filter((projectId) => !can(principal, 'asset:read-unapproved', projectId));
  if (viewing.length === 0) return [];
  const rows = await db.selectFrom('projects').select(['id', 'settings']).where('id', 'in', viewing).execute();
  const open = new Set(rows.filter((row) => (row.settings as ProjectSettings).viewersSeeUnapproved === true).map((row) => row.id));
  return viewing.filter((projectId) => !seesUnapproved(principal, projectId, { viewersSeeUnapproved: open.has(projectId) }));
}
