// The typed API client: openapi-fetch over the types generated from /openapi.json (api-schema.d.ts). Every call
// carries the signed-in token; problem details come back as `error`.
import createClient from 'openapi-fetch';
import type { components, paths } from './api-schema';

export type Asset = components['schemas']['Asset'];
export type ListedAsset = components['schemas']['ListedAsset'];
export type SearchHit = components['schemas']['SearchHit'];
export type SearchResults = components['schemas']['SearchResults'];
export type Label = components['schemas']['Label'];
export type UploadPlan = components['schemas']['UploadPlan'];
export type LiveEvent = components['schemas']['LiveEvent'];
export type FieldDefinition = components['schemas']['FieldDefinition'];
export type MetadataSchema = components['schemas']['MetadataSchema'];
export type Person = components['schemas']['Person'];
export interface Problem { title: string; status: number; detail?: string; issues?: { path: string; message: string }[]; duplicateOf?: string }

const TOKEN_KEY = 'mediateca.token';

export type SignInOptions = components['schemas']['SignInOptions'];

export const session = {
  /** the claim mapping projects to roles (GET /auth/config; `projects` unless configured) */
  rolesClaim: 'projects',
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
  },
  signIn(token: string, remember: boolean) {
    (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token.trim());
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
  },
  /** The token's claims (not verified here: the API does that); undefined when it is not a JWT. */
  claims(): { sub?: string; exp?: number; iat?: number; projects?: Record<string, string>; preferred_username?: string } | undefined {
    try {
      const payload = this.token!.split('.')[1]!;
      const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
      return { ...claims, projects: claims[this.rolesClaim] };
    } catch {
      return undefined;
    }
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use({
  onRequest({ request }) {
    const token = session.token;
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent('mediateca:unauthorized'));
    return response;
  },
});

/** A problem's words for a person: the detail, or the title. */
export function describeProblem(error: unknown): string {
  const problem = error as Problem | undefined;
  return problem?.detail ?? problem?.title ?? 'the request failed';
}
