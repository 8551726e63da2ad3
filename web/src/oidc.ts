// Sign-in through the configured OIDC provider (Keycloak in servers mode): the authorization code flow with PKCE
// for a public client (no secret in the browser), through oauth4webapi. The verifier and state wait in
// sessionStorage while the provider has the tab; the provider's access token is the API's bearer token. When the
// provider hands out a refresh token, the access token is renewed with it before it expires (keepFresh), so an
// editor is not signed out in the middle of their work.
import * as oauth from 'oauth4webapi';

export interface OidcOptions { issuer: string; clientId: string; scope: string }

const PENDING_KEY = 'mediateca.oidc.pending';
/** the refresh token and the provider it belongs to, for this tab only */
const REFRESH_KEY = 'mediateca.oidc.refresh';
/** renew this long before expiry at most (a quarter of the token's life when that is shorter) */
const RENEW_AHEAD_SECONDS = 60;

/** Plain http only for a provider on this machine (development, tests); anything else must be https. */
function insecureAllowed(issuer: URL) {
  return issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname) ? { [oauth.allowInsecureRequests]: true } : {};
}

async function discover(options: OidcOptions): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(options.issuer);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecureAllowed(issuer) });
  return oauth.processDiscoveryResponse(issuer, response);
}

/** Where the provider sends the browser back: the workspace itself. */
const redirectUri = () => `${location.origin}/`;

/** Leaves for the provider's sign-in page. */
export async function startSignIn(options: OidcOptions): Promise<void> {
  const as = await discover(options);
  if (!as.authorization_endpoint) throw new Error(`${options.issuer} names no authorization endpoint`);
  if (as.code_challenge_methods_supported && !as.code_challenge_methods_supported.includes('S256')) throw new Error(`${options.issuer} does not support PKCE with S256`);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, options, back: location.hash }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', options.scope);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  location.assign(url.href);
}

/**
 * Back from the provider (?code=…&state=… or ?error=…): trades the code and the verifier for tokens and answers the
 * access token; undefined when this page load is not a return from the provider. The query leaves the address bar.
 */
export async function finishSignIn(): Promise<string | undefined> {
  const here = new URL(location.href);
  if (!here.searchParams.has('state') || !(here.searchParams.has('code') || here.searchParams.has('error'))) return undefined;
  const pending = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', location.pathname);
  if (!pending) throw new Error('the sign-in answer came back to a tab that did not start it: sign in again');
  const { verifier, state, options, back } = JSON.parse(pending) as { verifier: string; state: string; options: OidcOptions; back: string };
  const as = await discover(options);
  const client: oauth.Client = { client_id: options.clientId };
  const insecure = insecureAllowed(new URL(options.issuer));
  let parameters: URLSearchParams;
  try {
    parameters = oauth.validateAuthResponse(as, client, here, state);
  } catch (error) {
    const problem = error as { cause?: URLSearchParams; message: string };
    const description = problem.cause instanceof URLSearchParams ? problem.cause.get('error_description') ?? problem.cause.get('error') : undefined;
    throw new Error(description ? `the provider refused the sign-in: ${description}` : problem.message);
  }
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), parameters, redirectUri(), verifier, insecure);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
  if (back) history.replaceState(null, '', `${location.pathname}${back}`);
  keepRefreshToken(tokens.refresh_token, options);
  return tokens.access_token;
}

function keepRefreshToken(refreshToken: string | undefined, options: OidcOptions): void {
  if (refreshToken) sessionStorage.setItem(REFRESH_KEY, JSON.stringify({ refreshToken, options }));
  else sessionStorage.removeItem(REFRESH_KEY);
}

/** Forgets the refresh token (signing out). */
export function forgetRefreshToken(): void {
  sessionStorage.removeItem(REFRESH_KEY);
}

/** When to renew a token that expires at `exp` and was issued at `iat` (seconds since the epoch): ms from now. */
export function renewIn(claims: { exp?: number; iat?: number }, now = Date.now()): number | undefined {
  if (claims.exp === undefined) return undefined;
  const life = claims.iat === undefined ? RENEW_AHEAD_SECONDS * 4 : claims.exp - claims.iat;
  const ahead = Math.min(RENEW_AHEAD_SECONDS, life / 4);
  return Math.max(0, (claims.exp - ahead) * 1000 - now);
}

/** A new access token for the refresh token this tab keeps (the provider may rotate it: the new one is kept). */
async function refresh(): Promise<string> {
  const kept = sessionStorage.getItem(REFRESH_KEY);
  if (!kept) throw new Error('no refresh token');
  const { refreshToken, options } = JSON.parse(kept) as { refreshToken: string; options: OidcOptions };
  const as = await discover(options);
  const client: oauth.Client = { client_id: options.clientId };
  const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, insecureAllowed(new URL(options.issuer)));
  const tokens = await oauth.processRefreshTokenResponse(as, client, response);
  keepRefreshToken(tokens.refresh_token ?? refreshToken, options);
  return tokens.access_token;
}

/**
 * While this tab holds a refresh token, renews the access token ahead of its expiry (claims: the current token's)
 * and hands each new one to onToken; a refused renewal goes to onFailed (the provider ended the session). Answers
 * a function that stops the timer.
 */
export function keepFresh(claims: { exp?: number; iat?: number } | undefined, onToken: (token: string) => void, onFailed: (reason: string) => void): () => void {
  const wait = claims && sessionStorage.getItem(REFRESH_KEY) ? renewIn(claims) : undefined;
  if (wait === undefined) return () => {};
  let stopped = false;
  const timer = setTimeout(() => {
    refresh().then(
      (token) => { if (!stopped) onToken(token); },
      (error) => {
        if (stopped) return;
        forgetRefreshToken();
        const problem = error as { cause?: { error_description?: string; error?: string }; message: string };
        onFailed(problem.cause?.error_description ?? problem.cause?.error ?? problem.message);
      },
    );
  }, wait);
  return () => { stopped = true; clearTimeout(timer); };
}
