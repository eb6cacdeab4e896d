/**
 * On-call overrides (`oncall override @person until <time>`) and the log of handoff announcements.
 */

export interface OncallOverride {
  id: string;
  project: string;
  /** The person who is primary on call while the override is in effect. */
  personId: string;
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  createdAt: Date;
}

export type NewOncallOverride = Omit<OncallOverride, 'id'>;

export interface OncallOverrideStore {
  create(override: NewOncallOverride): Promise<OncallOverride>;
  /** The override in effect for the project at `at` (the most recently created one wins), else null. */
  activeAt(project: string, at: Date): Promise<OncallOverride | null>;
  /** Overrides of the projects in effect at or after `from`, by start. */
  upcoming(projects: readonly string[], from: Date): Promise<OncallOverride[]>;
  /** Ends every override of the project in effect at or after `at`; returns how many were ended. */
  cancel(project: string, at: Date): Promise<number>;
}

export interface HandoffLog {
  /**
   * Claims the announcement of one handoff (rotation key + handoff instant): true for exactly one caller
   * across replicas and restarts, false when it was already announced.
   */
  claim(rotation: string, handoffAt: Date, now: Date): Promise<boolean>;
}
