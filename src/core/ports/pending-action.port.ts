import type { Platform } from '../messages/inbound.js';
import type { CommitRelation, CommitSummary } from './code-history.port.js';
/**
 * Pending actions: a confirmable request (restart, deploy, rollback) stored server-side. Buttons carry
 * only its short id. It expires, is single-use (claimed by one conditional update) and survives restarts.
 */

export type ActionKind = 'restart' | 'deploy' | 'rollback';

/**
 * `scheduled`: approved, waiting for its run time (`runAt`); at that time it is checked again and becomes
 * `claimed` (then runs like any confirmed action) or `refused`.
 */
export type PendingStatus = 'pending' | 'scheduled' | 'claimed' | 'succeeded' | 'failed' | 'cancelled' | 'expired' | 'refused';

/** What the action will do, frozen at request time and re-checked at click time. */
export interface ActionPlan {
  kind: ActionKind;
  project: string;
  env: string;
  /** One entry per service touched. */
  services: PlannedService[];
  /** Admin override of lock/freeze, audited and announced. */
  force: boolean;
  /**
   * Set when the plan promotes what runs in another environment (`promote`): the services are deployed one
   * after another, stopping at the first that fails. Absent for a plain deploy, rollback or restart.
   */
  promotion?: PromotionInfo;
}

/** What a promotion plan showed beyond the image changes: where from, the configuration diff, the checks. */
export interface PromotionInfo {
  /** The environment whose running versions are promoted (the plan's `env` is the target). */
  from: string;
  /** Per service: environment variable keys only (never values nor their hashes). */
  config: ConfigDiff[];
  /** Pre-flight checks as shown at request time. */
  checks: PreflightCheck[];
  /** Services left out because the target already runs what the source runs. */
  inSync: string[];
}

export interface ConfigDiff {
  service: string;
  /** Keys set in the source environment and missing in the target. */
  missingInTarget: string[];
  /** Keys set in the target and missing in the source. */
  missingInSource: string[];
  /** Keys set in both whose values differ (compared by keyed hash). */
  differing: string[];
  /** Why the configuration could not be compared, if it could not. */
  unknown?: string;
}

/** ✅ passes, ⚠️ needs an admin's --force, ⛔ blocks. */
export type CheckLevel = 'ok' | 'warn' | 'block';

export interface PreflightCheck {
  level: CheckLevel;
  /** One short chat-safe line naming what was checked and why it passed or not. */
  text: string;
}

export interface PlannedService {
  service: string;
  host: string;
  /** Image each container runs now (as shown to the requester). */
  currentImage: string;
  currentVersion: string;
  /** Target image for deploy/rollback; equal to current for restart. */
  targetImage: string;
  targetVersion: string;
  /**
   * What ran at request time, runtime-neutral: the image id of each unit, sorted (see revisionOf). Re-checked
   * at click time. Null for a plan stored before revisions were pinned (then the unit names are compared).
   */
  revision: string[] | null;
  /** Names of the service's units (containers, pods) at request time, as shown in the plan. */
  units: string[];
  /**
   * The commits between the running and the target version (deploy, rollback), or why they are unknown.
   * Absent when no code host is configured for the service, and for restarts.
   */
  changes?: ServiceChanges;
  /**
   * What the runtime says of the units beyond their image, when it can (Kubernetes: namespace and cluster,
   * replicas, rollout strategy), as chat-safe lines shown in the plan next to the image change.
   */
  details?: string[];
}

/** What a deploy changes in a service's code, frozen at request time (shown in the plan and announcements). */
export type ServiceChanges =
  | {
      known: true;
      /** `owner/name`. */
      repo: string;
      /** Commits of the running and the target version. */
      base: string;
      head: string;
      relation: CommitRelation;
      aheadBy: number;
      behindBy: number;
      /** At most a few, oldest first. */
      commits: CommitSummary[];
      url: string;
    }
  | { known: false; reason: string };

/** Where the confirm message lives, so progress can edit it in place. */
export interface MessageRef {
  platform: Platform;
  chatId: string;
  /** Telegram message_id or Slack message ts. */
  messageId: string;
}

export interface PendingAction {
  id: string;
  plan: ActionPlan;
  requestedBy: string;
  platform: Platform;
  chatId: string;
  /** Production four-eyes: someone other than the requester must approve. */
  needsApproval: boolean;
  status: PendingStatus;
  createdAt: Date;
  expiresAt: Date;
  claimedBy: string | null;
  claimedAt: Date | null;
  message: MessageRef | null;
  /** Outcome text once finished (short, chat-safe). */
  result: string | null;
  /** A scheduled action's run time; absent (or null) for an action that runs when confirmed. */
  runAt?: Date | null;
}

