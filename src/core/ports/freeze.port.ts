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
