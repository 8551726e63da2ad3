// Bearer JWTs verified against a JWKS (any OIDC provider: Keycloak, Dex, Auth0...).
// Roles come from a claim mapping project id → role, e.g. {"projects": {"newsroom": "editor"}}.
// The embedded default generates its own signing key and serves its JWKS.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type JWK, type JWTVerifyGetKey, SignJWT, createLocalJWKSet, createRemoteJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { type Principal, type Role, isRole } from '../domain/permissions.ts';
import { unauthorized } from './problem.ts';

export interface AuthConfig {
  jwksUrl?: string;
  issuer: string;
  audience: string;
  rolesClaim: string;
}

export interface Authenticator {
  verify(token: string): Promise<Principal>;
}

export function createAuthenticator(config: AuthConfig, keys: JWTVerifyGetKey): Authenticator {
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys, { issuer: config.issuer, audience: config.audience });
        return { subject: String(payload.sub ?? ''), projects: rolesFrom(payload[config.rolesClaim]) };
      } catch (error) {
        throw unauthorized(`invalid token: ${(error as Error).message}`);
      }
    },
  };
}

export function remoteKeys(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl));
}

function rolesFrom(claim: unknown): Record<string, Role> {
  const roles: Record<string, Role> = {};
  if (claim && typeof claim === 'object') {
    for (const [project, role] of Object.entries(claim)) if (isRole(role)) roles[project] = role;
  }
  return roles;
}

/** The embedded default's signing key: made once, kept in the data folder. */
export interface LocalSigner {
  jwks: { keys: JWK[] };
  keys: JWTVerifyGetKey;
  mint(subject: string, projects: Record<string, Role>, ttlSeconds?: number): Promise<string>;
}

export async function localSigner(keyFile: string, config: AuthConfig): Promise<LocalSigner> {
  let privateJwk: JWK;
  if (existsSync(keyFile)) {
    privateJwk = JSON.parse(readFileSync(keyFile, 'utf8'));
  } else {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), kid: `local-${Date.now().toString(36)}`, alg: 'ES256', use: 'sig' };
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  const { d: _private, ...publicJwk } = privateJwk;
  const jwks = { keys: [publicJwk] };
  const signingKey = await importJWK(privateJwk, 'ES256');
  return {
    jwks,
    keys: createLocalJWKSet(jwks),
    mint: (subject, projects, ttlSeconds = 12 * 3600) =>
      new SignJWT({ [config.rolesClaim]: projects })
        .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid })
        .setSubject(subject)
        .setIssuer(config.issuer)
        .setAudience(config.audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(signingKey),
  };
}
