// Batch actions on the selected assets, through the same per-asset endpoints the asset page uses (a collection
// takes its additions in one request): a few requests at a time, each asset's outcome kept so the page can say which ones failed and why.
import { api, describeProblem } from './api';

export type BatchAction =
  | { kind: 'add-tag'; tag: string }
  | { kind: 'remove-tag'; tag: string }
  | { kind: 'transition'; to: 'draft' | 'in_review' | 'approved' | 'rejected' | 'archived' }
  | { kind: 'add-to-collection'; collectionId: string }
  | { kind: 'remove-from-collection'; collectionId: string };

export interface BatchOutcome { id: string; ok: boolean; reason?: string }

const AT_ONCE = 4;

/** A tag change reads the asset and writes with If-Match on what it read: a tag someone added meanwhile is never lost (a 412 reads again, once). */
async function changeTags(id: string, change: (tags: string[]) => string[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const { data, error } = await api.GET('/assets/{id}', { params: { path: { id } } });
    if (!data) throw error;
    const tags = change(data.tags);
    if (tags.length === data.tags.length && tags.every((t, i) => t === data.tags[i])) return; // nothing to change
    const { error: problem, response } = await api.PATCH('/assets/{id}', {
      params: { path: { id }, header: { 'if-match': `"${data.version}"` } as never },
      body: { tags },
    });
    if (!problem) return;
    if (response.status !== 412 || attempt > 0) throw problem;
  }
}

async function applyOne(id: string, action: Exclude<BatchAction, { kind: 'add-to-collection' }>): Promise<void> {
  if (action.kind === 'add-tag') return changeTags(id, (tags) => (tags.includes(action.tag) ? tags : [...tags, action.tag]));
  if (action.kind === 'remove-tag') return changeTags(id, (tags) => tags.filter((t) => t !== action.tag));
  if (action.kind === 'remove-from-collection') {
    const { error, response } = await api.DELETE('/collections/{id}/assets/{assetId}', { params: { path: { id: action.collectionId, assetId: id } } });
    // not in the collection: nothing to remove
    if (error && response.status !== 404) throw error;
    return;
  }
  const { error } = await api.POST('/assets/{id}/transitions', { params: { path: { id } }, body: { to: action.to } });
  if (error) throw error;
}

/** the API's limit on the assets one request adds to a collection */
const COLLECTION_CHUNK = 500;

/** Adding to a collection takes the ids in one request (a few for a large selection): one order change, not one per asset. */
async function addToCollection(ids: string[], collectionId: string, onProgress: (done: number) => void): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = [];
  for (let start = 0; start < ids.length; start += COLLECTION_CHUNK) {
    const chunk = ids.slice(start, start + COLLECTION_CHUNK);
    const { error } = await api.POST('/collections/{id}/assets', { params: { path: { id: collectionId } }, body: { assetIds: chunk } });
    outcomes.push(...chunk.map((id) => (error ? { id, ok: false, reason: describeProblem(error) } : { id, ok: true })));
    onProgress(outcomes.length);
  }
  return outcomes;
}

export async function runBatch(ids: string[], action: BatchAction, onProgress: (done: number) => void): Promise<BatchOutcome[]> {
  if (action.kind === 'add-to-collection') return addToCollection(ids, action.collectionId, onProgress);
  const outcomes: BatchOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        await applyOne(id, action);
        outcomes.push({ id, ok: true });
      } catch (problem) {
        outcomes.push({ id, ok: false, reason: describeProblem(problem) });
      }
      onProgress(outcomes.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, ids.length) }, worker));
  return outcomes;
}
