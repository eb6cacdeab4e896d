/** What the bug reports (`bug`, `bugs`, the issues webhook, the morning report's line) need. */
import type { BugDialogStore, BugReportStore, IssueTracker } from '../ports/bug-report.port.js';

export interface BugServices {
  dialogs: BugDialogStore;
  reports: BugReportStore;
  /** Where reports are filed; absent without GITHUB_TOKEN (reports are then stored and announced). */
  tracker?: IssueTracker;
  /** The repository the project's reports are filed in (`github.repos.<repo>.bugs: <project>`), if any. */
  repoOf(project: string): string | undefined;
  /** How long a dialog waits for its next answer before it is abandoned. */
  dialogTtlMs: number;
}

export const DEFAULT_DIALOG_TTL_MS = 30 * 60_000;
