// `mediateca upload <files|folders>`: every file through the platform's upload plan (one presigned PUT, or a
// multipart plan whose parts go in parallel), several files at once. Before a byte is sent the file's SHA-256
// is declared, so a file the project already holds is skipped (409 duplicateOf), and identical files of one run
// are sent once. Each started upload is written to a journal (per server and project) before its bytes go out:
// a later run over the same files continues it (only the missing parts) instead of starting a second asset.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { fileTypeFromFile } from 'file-type';
import { Api, ApiError } from './api.ts';
import { type Progress, createProgress } from './progress.ts';
import { stateDir } from './settings.ts';
import { putFileRange, sha256Of } from './transfer.ts';

export interface UploadOptions {
  project: string;
  concurrency: number;
  partConcurrency: number;
  tags: string[];
  progress: 'bars' | 'lines' | 'quiet';
}

export interface FileResult {
  path: string;
  size: number;
  sha256?: string;
  result: 'uploaded' | 'duplicate' | 'failed';
  assetId?: string;
  duplicateOf?: string;
  /** this run continued an upload an earlier run had started */
  resumed?: boolean;
  /** bytes this run sent (less than size when parts were already on the server) */
  sent: number;
  detail?: string;
}

interface LocalFile {
  path: string;
  /** as shown: relative to the working directory */
  label: string;
  size: number;
  sha256?: string;
}

const PART_ATTEMPTS = 3;

export async function uploadPaths(api: Api, inputs: string[], options: UploadOptions): Promise<FileResult[]> {
  const files = collectFiles(inputs);
  const journal = new Journal(api.server, options.project);
  const progress = createProgress(files.reduce((sum, f) => sum + f.size, 0), options.progress);
  const results = new Map<LocalFile, FileResult>();
  try {
    progress.note(`hashing ${files.length} files…`);
    await forEachLimit(files, options.concurrency, async (file) => {
      try {
        file.sha256 = await sha256Of(file.path);
      } catch (error) {
        results.set(file, { path: file.label, size: file.size, sent: 0, result: 'failed', detail: `cannot read: ${(error as Error).message}` });
        progress.forget(file.size);
      }
    });
    // one upload per distinct content; the other files of a group are duplicates of it
    const firstOf = new Map<string, LocalFile>();
    const toSend: LocalFile[] = [];
    for (const file of files) {
      if (results.has(file)) continue;
      const first = firstOf.get(file.sha256!);
      if (first) continue;
      firstOf.set(file.sha256!, file);
      toSend.push(file);
    }
    await forEachLimit(toSend, options.concurrency, async (file) => {
      const result = await uploadOne(api, file, journal, progress, options).catch((error): FileResult => (
        { path: file.label, size: file.size, sha256: file.sha256, sent: 0, result: 'failed', detail: (error as Error).message }
      ));
      results.set(file, result);
    });
    for (const file of files) {
      if (results.has(file)) continue;
      const first = results.get(firstOf.get(file.sha256!)!)!;
      progress.forget(file.size);
      results.set(file, first.result === 'failed'
        ? { path: file.label, size: file.size, sha256: file.sha256, sent: 0, result: 'failed', detail: `same content as ${first.path}, which failed` }
        : { path: file.label, size: file.size, sha256: file.sha256, sent: 0, result: 'duplicate', duplicateOf: first.assetId ?? first.duplicateOf, detail: `same content as ${first.path}` });
    }
  } finally {
    progress.stop();
  }
  return files.map((f) => results.get(f)!);
}

async function uploadOne(api: Api, file: LocalFile, journal: Journal, progress: Progress, options: UploadOptions): Promise<FileResult> {
  const bar = progress.file(file.label, file.size);
  const counted = { sent: 0 };
  const onSent = (n: number) => { counted.sent += n; bar.advance(n); };
  const base = { path: file.label, size: file.size, sha256: file.sha256, sent: 0 };
  const finish = (result: FileResult): FileResult => {
    result = { ...result, sent: counted.sent };
    bar.finish(`${result.result.padEnd(9)} ${file.label}${result.assetId ? ` → ${result.assetId}` : ''}${result.detail ? ` (${result.detail})` : ''}`);
    return result;
  };
  const earlier = journal.get(file.sha256!);
  if (earlier) {
    const plan = await api.get(`/uploads/${earlier.uploadId}`).catch((error) => {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    });
    if (plan && plan.state !== 'failed') {
      if (plan.state !== 'uploading' || earlier.sent) {
        progress.forget(file.size);
        return finish({ ...base, result: 'uploaded', assetId: plan.assetId, resumed: true, detail: 'finished in an earlier run' });
      }
      await send(api, file, plan, onSent, bar.advance, progress, options);
      journal.update(file.sha256!, { sent: true });
      return finish({ ...base, result: 'uploaded', assetId: plan.assetId, resumed: true, detail: 'resumed' });
    }
    journal.remove(file.sha256!); // expired or cancelled meanwhile: start again
  }
  let plan: any;
  try {
    plan = (await api.request('POST', '/uploads', {
      projectId: options.project,
      filename: basename(file.path),
      size: file.size,
      contentType: await contentTypeOf(file.path),
      sha256: file.sha256,
      ...(options.tags.length ? { tags: options.tags } : {}),
    })).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && typeof error.problem.duplicateOf === 'string') {
      progress.forget(file.size);
      return finish({ ...base, result: 'duplicate', duplicateOf: error.problem.duplicateOf, detail: 'already in the project' });
    }
    throw error;
  }
  journal.set(file.sha256!, { uploadId: plan.uploadId, assetId: plan.assetId, path: file.path, size: file.size, startedAt: new Date().toISOString() });
  await send(api, file, plan, onSent, bar.advance, progress, options);
  journal.update(file.sha256!, { sent: true });
  return finish({ ...base, result: 'uploaded', assetId: plan.assetId });
}

