import type { ActiveFreeze } from '../domain/freeze.js';

/** Ad hoc freeze windows (recurring ones come from the config). */

export interface FreezeWindow {
  id: string;
  project: string;
  /** Null: every environment of the project. */
  env: string | null;
  from: Date;
  until: Date;
  reason: string;
  createdBy: string;
}

export interface FreezeStore {
  add(w: Omit<FreezeWindow, 'id'>): Promise<FreezeWindow>;
  /** Windows covering `at` for the project/env (env-less windows included). */
  active(project: string, env: string, at: Date): Promise<FreezeWindow[]>;
  /** Windows not yet over at `now`. */
  upcoming(now: Date): Promise<FreezeWindow[]>;
  remove(id: string): Promise<boolean>;
}

/** One freeze period of a feed (an iCalendar event occurrence): [from, until). */
export interface FeedFreeze {
  project: string;
  /** Environments it applies to; empty = all. */
  envs: string[];
  name: string;
  from: Date;
  until: Date;
}

/**
 * Freeze periods from each project's iCalendar feed (public holidays, a release calendar), answered from the
 * last good copy of the feed: never waits on the network, so a feed that is away never blocks a command.
 */
export interface FreezeFeeds {
  /** Periods covering `at` for the project/env. */
  active(project: string, env: string, at: Date): ActiveFreeze[];
  /** Periods overlapping [from, to) of the project, soonest first (the calendar). */
  between(project: string, from: Date, to: Date): FeedFreeze[];
  /** What is wrong with the project's feeds now, one chat-safe line each (a feed that cannot be read, since when). */
  problems(project: string): string[];
}
