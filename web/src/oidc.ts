// Sign-in through the configured OIDC provider (Keycloak in servers mode): the authorization code flow with PKCE
// for a public client (no secret in the browser), through oauth4webapi. The verifier and state wait in
// sessionStorage while the provider has the tab; the provider's access token is the API's bearer token.
import * as oauth from 'oauth4webapi';

export interface OidcOptions { issuer: string; clientId: string; scope: string }

const PENDING_KEY = 'mediateca.oidc.pending';

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
  return tokens.access_token;
}
