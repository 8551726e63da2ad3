import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SecretBox } from './secrets.ts';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };

test('credentials round-trip and the ciphertext shows neither the secret nor a repeated IV', () => {
  const box = new SecretBox([k1]);
  const a = box.encrypt({ secret: 'whsec_topsecret' });
  const b = box.encrypt({ secret: 'whsec_topsecret' });
  assert.notEqual(a, b);
  assert.ok(!a.includes('topsecret'));
  assert.ok(a.startsWith('k1.'));
  assert.deepEqual(box.decrypt(a), { secret: 'whsec_topsecret' });
});

test('rotation: a new key encrypts, the old one still decrypts, reencrypt moves a ciphertext onto the new key', () => {
  const sealedOld = new SecretBox([k1]).encrypt({ password: 'p' });
  const rotated = new SecretBox([k2, k1]);
  assert.deepEqual(rotated.decrypt(sealedOld), { password: 'p' });
  const moved = rotated.reencrypt(sealedOld);
  assert.ok(moved.startsWith('k2.'));
  assert.deepEqual(new SecretBox([k2]).decrypt(moved), { password: 'p' });
  assert.throws(() => new SecretBox([k2]).decrypt(sealedOld), /key k1, which is not configured/);
});

test('a tampered ciphertext or a key id swapped onto another key is refused', () => {
  const box = new SecretBox([k1, { id: 'k3', key: k1.key }]);
  const sealed = box.encrypt({ secret: 's' });
  const parts = sealed.split('.');
  const flipped = Buffer.from(parts[3]!, 'base64url');
  flipped[0] ^= 1;
  assert.throws(() => box.decrypt([parts[0], parts[1], parts[2], flipped.toString('base64url')].join('.')));
  assert.throws(() => box.decrypt(['k3', parts[1], parts[2], parts[3]].join('.')));
});
