// An S3 source's credentials at rest: the secret key is sealed with AES-256-GCM before the batch is stored, bound
// to its batch (the import id is the additional authenticated data, so a sealed value copied to another row does
// not open), and opened only in the worker, in memory, for the requests to that source. The key is
// IMPORT_CREDENTIALS_KEY (32 bytes, hex or base64); the embedded default makes one once in the data folder.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { localKey } from '../secrets/local-key.ts';

const VERSION = 'v1';
const IV_BYTES = 12;

export interface SealedCredentials {
  accessKeyId: string;
  /** `v1.<iv>.<tag>.<ciphertext>`, base64url each */
  sealedSecretAccessKey: string;
}

/** IMPORT_CREDENTIALS_KEY, else the embedded default's: made once and kept in the data folder. */
export function credentialsKeyOf(config: Pick<Config, 'dataDir'> & { imports: Pick<Config['imports'], 'credentialsKey'> }): Buffer {
  return config.imports.credentialsKey ?? localKey(config.dataDir, 'import-credentials-key');
}

export function sealSecret(secret: string, key: Buffer, importId: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(importId));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** Throws when the value was not sealed with this key for this import (wrong key, another batch, tampering). */
export function openSecret(sealed: string, key: Buffer, importId: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('sealed credentials in an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(importId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('the source credentials do not open with IMPORT_CREDENTIALS_KEY (was the key changed?)');
  }
}

/** The source as stored: an S3 source's secret key sealed, everything else as posted. */
export function sealSource<T extends Record<string, unknown>>(source: T, key: Buffer, importId: string): Record<string, unknown> {
  if (source.type !== 's3') return source;
  const { accessKeyId, secretAccessKey } = source.credentials as { accessKeyId: string; secretAccessKey: string };
  return { ...source, credentials: { accessKeyId, sealedSecretAccessKey: sealSecret(secretAccessKey, key, importId) } satisfies SealedCredentials };
}

/** The source as the worker needs it, the secret opened again. */
export function openSource(stored: Record<string, unknown>, key: Buffer, importId: string): Record<string, unknown> {
  const credentials = stored.credentials as Partial<SealedCredentials> | undefined;
  if (stored.type !== 's3' || !credentials?.sealedSecretAccessKey) return stored;
  return { ...stored, credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: openSecret(credentials.sealedSecretAccessKey, key, importId) } };
}
