// The editorial lifecycle an asset goes through before it is published: draft → in_review → approved → archived,
// with rejected (a producer's "no", with a reason) back to draft. Separate from the processing state (asset.ts):
// an asset can be re-rendered while approved, and a draft can be ready. Pure: the rules are tested directly.
import type { AssetState } from './asset.ts';
import { type Action, type Principal, can, roleIn } from './permissions.ts';

export const EDITORIAL_STATES = ['draft', 'in_review', 'approved', 'rejected', 'archived'] as const;
export type EditorialState = (typeof EDITORIAL_STATES)[number];

/** The state a new asset starts in. */
export const INITIAL_EDITORIAL_STATE: EditorialState = 'draft';

/** Longest reason kept with a transition (a rejection's explanation). */
export const MAX_REASON_LENGTH = 2000;

interface Move {
  /** the permission the move needs (permissions.ts gives each its least role) */
  action: Action;
  /** a rejection says why, so the editor knows what to change */
  needsReason?: boolean;
}

/** Every allowed move, by the state it leaves. Editors submit (and withdraw), producers approve or reject, admins archive. */
const MOVES: Record<EditorialState, Partial<Record<EditorialState, Move>>> = {
  draft: { in_review: { action: 'asset:submit' } },
  in_review: { approved: { action: 'asset:approve' }, rejected: { action: 'asset:approve', needsReason: true }, draft: { action: 'asset:submit' } },
  rejected: { draft: { action: 'asset:submit' } },
  approved: { archived: { action: 'asset:archive' } },
  archived: { draft: { action: 'asset:archive' } },
};

export function isEditorialState(value: unknown): value is EditorialState {
  return typeof value === 'string' && (EDITORIAL_STATES as readonly string[]).includes(value);
}

/** States reachable from `from`, whoever asks. */
export function editorialTargets(from: EditorialState): EditorialState[] {
  return Object.keys(MOVES[from]) as EditorialState[];
}

export interface TransitionRequest {
  asset: { projectId: string; state: AssetState; editorialState: EditorialState };
  to: EditorialState;
  reason?: string;
  principal: Principal;
}

export type TransitionDecision =
  | { ok: true; from: EditorialState; to: EditorialState; reason?: string }
  /** invalid: the request itself is wrong (400); forbidden: the caller's role (403); conflict: the asset's state (409) */
  | { ok: false; problem: 'invalid' | 'forbidden' | 'conflict'; reason: string };

/** Decides whether a transition may happen, and why not when it may not. */
export function decideTransition(request: TransitionRequest): TransitionDecision {
  const { asset, to, principal } = request;
  const from = asset.editorialState;
  const reason = request.reason?.trim() || undefined;
  if (asset.state === 'deleted') return { ok: false, problem: 'conflict', reason: 'a deleted asset has no editorial transitions: restore it first' };
  if (from === to) return { ok: false, problem: 'conflict', reason: `the asset is already ${to}` };
  const move = MOVES[from][to];
  if (!move) {
    const targets = editorialTargets(from);
    return { ok: false, problem: 'conflict', reason: `an asset in ${from} cannot move to ${to}; from ${from} it can move to ${targets.join(' or ')}` };
  }
  if (!can(principal, move.action, asset.projectId)) {
    return { ok: false, problem: 'forbidden', reason: `your role (${roleIn(principal, asset.projectId) ?? 'none'}) cannot move an asset from ${from} to ${to}` };
  }
  if (move.needsReason && !reason) return { ok: false, problem: 'invalid', reason: `moving to ${to} needs a reason: say what should change` };
  if (reason && [...reason].length > MAX_REASON_LENGTH) return { ok: false, problem: 'invalid', reason: `reason is longer than ${MAX_REASON_LENGTH} characters` };
  // Approval is the gate to publishing: only an asset whose processing finished (renditions made) passes it.
  if (to === 'approved' && asset.state !== 'ready') {
    return { ok: false, problem: 'conflict', reason: `only a ready asset can be approved; this one is ${asset.state}` };
  }
  return { ok: true, from, to, ...(reason ? { reason } : {}) };
}

export interface ReadVisibility {
  /** the project lets its viewers see every editorial state (project settings `viewersSeeUnapproved`) */
  viewersSeeUnapproved: boolean;
}

/** Whether the caller sees the project's assets that are not approved: editors and above do; viewers only when the project says so. */
export function seesUnapproved(principal: Principal, projectId: string, project: ReadVisibility): boolean {
  return can(principal, 'asset:read-unapproved', projectId) || (can(principal, 'asset:read', projectId) && project.viewersSeeUnapproved);
}

/** Whether the caller may see this asset at all, as far as its editorial state goes. */
export function editoriallyVisible(principal: Principal, asset: { projectId: string; editorialState: EditorialState }, project: ReadVisibility): boolean {
  return asset.editorialState === 'approved' || seesUnapproved(principal, asset.projectId, project);
}