/** The bytes the plan still lacks: the whole file for a PUT, the missing parts (then completion) for multipart. */
async function send(api: Api, file: LocalFile, plan: any, advance: (n: number) => void, alreadyThere: (n: number) => void, progress: Progress, options: UploadOptions): Promise<void> {
  if (plan.method === 'PUT') {
    await putFileRange(plan.url, file.path, 0, file.size, plan.headers ?? {}, advance);
    return;
  }
  const { partSize, parts, received } = plan.multipart as { partSize: number; parts: { partNumber: number; url: string }[]; received: { partNumber: number; etag: string }[] };
  const already = received.reduce((sum, p) => sum + partLength(p.partNumber, partSize, file.size), 0);
  alreadyThere(already);
  const done = [...received];
  await forEachLimit(parts, options.partConcurrency, async (part) => {
    let url = part.url;
    for (let attempt = 1; ; attempt++) {
      try {
        const start = (part.partNumber - 1) * partSize;
        const etag = await putFileRange(url, file.path, start, partLength(part.partNumber, partSize, file.size), {}, advance);
        done.push({ partNumber: part.partNumber, etag });
        return;
      } catch (error) {
        if (attempt >= PART_ATTEMPTS) throw error;
        // a fresh plan: new URLs in case these expired
        const fresh = await api.get(`/uploads/${plan.uploadId}`);
        const again = fresh.multipart?.parts.find((p: { partNumber: number }) => p.partNumber === part.partNumber);
        if (!again) return progress.note(`part ${part.partNumber} of ${file.label} arrived after all`);
        url = again.url;
      }
    }
  });
  if (done.length < plan.multipart.partCount) {
    // a part that "arrived after all": ask the server which parts it holds now
    const fresh = await api.get(`/uploads/${plan.uploadId}`);
    done.splice(0, done.length, ...fresh.multipart.received);
  }
  done.sort((a, b) => a.partNumber - b.partNumber);
  await api.request('POST', `/uploads/${plan.uploadId}/complete`, { parts: done });
}

const partLength = (partNumber: number, partSize: number, size: number) => Math.min(partSize, size - (partNumber - 1) * partSize);

/** Regular files under the inputs (folders recursively, hidden entries left out), in a stable order. */
export function collectFiles(inputs: string[]): LocalFile[] {
  const files: LocalFile[] = [];
  const seen = new Set<string>();
  const visit = (path: string, explicit: boolean) => {
    if (!explicit && basename(path).startsWith('.')) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry), false);
    } else if (stat.isFile() && !seen.has(path)) {
      seen.add(path);
      files.push({ path, label: relative(process.cwd(), path) || path, size: stat.size });
    }
  };
  for (const input of inputs) visit(input, true);
  return files;
}


const BY_EXTENSION: Record<string, string> = { '.txt': 'text/plain', '.csv': 'text/csv', '.json': 'application/json', '.svg': 'image/svg+xml', '.vtt': 'text/vtt', '.srt': 'application/x-subrip' };

/** From the bytes (file-type), else from the extension; the platform sniffs again when it verifies. */
async function contentTypeOf(path: string): Promise<string> {
  const sniffed = await fileTypeFromFile(path).catch(() => undefined);
  return sniffed?.mime ?? BY_EXTENSION[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item).catch((error) => errors.push(error));
    }
  }));
  if (errors.length) throw errors[0];
}

interface JournalEntry {
  uploadId: string;
  assetId: string;
  path: string;
  size: number;
  startedAt: string;
  /** every byte was sent (and a multipart upload completed) */
  sent?: boolean;
}

/** Started uploads by SHA-256, one file per server and project, rewritten whole (atomically) on each change. */
class Journal {
  private readonly file: string;
  private entries: Record<string, JournalEntry>;

  constructor(server: string, project: string) {
    const dir = join(stateDir(), 'uploads');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, `${createHash('sha256').update(`${server}\n${project}`).digest('hex').slice(0, 16)}.json`);
    try {
      this.entries = JSON.parse(readFileSync(this.file, 'utf8')).entries ?? {};
    } catch {
      this.entries = {};
    }
    // uploads expire on the server after a few days; older entries are of no use
    const cutoff = Date.now() - 30 * 86_400_000;
    for (const [sha, entry] of Object.entries(this.entries)) if (Date.parse(entry.startedAt) < cutoff) delete this.entries[sha];
  }

  get(sha256: string): JournalEntry | undefined {
    return this.entries[sha256];
  }

  set(sha256: string, entry: JournalEntry): void {
    this.entries[sha256] = entry;
    this.save();
  }

  update(sha256: string, change: Partial<JournalEntry>): void {
    Object.assign(this.entries[sha256]!, change);
    this.save();
  }

  remove(sha256: string): void {
    delete this.entries[sha256];
    this.save();
  }

  private save(): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ entries: this.entries }), { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}
