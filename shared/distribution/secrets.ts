// Channel credentials at rest: AES-256-GCM, a fresh 96-bit IV per encryption, the key id kept with the ciphertext
// so keys can be rotated: the first configured key encrypts, every configured key still decrypts, and
// `reencrypt` moves a ciphertext onto the current key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { localKey } from '../secrets/local-key.ts';

export interface SecretKey {
  id: string;
  key: Buffer;
}

export class SecretBox {
  constructor(private readonly keys: SecretKey[]) {
    if (keys.length === 0) throw new Error('at least one channel secrets key is needed');
    for (const { id, key } of keys) if (key.length !== 32) throw new Error(`channel secrets key ${id} is not 32 bytes`);
  }

  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  encrypt(value: unknown): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    // The key id is authenticated too: a ciphertext cannot be moved under another key id.
    cipher.setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return [id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt<T = Record<string, unknown>>(sealed: string): T {
    const [id, iv, tag, body] = sealed.split('.');
    const entry = this.keys.find((k) => k.id === id);
    if (!entry || !iv || !tag || body === undefined) throw new Error(`channel credentials sealed with key ${id ?? '?'}, which is not configured (CHANNEL_SECRETS_KEY / CHANNEL_SECRETS_OLD_KEYS)`);
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(entry.id));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')) as T;
  }

  /** the same secret sealed with the current key; unchanged when it already is */
  reencrypt(sealed: string): string {
    return sealed.startsWith(`${this.currentKeyId}.`) ? sealed : this.encrypt(this.decrypt(sealed));
  }
}

/** The configured keys, else the embedded default's: one made once and kept in the data folder (key id `local`). */
export function secretBoxOf(config: Pick<Config, 'dataDir' | 'distribution'>): SecretBox {
  if (config.distribution.secretKeys.length > 0) return new SecretBox(config.distribution.secretKeys);
  return new SecretBox([{ id: 'local', key: localKey(config.dataDir, 'channel-secrets-key') }]);
}

/** Functions running apart each have their own data folder: a key one of them made up could not open the others' ciphertexts. */
export function requireConfiguredKey(config: Pick<Config, 'distribution' | 'natsUrl'>): void {
  if (config.natsUrl && config.distribution.secretKeys.length === 0) {
    throw new Error('CHANNEL_SECRETS_KEY must be set when functions run apart (NATS_URL is set): the same keys for distribute and distribute-worker');
  }
}
