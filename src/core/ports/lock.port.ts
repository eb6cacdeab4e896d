/**
 * Locks per project+environment. `manual` locks are sticky (lock/unlock intents); `deploy` locks are held
 * by a running action and carry a lease, so a crashed holder never keeps one forever.
 */

/** Who holds a lock: a person (a manual lock) or a running action (a deploy lock). */
export type LockHolder = { kind: 'person'; id: string } | { kind: 'action'; id: string };

export const personHolder = (personId: string): LockHolder => ({ kind: 'person', id: personId });
export const actionHolder = (actionId: string): LockHolder => ({ kind: 'action', id: actionId });

export function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.kind === b.kind && a.id === b.id;
}

/** True when the lock is held by this person (false for an action's lock, whatever its id). */
export function heldByPerson(lock: Pick<Lock, 'holder'>, personId: string | null): boolean {
  return personId !== null && sameHolder(lock.holder, personHolder(personId));
}

export interface Lock {
  project: string;
  env: string;
  kind: 'manual' | 'deploy';
  /** A person (manual) or an action (deploy). */
  holder: LockHolder;
  reason: string;
  since: Date;
  /** Null for manual locks; expired leases do not count as held. */
  leaseUntil: Date | null;
}

export type AcquireResult = { ok: true; lock: Lock } | { ok: false; heldBy: Lock };

export interface LockStore {
  /** Takes the lock unless a live lock is held by another holder (same holder: renews). Atomic. */
  acquire(lock: Omit<Lock, 'since'>, now: Date): Promise<AcquireResult>;
  /** Extends a deploy lock's lease; false when the holder no longer holds it. */
  renew(project: string, env: string, holder: LockHolder, leaseUntil: Date): Promise<boolean>;
  /** Releases when held by `holder` (or by anyone when `holder` is null, for admins). Returns the released lock. */
  release(project: string, env: string, holder: LockHolder | null): Promise<Lock | null>;
  /** The live lock (manual, or deploy with an unexpired lease), if any. */
  get(project: string, env: string, now: Date): Promise<Lock | null>;
  list(now: Date): Promise<Lock[]>;
}
