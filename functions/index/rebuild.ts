// Rebuilds the read models from the event log: every asset row from its history (shared/db/asset-log.ts), then its
// search document from that row, as index projects it. `npm run rebuild` (scripts/rebuild.ts) runs it.
import { type RebuildOutcome, rebuildAssets } from '../../shared/db/asset-log.ts';
import type { Platform } from '../../shared/platform.ts';
import { projectAsset } from './index.ts';

export async function rebuildReadModels(platform: Platform, projectId?: string): Promise<RebuildOutcome> {
  return rebuildAssets(platform.db, { projectId, onRebuilt: (asset) => projectAsset(platform.db, platform.search, asset.id) });
}
