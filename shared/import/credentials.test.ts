import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import { openSecret, openSource, sealSecret, sealSource } from './credentials.ts';

const key = randomBytes(32);

test('a sealed secret opens with its key for its import only, and does not show the secret', () => {
  const sealed = sealSecret('wJalrXUtnFEMI/K7MDENG', key, 'import-1');
  assert.doesNotMatch(sealed, /wJalr/);
  assert.notEqual(sealSecret('wJalrXUtnFEMI/K7MDENG', key, 'import-1'), sealed, 'a fresh IV each time');
  assert.equal(openSecret(sealed, key, 'import-1'), 'wJalrXUtnFEMI/K7MDENG');
  assert.throws(() => openSecret(sealed, key, 'import-2'), /do not open/);
  assert.throws(() => openSecret(sealed, randomBytes(32), 'import-1'), /do not open/);
  const [version, iv, tag, ciphertext] = sealed.split('.');
  const flipped = Buffer.from(ciphertext!, 'base64url');
  flipped[0]! ^= 1;
  assert.throws(() => openSecret([version, iv, tag, flipped.toString('base64url')].join('.'), key, 'import-1'), /do not open/);
});

test('only an S3 source is sealed; opening gives back what was posted', () => {
  const s3 = { type: 's3', endpoint: 'https://s3.example.org', bucket: 'b', prefix: '', credentials: { accessKeyId: 'AKIA1', secretAccessKey: 'secret!' } };
  const stored = sealSource(s3, key, 'i');
  assert.equal(JSON.stringify(stored).includes('secret!'), false);
  assert.deepEqual((stored.credentials as Record<string, string>).accessKeyId, 'AKIA1');
  assert.deepEqual(openSource(stored, key, 'i'), s3);
  const urls = { type: 'urls', urls: ['https://example.org/a.jpg'] };
  assert.equal(sealSource(urls, key, 'i'), urls);
});

test('IMPORT_CREDENTIALS_KEY takes 32 bytes as hex or base64 and refuses anything else', () => {
  const hex = randomBytes(32).toString('hex');
  assert.equal(loadConfig({ IMPORT_CREDENTIALS_KEY: hex }).imports.credentialsKey!.toString('hex'), hex);
  const base64 = randomBytes(32).toString('base64');
  assert.equal(loadConfig({ IMPORT_CREDENTIALS_KEY: base64 }).imports.credentialsKey!.toString('base64'), base64);
  assert.throws(() => loadConfig({ IMPORT_CREDENTIALS_KEY: 'short' }), /IMPORT_CREDENTIALS_KEY.*32-byte key/);
  assert.throws(() => loadConfig({ IMPORT_CREDENTIALS_KEY: randomBytes(16).toString('hex') }), /32-byte key/);
});
