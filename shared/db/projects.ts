// Projects and their settings (e.g. `hls: true` turns on the HLS ladder for its videos).
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

export interface ProjectSettings {
  hls?: boolean;
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
