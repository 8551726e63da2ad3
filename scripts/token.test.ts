// `npm run token` mints with the key `npm start` made in the same data folder, and refuses to invent one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { loadConfig } from '../shared/config.ts';
import { createAuthenticator, localSigner } from '../shared/http/auth.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'mediateca-token-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function token(...args: string[]) {
  const { MEDIATECA_DATA: _, AUTH_JWKS_URL: __, ...env } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'token.ts'), ...args], { env: { ...env, MEDIATECA_DATA: dataDir }, encoding: 'utf8' });
}

describe('npm run token', () => {
  test('without the platform’s signing key it fails naming the data folder, and makes no key', () => {
    const result = token('alice', 'newsroom=editor');
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`no signing key in the data folder ${dataDir}`));
    assert.match(result.stderr, /MEDIATECA_DATA/);
    assert.equal(result.stdout, '');
    assert.equal(existsSync(join(dataDir, 'keys', 'signing-key.json')), false);
  });

  test('with the key the platform made, its token is accepted by the platform', async () => {
    const config = loadConfig({ MEDIATECA_DATA: dataDir });
    const signer = await localSigner(join(dataDir, 'keys', 'signing-key.json'), config.auth); // what npm start does
    const result = token('alice', 'newsroom=editor');
    assert.equal(result.status, 0, result.stderr);
    const jwt = result.stdout.trim();
    assert.deepEqual(decodeJwt(jwt).projects, { newsroom: 'editor' });
    const principal = await createAuthenticator(config.auth, signer.keys).verify(jwt);
    assert.equal(principal.subject, 'alice');
  });
});
