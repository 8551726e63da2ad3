// The embedded default's object store: files under a data folder, reached by clients through signed,
// expiring URLs that the dev host serves (PUT, GET with Range, multipart parts). Uploads into the
// incoming bucket emit the same S3 event records a real bucket notification sends.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { s3RecordFor } from '../events/s3-notification.ts';
import { type Buckets, type CompletedPart, type ListedObject, type ObjectInfo, type ObjectStore, PING_KEY } from './object-store.ts';

export class InvalidObjectKey extends Error {}

/** Objects up to this size are written synchronously (putSmall). */
const SYNC_WRITE_MAX_BYTES = 1024 * 1024;

interface SignedFields {
  method: 'PUT' | 'GET';
  bucket: string;
  key: string;
  expires: number;
  uploadId?: string;
  partNumber?: number;
  contentType?: string;
  download?: string;
}

export class FilesystemObjectStore implements ObjectStore {
  private readonly secret: Buffer;
  private sequence = 0;
  /** set by the host: receives `{Records: [...]}` for objects created in the incoming bucket */
  onObjectCreated: (notification: ReturnType<typeof s3RecordFor>) => void = () => {};

  constructor(
    private readonly root: string,
    readonly buckets: Buckets,
    private readonly publicUrl: string,
    secretFile: string,
  ) {
    mkdirSync(dirname(secretFile), { recursive: true });
    if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    this.secret = Buffer.from(readFileSync(secretFile, 'utf8'), 'hex');
  }

  async ensureBuckets(): Promise<void> {
    for (const bucket of Object.values(this.buckets)) await mkdir(join(this.root, bucket), { recursive: true });
    await mkdir(join(this.root, '.multipart'), { recursive: true });
    await mkdir(join(this.root, '.meta'), { recursive: true });
  }

  async presignPut(bucket: string, key: string, contentType: string, ttl: number): Promise<string> {
    return this.signedUrl({ method: 'PUT', bucket, key, expires: expiry(ttl), contentType });
  }

  async presignGet(bucket: string, key: string, ttl: number, downloadName?: string): Promise<string> {
    return this.signedUrl({ method: 'GET', bucket, key, expires: expiry(ttl), download: downloadName });
  }

