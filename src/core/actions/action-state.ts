import { hasRole } from '../domain/access.js';
import type { Person, Role } from '../domain/catalog.js';
import { recurringFreezeAt, type ActiveFreeze } from '../domain/freeze.js';
import { formatLocal } from '../domain/rotation.js';
import { projectTimeZone } from '../domain/time-zone.js';
import type { ActionPlan } from '../ports/pending-action.port.js';
import { actionHolder, heldByPerson, sameHolder, type Lock, type LockHolder } from '../ports/lock.port.js';
import type { CoreServices } from '../services.js';

/** Lock and freeze state of a project/env, checked when an action is requested and again when clicked. */
export interface ActionState {
  lock: Lock | null;
  freezes: ActiveFreeze[];
  /** The project's time zone, in which the lock's and freezes' times are told (UTC when unset). */
  timezone?: string;
  /** Freeze feeds of the project that cannot be read now: their freezes are from an older copy, or unknown. */
  feedProblems?: string[];
}

/** The state now; with `at`, the lock held now and the freezes covering `at` (a scheduled action's run time). */
export async function actionState(project: string, env: string, deps: CoreServices, at?: Date): Promise<ActionState> {
  const now = at ?? deps.clock.now();
  const [lock, adhoc] = await Promise.all([deps.actions.locks.get(project, env, deps.clock.now()), deps.actions.freezes.active(project, env, now)]);
  const recurring = deps.actions.recurringFreezes
    .filter((w) => w.project === project)
    .map((w) => recurringFreezeAt(w, env, now))
    .filter((f): f is ActiveFreeze => f !== null);
  const feed = deps.actions.freezeFeeds?.active(project, env, now) ?? [];
  const freezes = [...recurring, ...feed, ...adhoc.map((f) => ({ name: f.reason, reason: f.reason, until: f.until, source: 'adhoc' as const }))];
  const feedProblems = deps.actions.freezeFeeds?.problems(project) ?? [];
  return { lock, freezes, timezone: projectTimeZone(deps.catalog, project), ...(feedProblems.length > 0 ? { feedProblems } : {}) };
}

/** The role an action needs; forcing past a lock or freeze needs admin. */
export function requiredRole(plan: Pick<ActionPlan, 'force'>): Role {
  return plan.force ? 'admin' : 'operator';
}

/** Names a person id (the catalog's display name); the id itself where nobody resolves it. */
export type NameOf = (personId: string) => string;

/** `locked by Carol since …`: a manual lock names its holder by display name, a deploy lock its action. */
export function describeLock(lock: Lock, tz = 'UTC', nameOf: NameOf = (id) => id): string {
  const who = describeHolder(lock.holder, nameOf);
  return `locked by ${who} since ${formatLocal(lock.since, tz)}${lock.reason ? ` (${lock.reason})` : ''}`;
}

/** `Carol` for a person (display name), `a running action pa9` for an action. */
export function describeHolder(holder: LockHolder, nameOf: NameOf = (id) => id): string {
  return holder.kind === 'action' ? `a running action ${holder.id}` : nameOf(holder.id);
}

export function describeFreeze(f: ActiveFreeze, tz = 'UTC'): string {
  return `frozen until ${formatLocal(f.until, f.timezone ?? tz)} (${f.reason})`;
}

/**
 * Why the plan cannot run now for this person, or [] when it can. Deploys and rollbacks respect locks
 * and freezes (an admin's --force passes them); a deploy lock held by a running action always blocks.
 * Restarts stay possible during a freeze: they are how incidents get handled.
 */
export function blockers(plan: ActionPlan, state: ActionState, person: Person, nameOf: NameOf, actionId?: string): string[] {
  const out: string[] = [];
  const { lock } = state;
  const tz = state.timezone ?? 'UTC';
  if (lock && !(actionId !== undefined && sameHolder(lock.holder, actionHolder(actionId)))) {
    const running = lock.kind === 'deploy';
    const ownManual = lock.kind === 'manual' && heldByPerson(lock, person.id);
    if (running) out.push(`${plan.project}/${plan.env} is ${describeLock(lock, tz, nameOf)}`);
    else if (!ownManual && plan.kind !== 'restart' && !plan.force) out.push(`${plan.project}/${plan.env} is ${describeLock(lock, tz, nameOf)}`);
  }
  if (plan.kind !== 'restart' && !plan.force) {
    for (const f of state.freezes) out.push(`${plan.project}/${plan.env} is ${describeFreeze(f, tz)}`);
  }
  if (plan.force && !hasRole(person, 'admin', plan.project, plan.env)) out.push('--force needs the admin role');
  return out;
}
