// A small OpenID Connect provider on loopback for tests: discovery, a sign-in form, the authorization code grant
// with PKCE (S256 only, as the workspace uses it) for one public client, and a JWKS. It checks what a real provider
// checks on that path (client, exact redirect URI, one use per code, code lifetime, the verifier against the
// challenge) and records each grant, so a test can see PKCE was really used. With refreshTokens it also hands out
// a refresh token, rotated on each use (a used one is refused, as Keycloak does with refresh token rotation). Its access tokens carry the roles
// claim the API reads; the API verifies them against its JWKS (AUTH_JWKS_URL).
import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

export interface OidcUser { password: string; roles: Record<string, string>; name?: string; /** this user's access token lifetime (the provider's otherwise) */ accessTokenSeconds?: number }

export interface OidcProviderOptions {
  clientId: string;
  /** the exact redirect URIs the client registered */
  redirectUris: string[];
  users: Record<string, OidcUser>;
  audience: string;
  rolesClaim: string;
  accessTokenSeconds?: number;
  /** hand out refresh tokens (grant_type=refresh_token) */
  refreshTokens?: boolean;
}

export interface Grant { user: string; codeChallengeMethod: string; verifierChecked: boolean }

export interface OidcProvider {
  issuer: string;
  jwksUrl: string;
  /** every code redeemed at the token endpoint */
  grants: Grant[];
  /** token requests refused, with the OAuth error */
  refusals: string[];
  /** refresh tokens redeemed, by user */
  refreshes: string[];
  close(): Promise<void>;
}

const CODE_SECONDS = 60;

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = `test-${randomBytes(4).toString('hex')}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const codes = new Map<string, { user: string; challenge: string; method: string; redirectUri: string; expires: number }>();
  const grants: Grant[] = [];
  const refusals: string[] = [];
  const refreshes: string[] = [];
  /** refresh token → user; a token leaves when it is used */
  const refreshTokens = new Map<string, string>();
  let issuer = '';

  const sign = (claims: Record<string, unknown>, subject: string, audience: string, seconds: number) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).setIssuer(issuer).setSubject(subject).setAudience(audience)
      .setIssuedAt().setExpirationTime(`${seconds}s`).sign(privateKey);

  const tokens = async (username: string) => {
    const user = options.users[username]!;
    const seconds = user.accessTokenSeconds ?? options.accessTokenSeconds ?? 300;
    const refreshToken = options.refreshTokens ? randomBytes(24).toString('base64url') : undefined;
    if (refreshToken) refreshTokens.set(refreshToken, username);
    return {
      access_token: await sign({ [options.rolesClaim]: user.roles, preferred_username: username, scope: 'openid profile' }, username, options.audience, seconds),
      id_token: await sign({ name: user.name ?? username, preferred_username: username }, username, options.clientId, seconds),
      token_type: 'Bearer',
      expires_in: seconds,
      scope: 'openid profile',
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify(body));
  };
  const tokenError = (res: ServerResponse, error: string, description: string) => {
    refusals.push(`${error}: ${description}`);
    json(res, 400, { error, error_description: description });
  };
  const readForm = async (req: IncomingMessage) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    return new URLSearchParams(body);
  };
  const page = (res: ServerResponse, status: number, html: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head><body>${html}</body></html>`);
  };
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const path = url.pathname.slice(new URL(issuer).pathname.length);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type, accept, authorization', 'access-control-max-age': '600' });
      return res.end();
    }
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'], grant_types_supported: options.refreshTokens ? ['authorization_code', 'refresh_token'] : ['authorization_code'], code_challenge_methods_supported: ['S256'],
        subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'], token_endpoint_auth_methods_supported: ['none'],
        scopes_supported: ['openid', 'profile'],
      });
    }
    if (req.method === 'GET' && path === '/jwks') return json(res, 200, jwks);
    if (path === '/authorize') {
      // GET shows the form with the request's parameters; POST checks the password and sends the code back
      const params = req.method === 'POST' ? await readForm(req) : url.searchParams;
      const clientId = params.get('client_id');
      const redirectUri = params.get('redirect_uri') ?? '';
      if (clientId !== options.clientId || !options.redirectUris.includes(redirectUri)) return page(res, 400, '<p>unknown client or redirect URI</p>');
      const back = new URL(redirectUri);
      const state = params.get('state');
      if (state) back.searchParams.set('state', state);
      const challenge = params.get('code_challenge') ?? '';
      const method = params.get('code_challenge_method') ?? 'plain';
      if (params.get('response_type') !== 'code' || !/^[A-Za-z0-9_-]{43}$/.test(challenge) || method !== 'S256' || !(params.get('scope') ?? '').split(' ').includes('openid')) {
        back.searchParams.set('error', 'invalid_request');
        back.searchParams.set('error_description', 'code flow with a PKCE S256 challenge and the openid scope is required');
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      const hidden = [...params].filter(([name]) => !['username', 'password'].includes(name)).map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`).join('');
      const form = (error = '') => `<h1>Test provider</h1>${error}<form method="post" action="${issuer}/authorize">${hidden}
        <label for="username">Username</label><input id="username" name="username" autocomplete="username">
        <label for="password">Password</label><input id="password" name="password" type="password">
        <button type="submit" id="sign-in">Sign in</button></form>`;
      if (req.method !== 'POST') return page(res, 200, form());
      const username = params.get('username') ?? '';
      if (options.users[username]?.password !== params.get('password')) return page(res, 200, form('<p role="alert" id="login-error">Wrong username or password</p>'));
      const code = randomBytes(24).toString('base64url');
      codes.set(code, { user: username, challenge, method, redirectUri, expires: Date.now() + CODE_SECONDS * 1000 });
      back.searchParams.set('code', code);
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === 'POST' && path === '/token') {
      const form = await readForm(req);
      if (options.refreshTokens && form.get('grant_type') === 'refresh_token') {
        const presented = form.get('refresh_token') ?? '';
        const user = refreshTokens.get(presented);
        refreshTokens.delete(presented); // rotated: one use
        if (!user) return tokenError(res, 'invalid_grant', 'unknown or used refresh token');
        if (form.get('client_id') !== options.clientId) return tokenError(res, 'invalid_client', 'not the client the token was issued to');
        refreshes.push(user);
        return json(res, 200, await tokens(user));
      }
      if (form.get('grant_type') !== 'authorization_code') return tokenError(res, 'unsupported_grant_type', 'only authorization_code');
      const code = form.get('code') ?? '';
      const grant = codes.get(code);
      codes.delete(code); // one use, whatever happens next
      if (!grant || grant.expires < Date.now()) return tokenError(res, 'invalid_grant', 'unknown, used or expired code');
      if (form.get('client_id') !== options.clientId) return tokenError(res, 'invalid_client', 'not the client the code was issued to');
      if (form.get('redirect_uri') !== grant.redirectUri) return tokenError(res, 'invalid_grant', 'redirect_uri differs from the authorization request');
      const verifier = form.get('code_verifier') ?? '';
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
        return tokenError(res, 'invalid_grant', 'the code_verifier does not match the code_challenge');
      }
      grants.push({ user: grant.user, codeChallengeMethod: grant.method, verifierChecked: true });
      return json(res, 200, await tokens(grant.user));
    }
    json(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/test`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    grants,
    refusals,
    refreshes,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
