// Roles are granted per project. Pure rules; the HTTP layer maps a token to a Principal.

export const ROLES = ['viewer', 'editor', 'producer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Action =
  | 'asset:read'
  | 'asset:read-unapproved'
  | 'asset:upload'
  | 'asset:edit'
  | 'asset:submit'
  | 'asset:approve'
  | 'asset:publish'
  | 'asset:archive'
  | 'asset:reprocess'
  | 'project:admin'
  | 'collection:edit'
  | 'share:manage'
  | 'audit:read';

const MIN_ROLE: Record<Action, Role> = {
  'asset:read': 'viewer',
  // viewers see approved assets only, unless their project's settings let them see the rest (editorial.ts)
  'asset:read-unapproved': 'editor',
  'asset:upload': 'editor',
  'asset:edit': 'editor',
  'asset:submit': 'editor',
  'asset:approve': 'producer',
  'asset:publish': 'producer',
  'asset:archive': 'admin',
  'asset:reprocess': 'admin',
  'project:admin': 'admin',
  // collections, share links and the audit log (domain/collections.ts, share-links.ts, audit.ts)
  'collection:edit': 'editor',
  'share:manage': 'editor',
  'audit:read': 'admin',
};

export interface Principal {
  subject: string;
  /** project id → role */
  projects: Record<string, Role>;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The caller's role in a project. Own keys only: a project named `constructor` or `__proto__` is just a name. */
export function roleIn(principal: Principal, projectId: string): Role | undefined {
  return Object.hasOwn(principal.projects, projectId) ? principal.projects[projectId] : undefined;
}

export function can(principal: Principal, action: Action, projectId: string): boolean {
  const role = roleIn(principal, projectId);
  if (!role) return false;
  return ROLES.indexOf(role) >= ROLES.indexOf(MIN_ROLE[action]);
}

/** Projects in which the principal may perform the action (used to scope searches). */
export function projectsWhere(principal: Principal, action: Action): string[] {
  return Object.keys(principal.projects).filter((project) => can(principal, action, project));
}
