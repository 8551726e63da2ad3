// Uploads straight to storage through the platform's plan: POST /uploads (with the file's SHA-256, so a duplicate
// is refused before a byte is sent), then one presigned PUT or the multipart plan's parts in parallel, then
// POST /uploads/:id/complete. Progress is counted per file from the browser's upload events. A multipart upload
// interrupted by a reload resumes: its id is kept per file (name, size, date), and GET /uploads/:id lists the
// parts still missing.
import { api, describeProblem, type UploadPlan } from './api';

export interface UploadItem {
  id: string;
  file: File;
  sent: number;
  status: 'hashing' | 'uploading' | 'done' | 'failed' | 'duplicate';
  message?: string;
  assetId?: string;
}

const PARALLEL_PARTS = 4;
/** Larger files are sent without a declared hash (hashing would hold the whole file in memory). */
const HASH_LIMIT_BYTES = 512 * 1024 * 1024;
const RESUME_KEY = (file: File) => `mediateca.upload:${file.name}:${file.size}:${file.lastModified}`;

async function sha256(file: File): Promise<string | undefined> {
  if (file.size > HASH_LIMIT_BYTES || !crypto.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** PUT with upload progress (fetch has none); resolves with the ETag the store answered. */
function put(url: string, body: Blob, headers: Record<string, string>, onProgress: (loaded: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => (xhr.status < 300 ? resolve(xhr.getResponseHeader('etag') ?? '') : reject(new Error(`storage answered HTTP ${xhr.status}`)));
    xhr.onerror = () => reject(new Error('the storage URL could not be reached (network or CORS)'));
    xhr.send(body);
  });
}

export async function uploadFile(item: UploadItem, projectId: string, update: (item: UploadItem) => void): Promise<void> {
  const { file } = item;
  const set = (change: Partial<UploadItem>) => { Object.assign(item, change); update(item); };
  try {
    let plan: UploadPlan | undefined;
    const resumeId = localStorage.getItem(RESUME_KEY(file));
    if (resumeId) {
      const { data } = await api.GET('/uploads/{id}', { params: { path: { id: resumeId } } });
      if (data?.state === 'uploading' && data.method === 'MULTIPART') plan = data;
      else localStorage.removeItem(RESUME_KEY(file));
    }
    if (!plan) {
      set({ status: 'hashing' });
      const hash = await sha256(file);
      const { data, error, response } = await api.POST('/uploads', {
        body: { projectId, filename: file.name, size: file.size, contentType: file.type || 'application/octet-stream', ...(hash ? { sha256: hash } : {}) },
      });
      if (response.status === 409 && error?.duplicateOf) {
        set({ status: 'duplicate', sent: file.size, assetId: error.duplicateOf, message: 'already in the library' });
        return;
      }
      if (!data) throw new Error(describeProblem(error));
      plan = data;
    }
    set({ status: 'uploading', assetId: plan.assetId });
    if (plan.method === 'PUT') {
      await put(plan.url, file, plan.headers, (loaded) => set({ sent: loaded }));
    } else {
      localStorage.setItem(RESUME_KEY(file), plan.uploadId);
      const { partSize, parts, received } = plan.multipart;
      const done = new Map(received.map((p) => [p.partNumber, p.etag]));
      const inFlight = new Map<number, number>();
      const receivedBytes = received.reduce((sum, p) => sum + Math.min(partSize, file.size - (p.partNumber - 1) * partSize), 0);
      const report = () => set({ sent: receivedBytes + [...inFlight.values()].reduce((a, b) => a + b, 0) });
      const queue = [...parts];
      const worker = async () => {
        for (let part = queue.shift(); part; part = queue.shift()) {
          const start = (part.partNumber - 1) * partSize;
          const number = part.partNumber;
          const etag = await put(part.url, file.slice(start, start + partSize), {}, (loaded) => { inFlight.set(number, loaded); report(); });
          done.set(number, etag);
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_PARTS }, worker));
      const { error } = await api.POST('/uploads/{id}/complete', {
        params: { path: { id: plan.uploadId } },
        body: { parts: [...done].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag })) },
      });
      if (error) throw new Error(describeProblem(error));
      localStorage.removeItem(RESUME_KEY(file));
    }
    set({ status: 'done', sent: file.size });
  } catch (error) {
    set({ status: 'failed', message: (error as Error).message });
  }
}
