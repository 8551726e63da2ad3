// The assets function on a PGlite test platform with a token per role: the setup every route test of
// functions/assets shares. Call it at a test file's top level; it registers its own before/after hooks.
import { after, before } from 'node:test';
import { createApp } from '../../functions/assets/index.ts';
import { createTestPlatform } from './platform.ts';

export const ROLES = ['viewer', 'editor', 'producer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Answer {
  status: number;
  etag: string | null;
  type: string | null;
  location: string | null;
  headers: Headers;
  /** parsed JSON (problem+json too), the text of any other body, null when empty */
  body: any;
}

export interface AssetsHarness {
  readonly platform: Awaited<ReturnType<typeof createTestPlatform>>;
  readonly app: ReturnType<typeof createApp>;
  /** by role name (and the names of `extraTokens`) */
  readonly tokens: Record<string, string>;
  /** a JSON request as `who` (no token when undefined) */
  call(who: string | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
}

export interface HarnessOptions {
  /** configuration variables of the test platform */
  env?: Record<string, string>;
  /** the projects each role's token names (default: newsroom with that role) */
  projectsOf?: (role: Role) => Record<string, Role>;
  /** more tokens: subject → its projects and roles */
  extraTokens?: Record<string, Record<string, Role>>;
  /** headers every call sends (a call's own headers win) */
  headers?: Record<string, string>;
}

export function assetsHarness(options: HarnessOptions = {}): AssetsHarness {
  let platform: AssetsHarness['platform'] | undefined;
  let app: AssetsHarness['app'] | undefined;
  const tokens: Record<string, string> = {};
  before(async () => {
    platform = await createTestPlatform(options.env);
    app = createApp(platform);
    for (const role of ROLES) tokens[role] = await platform.signer!.mint(role, options.projectsOf?.(role) ?? { newsroom: role });
    for (const [subject, projects] of Object.entries(options.extraTokens ?? {})) tokens[subject] = await platform.signer!.mint(subject, projects);
  });
  after(() => platform?.dispose());

  return {
    get platform() {
      if (!platform) throw new Error('the harness starts in before()');
      return platform;
    },
    get app() {
      if (!app) throw new Error('the harness starts in before()');
      return app;
    },
    tokens,
    async call(who, method, path, body, headers = {}) {
      if (!app) throw new Error('the harness starts in before()');
      const response = await app.request(path, {
        method,
        headers: { ...(who === undefined ? {} : { authorization: `Bearer ${tokens[who]}` }), 'content-type': 'application/json', ...options.headers, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const type = response.headers.get('content-type');
      const text = await response.text();
      return {
        status: response.status,
        etag: response.headers.get('etag'),
        type,
        location: response.headers.get('location'),
        headers: response.headers,
        body: text === '' ? null : type?.includes('json') ? JSON.parse(text) : text,
      };
    },
  };
}
