// Bearer JWTs verified against a JWKS (any OIDC provider: Keycloak, Dex, Auth0...).
// Roles come from a claim mapping project id → role, e.g. {"projects": {"newsroom": "editor"}}.
// The embedded default generates its own signing key and serves its JWKS.
// Every token must expire (`exp`); a locally signed one may live at most AUTH_MAX_TOKEN_LIFETIME (24 h):
// the local key signs for anyone with the data folder, so its tokens must not be usable forever.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type JWK, type JWTPayload, type JWTVerifyGetKey, SignJWT, createLocalJWKSet, createRemoteJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { type Principal, type Role, isRole } from '../domain/permissions.ts';
import { unauthorized } from './problem.ts';

export interface AuthConfig {
  jwksUrl?: string;
  issuer: string;
  audience: string;
  rolesClaim: string;
  /** the longest `iat`..`exp` a locally signed token may span */
  maxLocalTokenLifetimeSeconds: number;
}

export interface Authenticator {
  verify(token: string): Promise<Principal>;
}

/** `maxLifetimeSeconds`: for the local key only; an OIDC provider sets its own lifetimes. */
export function createAuthenticator(config: AuthConfig, keys: JWTVerifyGetKey, maxLifetimeSeconds?: number): Authenticator {
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: config.issuer,
          audience: config.audience,
          requiredClaims: ['exp'],
          // requires `iat`, neither in the future nor older than the maximum lifetime
          maxTokenAge: maxLifetimeSeconds,
        }));
      } catch (error) {
        throw unauthorized(`invalid token: ${(error as Error).message}`);
      }
      const lifetime = payload.exp! - (payload.iat ?? 0);
      if (maxLifetimeSeconds !== undefined && lifetime > maxLifetimeSeconds) {
        throw unauthorized(`invalid token: it is valid for ${lifetime} s from issue; locally signed tokens may live at most ${maxLifetimeSeconds} s (AUTH_MAX_TOKEN_LIFETIME)`);
      }
      return { subject: String(payload.sub ?? ''), projects: rolesFrom(payload[config.rolesClaim]) };
    },
  };
}

export function remoteKeys(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl));
}

function rolesFrom(claim: unknown): Record<string, Role> {
  if (!claim || typeof claim !== 'object') return {};
  // fromEntries defines own properties: a project named `__proto__` stays a project, not a prototype
  return Object.fromEntries(Object.entries(claim).filter((entry): entry is [string, Role] => isRole(entry[1])));
}

/** The embedded default's signing key: made once, kept in the data folder. */
export interface LocalSigner {
  jwks: { keys: JWK[] };
  keys: JWTVerifyGetKey;
  /** ttlSeconds: 12 h by default, never more than the configured maximum lifetime */
  mint(subject: string, projects: Record<string, Role>, ttlSeconds?: number): Promise<string>;
  /** what mint gives when no ttl is asked for */
  defaultTtlSeconds: number;
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
  const defaultTtlSeconds = Math.min(12 * 3600, config.maxLocalTokenLifetimeSeconds);
  return {
    jwks,
    keys: createLocalJWKSet(jwks),
    defaultTtlSeconds,
    mint: async (subject, projects, ttlSeconds = defaultTtlSeconds) => {
      if (ttlSeconds > config.maxLocalTokenLifetimeSeconds) throw new Error(`a token may live at most ${config.maxLocalTokenLifetimeSeconds} s (AUTH_MAX_TOKEN_LIFETIME); ${ttlSeconds} s was asked for`);
      return new SignJWT({ [config.rolesClaim]: projects })
        .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid })
        .setSubject(subject)
        .setIssuer(config.issuer)
        .setAudience(config.audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(signingKey);
    },
  };
}