export interface NewPendingAction {
  plan: ActionPlan;
  requestedBy: string;
  platform: Platform;
  chatId: string;
  needsApproval: boolean;
  createdAt: Date;
  expiresAt: Date;
  /** Set for a scheduled action (`deploy … at 22:00`): approved now, run at this time. */
  runAt?: Date | null;
}

/** Which scheduled actions a calendar shows: run time in [from, to), of one project or all. */
export interface ScheduledQuery {
  from: Date;
  to: Date;
  project?: string;
}

export interface PendingActionStore {
  /** Stores a new action with a fresh short id (URL-safe, ≤ 16 characters). */
  create(action: NewPendingAction): Promise<PendingAction>;
  get(id: string): Promise<PendingAction | null>;
  /**
   * One conditional update from `pending` to `claimed` where not expired. Returns the claimed action,
   * or null when someone else claimed it first, it was cancelled, or it expired.
   */
  claim(id: string, personId: string, now: Date): Promise<PendingAction | null>;
  /**
   * Undoes a claim (or a schedule) whose job could not be queued: conditional `claimed`/`scheduled` → `pending`,
   * only while it is still the claim `personId` made at `claimedAt` (claimedBy/claimedAt cleared). False when
   * anything else happened to it.
   */
  unclaim(id: string, personId: string, claimedAt: Date): Promise<boolean>;
  /**
   * Conditional `pending` → `cancelled` where not expired, or `scheduled` → `cancelled` (a scheduled action
   * never expires); null when it was neither.
   */
  cancel(id: string, personId: string, now: Date): Promise<PendingAction | null>;
  /**
   * Approves an action to run later: one conditional update from `pending` (not expired at `now`) to
   * `scheduled` with `runAt`; the approver is recorded in claimedBy/claimedAt. Null for everyone but the winner.
   */
  schedule(id: string, personId: string, now: Date, runAt: Date): Promise<PendingAction | null>;
  /**
   * At its run time: one conditional update from `scheduled` (with exactly this `runAt`) to `claimed`
   * (claimedAt = `now`, claimedBy kept: the approver). Null when it was cancelled, moved or taken already.
   */
  claimScheduled(id: string, runAt: Date, now: Date): Promise<PendingAction | null>;
  /** Every action still `scheduled`, soonest first (start-up puts back their jobs). */
  scheduled(): Promise<PendingAction[]>;
  /** Actions with a run time in [from, to) whatever their status, soonest first (the calendar). */
  scheduledBetween(q: ScheduledQuery): Promise<PendingAction[]>;
  /**
   * Conditional `pending` → `refused` with the reason (a click found the state changed): false when the
   * action was no longer pending (someone claimed or cancelled it meanwhile), so a running action is never
   * marked refused.
   */
  refuse(id: string, result: string): Promise<boolean>;
  /**
   * Conditional `scheduled` (for exactly `runAt`) → `refused` with the reason (the run-time checks failed):
   * false when it was cancelled, moved or claimed meanwhile, so nobody is told of a refusal that did not happen.
   */
  refuseScheduled(id: string, runAt: Date, result: string): Promise<boolean>;
  /** Sets a final status (`succeeded`, `failed`, `refused`) and the result text (from pending, scheduled or claimed). */
  finish(id: string, status: 'succeeded' | 'failed' | 'refused', result: string): Promise<void>;
  /** Pending actions past their expiry at `now`, soonest expiry first; read only (each is then `expire`d). */
  due(now: Date): Promise<PendingAction[]>;
  /**
   * One conditional update from `pending` whose expiry is at or before `now` to `expired`; null when it was
   * not (claimed, cancelled, given more time, or expired by another replica first).
   */
  expire(id: string, now: Date): Promise<PendingAction | null>;
  /**
   * Conditional: a still-pending action's expiry moves later, to `until` (never earlier). False when it is no
   * longer pending or already expires at or after `until`. Gives back the time an outage took from a click.
   */
  extendExpiry(id: string, until: Date): Promise<boolean>;
  /** Remembers where the confirm message was posted. */
  attachMessage(id: string, message: MessageRef): Promise<void>;
  /** Actions claimed but never finished (the bot stopped while running them). */
  unfinished(): Promise<PendingAction[]>;
}
