import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SignJWT, importJWK } from 'jose';
import { type AuthConfig, createAuthenticator, localSigner } from './auth.ts';

const dir = mkdtempSync(join(tmpdir(), 'mediateca-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config: AuthConfig = { issuer: 'mediateca-local', audience: 'mediateca', rolesClaim: 'projects', maxLocalTokenLifetimeSeconds: 24 * 3600 };
const keyFile = join(dir, 'signing-key.json');
const signer = await localSigner(keyFile, config);
const auth = createAuthenticator(config, signer.keys, config.maxLocalTokenLifetimeSeconds);

/** A token signed with the local key, with exactly the time claims given (seconds since the epoch). */
async function signed(claims: { iat?: number; exp?: number }): Promise<string> {
  const jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
  let jwt = new SignJWT({ projects: { newsroom: 'admin' }, ...claims }).setProtectedHeader({ alg: 'ES256', kid: jwk.kid }).setSubject('mallory').setIssuer(config.issuer).setAudience(config.audience);
  if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
  return jwt.sign(await importJWK(jwk, 'ES256'));
}
const now = () => Math.floor(Date.now() / 1000);

test('a minted token is accepted, within the maximum lifetime', async () => {
  assert.equal(signer.defaultTtlSeconds, 12 * 3600);
  assert.deepEqual(await auth.verify(await signer.mint('ana', { newsroom: 'editor' })), { subject: 'ana', projects: { newsroom: 'editor' } });
});

test('a token without exp is refused', async () => {
  await assert.rejects(auth.verify(await signed({ iat: now() })), (error: any) => error.status === 401 && /"exp" claim/.test(error.detail));
});

test('a local token living longer than AUTH_MAX_TOKEN_LIFETIME is refused, however it was made', async () => {
  await assert.rejects(auth.verify(await signed({ iat: now(), exp: now() + 25 * 3600 })), (error: any) => error.status === 401 && /at most 86400 s/.test(error.detail));
  await assert.rejects(auth.verify(await signed({ exp: now() + 3600 })), (error: any) => error.status === 401 && /"iat" claim/.test(error.detail), 'no iat: its lifetime is unknown');
  await assert.rejects(auth.verify(await signed({ iat: now() + 365 * 86400, exp: now() + 365 * 86400 + 60 })), (error: any) => error.status === 401 && /iat/.test(error.detail), 'issued in the future');
});

test('mint refuses a lifetime above the maximum, and a smaller maximum shortens the default', async () => {
  await assert.rejects(signer.mint('ana', { newsroom: 'editor' }, 48 * 3600), /at most 86400 s/);
  const short = await localSigner(keyFile, { ...config, maxLocalTokenLifetimeSeconds: 3600 });
  assert.equal(short.defaultTtlSeconds, 3600);
  const strict = createAuthenticator(config, short.keys, 3600);
  assert.equal((await strict.verify(await short.mint('ana', { newsroom: 'viewer' }))).subject, 'ana');
});

test('tokens from an OIDC provider need exp but no local lifetime', async () => {
  const remote = createAuthenticator(config, signer.keys);
  assert.equal((await remote.verify(await signed({ iat: now(), exp: now() + 30 * 86400 }))).subject, 'mallory');
  await assert.rejects(remote.verify(await signed({ iat: now() })), /"exp" claim/);
});