  async createMultipartUpload(bucket: string, key: string, contentType: string): Promise<string> {
    const uploadId = randomUUID();
    const dir = join(this.root, '.multipart', uploadId);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'upload.json'), JSON.stringify({ bucket, key, contentType }));
    return uploadId;
  }

  async presignUploadPart(bucket: string, key: string, uploadId: string, partNumber: number, ttl: number): Promise<string> {
    return this.signedUrl({ method: 'PUT', bucket, key, expires: expiry(ttl), uploadId, partNumber });
  }

  async listParts(_bucket: string, _key: string, uploadId: string): Promise<CompletedPart[]> {
    const dir = this.multipartDir(uploadId);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.etag')).sort();
    return Promise.all(names.map(async (n) => ({ partNumber: Number(n.slice(5, 10)), etag: await readFile(join(dir, n), 'utf8') })));
  }

  async completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    const dir = this.multipartDir(uploadId);
    const stored = new Map((await this.listParts(bucket, key, uploadId)).map((p) => [p.partNumber, p.etag]));
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    if (ordered.length === 0) throw new Error('a multipart upload needs at least one part');
    for (const part of ordered) {
      if (stored.get(part.partNumber) !== part.etag.replace(/"/g, '')) throw new Error(`part ${part.partNumber} is missing or its ETag does not match`);
    }
    const { contentType } = JSON.parse(await readFile(join(dir, 'upload.json'), 'utf8'));
    const target = this.objectPath(bucket, key);
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.${uploadId}.tmp`;
    const out = createWriteStream(temporary);
    for (const part of ordered) await pipeline(createReadStream(join(dir, partFile(part.partNumber))), out, { end: false });
    await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));
    const md5s = ordered.map((p) => Buffer.from(p.etag.replace(/"/g, ''), 'hex'));
    const etag = `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${ordered.length}`;
    await rename(temporary, target);
    const size = (await stat(target)).size;
    await this.writeMeta(bucket, key, { contentType, etag });
    await rm(dir, { recursive: true, force: true });
    if (bucket === this.buckets.incoming) this.notify(bucket, key, size, etag, 'CompleteMultipartUpload');
  }

  async abortMultipartUpload(_bucket: string, _key: string, uploadId: string): Promise<void> {
    await rm(this.multipartDir(uploadId), { recursive: true, force: true });
  }

  async ping(): Promise<void> {
    await this.head(this.buckets.incoming, PING_KEY);
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.objectPath(bucket, key));
      const meta = await this.readMeta(bucket, key);
      return { size: info.size, etag: meta.etag ?? '', contentType: meta.contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async getStream(bucket: string, key: string, range?: { start: number; end: number }): Promise<Readable> {
    const path = this.objectPath(bucket, key);
    await stat(path);
    return createReadStream(path, { ...(range ?? {}), highWaterMark: 1024 * 1024 });
  }

  /** The object's own file: objects are written by rename and never changed in place, so a reader keeps what it opened. */
  async localFile(bucket: string, key: string, _download: string): Promise<string> {
    const path = this.objectPath(bucket, key);
    await stat(path);
    return path;
  }

  /** None: localFile already hands out the object's own file, with nothing to wait for. */
  async readUrl(): Promise<undefined> {
    return undefined;
  }

  async put(bucket: string, key: string, body: Buffer | Readable, contentType: string): Promise<void> {
    const target = this.objectPath(bucket, key);
    if (Buffer.isBuffer(body) && body.length <= SYNC_WRITE_MAX_BYTES) return this.putSmall(bucket, key, target, body, contentType);
    await mkdir(dirname(target), { recursive: true });
    const etag = await writeAtomically(target, body);
    await this.writeMeta(bucket, key, { contentType, etag });
  }

  async copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }): Promise<void> {
    const target = this.objectPath(to.bucket, to.key);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(this.objectPath(from.bucket, from.key), target);
    await this.writeMeta(to.bucket, to.key, await this.readMeta(from.bucket, from.key));
  }

  async delete(bucket: string, key: string): Promise<void> {
    await rm(this.objectPath(bucket, key), { force: true });
    await rm(this.metaPath(bucket, key), { force: true });
  }

  async *list(bucket: string, prefix = ''): AsyncIterable<ListedObject> {
    const bucketDir = resolve(this.root, bucket);
    if (!Object.values(this.buckets).includes(bucket)) throw new InvalidObjectKey(`unknown bucket ${bucket}`);
    let entries: string[];
    try {
      entries = await readdir(bucketDir, { recursive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries.sort()) {
      const key = entry.split(sep).join('/');
      // half-written objects (writeAtomically's temp files) are not objects yet
      if (!key.startsWith(prefix) || TEMPORARY_FILE.test(key)) continue;
      const info = await stat(join(bucketDir, entry)).catch(() => undefined);
      if (info?.isFile()) yield { key, size: info.size, lastModified: info.mtime };
    }
  }

  // ---- the signed-URL endpoint (mounted by the dev host under /_store) ----

  /** Verifies a signed URL; returns what it grants, or a reason it does not. */
  verify(method: string, url: URL): { ok: true; fields: SignedFields } | { ok: false; status: number; reason: string } {
    const parts = url.pathname.replace(/^.*?\/_store\//, '').split('/');
    const bucket = decodeURIComponent(parts.shift() ?? '');
    const key = parts.map(decodeURIComponent).join('/');
    const q = url.searchParams;
    const fields: SignedFields = {
      method: method === 'HEAD' ? 'GET' : (method as 'PUT' | 'GET'),
      bucket,
      key,
      expires: Number(q.get('X-Expires')),
      uploadId: q.get('uploadId') ?? undefined,
      partNumber: q.has('partNumber') ? Number(q.get('partNumber')) : undefined,
      contentType: q.get('X-Content-Type') ?? undefined,
      download: q.get('X-Download') ?? undefined,
    };
    const given = Buffer.from(q.get('X-Signature') ?? '', 'hex');
    const expected = Buffer.from(this.sign(fields), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 403, reason: 'signature does not match' };
    if (!(fields.expires > Date.now() / 1000)) return { ok: false, status: 403, reason: 'URL has expired' };
    try {
      this.objectPath(bucket, key);
    } catch (error) {
      return { ok: false, status: 400, reason: (error as Error).message };
    }
    return { ok: true, fields };
  }

  /** Receives a presigned PUT (a whole object or one part), streaming it to disk. */
  async receive(fields: SignedFields, body: Readable): Promise<string> {
    if (fields.uploadId !== undefined) {
      const dir = this.multipartDir(fields.uploadId);
      if (!existsSync(dir)) throw new InvalidObjectKey('unknown or finished multipart upload');
      if (!Number.isInteger(fields.partNumber) || fields.partNumber! < 1 || fields.partNumber! > 10000) throw new InvalidObjectKey('partNumber must be 1..10000');
      const etag = await writeAtomically(join(dir, partFile(fields.partNumber!)), body);
      await writeFile(join(dir, `${partFile(fields.partNumber!)}.etag`), etag);
      return etag;
    }
    const target = this.objectPath(fields.bucket, fields.key);
    await mkdir(dirname(target), { recursive: true });
    const etag = await writeAtomically(target, body);
    await this.writeMeta(fields.bucket, fields.key, { contentType: fields.contentType, etag });
    if (fields.bucket === this.buckets.incoming) this.notify(fields.bucket, fields.key, (await stat(target)).size, etag, 'Put');
    return etag;
  }

  private notify(bucket: string, key: string, size: number, etag: string, operation: string): void {
    const notification = s3RecordFor(bucket, key, size, etag, `${Date.now().toString(16)}${(this.sequence++).toString(16).padStart(6, '0')}`);
    notification.Records[0]!.eventName = `ObjectCreated:${operation}`;
    this.onObjectCreated(notification);
  }

  private signedUrl(fields: SignedFields): string {
    const path = [fields.bucket, ...fields.key.split('/')].map(encodeURIComponent).join('/');
    const q = new URLSearchParams({ 'X-Expires': String(fields.expires) });
    if (fields.uploadId) q.set('uploadId', fields.uploadId);
    if (fields.partNumber !== undefined) q.set('partNumber', String(fields.partNumber));
    if (fields.contentType) q.set('X-Content-Type', fields.contentType);
    if (fields.download) q.set('X-Download', fields.download);
    q.set('X-Signature', this.sign(fields));
    return `${this.publicUrl}/_store/${path}?${q}`;
  }

  private sign(f: SignedFields): string {
    const canonical = [f.method, f.bucket, f.key, f.expires, f.uploadId ?? '', f.partNumber ?? '', f.contentType ?? '', f.download ?? ''].join('\n');
    return createHmac('sha256', this.secret).update(canonical).digest('hex');
  }

  /** Resolves a key inside its bucket folder; keys that climb out (`..`, absolute) are refused. */
  private objectPath(bucket: string, key: string): string {
    if (!Object.values(this.buckets).includes(bucket)) throw new InvalidObjectKey(`unknown bucket ${bucket}`);
    if (key.length === 0 || key.includes('\0') || key.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
      throw new InvalidObjectKey('object key has empty, "." or ".." segments');
    }
    const bucketDir = resolve(this.root, bucket);
    const path = resolve(bucketDir, key);
    if (!path.startsWith(bucketDir + sep)) throw new InvalidObjectKey('object key escapes its bucket');
    return path;
  }

  private multipartDir(uploadId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new InvalidObjectKey('malformed uploadId');
    return join(this.root, '.multipart', uploadId);
  }

  private metaPath(bucket: string, key: string): string {
    this.objectPath(bucket, key);
    return join(this.root, '.meta', bucket, `${key}.json`);
  }

  /**
   * A small object (a rendition, a sidecar) in one synchronous pass: its five file operations land in the page cache in
   * well under a millisecond, where each one through the thread pool waits for the event loop again (4–8 ms for a
   * photo's 4–80 KB renditions while the database answers in between). Same steps: temporary file, rename, then meta.
   */
  private putSmall(bucket: string, key: string, target: string, body: Buffer, contentType: string): void {
    const temporary = temporaryPathFor(target);
    mkdirSync(dirname(target), { recursive: true });
    try {
      writeFileSync(temporary, body);
      renameSync(temporary, target);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    const meta = this.metaPath(bucket, key);
    mkdirSync(dirname(meta), { recursive: true });
    writeFileSync(meta, JSON.stringify({ contentType, etag: createHash('md5').update(body).digest('hex') }));
  }

  private async writeMeta(bucket: string, key: string, meta: { contentType?: string; etag?: string }): Promise<void> {
    const path = this.metaPath(bucket, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(meta));
  }

  private async readMeta(bucket: string, key: string): Promise<{ contentType?: string; etag?: string }> {
    try {
      return JSON.parse(await readFile(this.metaPath(bucket, key), 'utf8'));
    } catch {
      return {};
    }
  }
}

const TEMPORARY_FILE = /\.[0-9a-f-]{36}\.tmp$/;

/** Where an object is written before its rename into place (TEMPORARY_FILE matches it). */
function temporaryPathFor(target: string): string {
  return `${target}.${randomUUID()}.tmp`;
}

function expiry(ttlSeconds: number): number {
  return Math.floor(Date.now() / 1000) + ttlSeconds;
}

function partFile(partNumber: number): string {
  return `part-${String(partNumber).padStart(5, '0')}`;
}

/** Writes (or streams) into a temp file beside the target, then renames: readers never see half an object. Returns the MD5 ETag. */
async function writeAtomically(target: string, body: Buffer | Readable): Promise<string> {
  const temporary = temporaryPathFor(target);
  const md5 = createHash('md5');
  try {
    if (Buffer.isBuffer(body)) {
      md5.update(body);
      await writeFile(temporary, body);
    } else {
      const hashing = new Transform({
        transform(chunk, _encoding, done) {
          md5.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(body, hashing, createWriteStream(temporary));
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return md5.digest('hex');
}
