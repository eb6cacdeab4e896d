/**
 * Bug reports made in chat (`bug`, `bugs`): the dialog that asks for one (one open per person, kept in the
 * database so any replica or a restarted bot continues it), the stored reports, and the issue tracker the
 * reports are filed in (GitHub).
 */

export const BUG_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type BugPriority = (typeof BUG_PRIORITIES)[number];

/** The questions of the chat dialog in order; `form` is a dialog answered in one platform form (a Slack modal). */
export const BUG_STEPS = ['doing', 'expected', 'happened', 'priority', 'screenshot'] as const;
export type BugStep = (typeof BUG_STEPS)[number] | 'form';

/** A screenshot as the chat platform holds it (a Telegram file id, a Slack file id and link). */
export interface Screenshot {
  platform: string;
  ref: string;
  url?: string;
}

export interface BugAnswers {
  doing?: string;
  expected?: string;
  happened?: string;
  priority?: BugPriority;
  screenshot?: Screenshot;
}

export interface BugDialog {
  id: string;
  personId: string;
  platform: string;
  chatId: string;
  project: string;
  step: BugStep;
  answers: BugAnswers;
  /** Raised by every change: a click on an older question (or a second replica) is told apart by it. */
  version: number;
  startedAt: Date;
  /** Abandoned from this instant on: every answer moves it on. */
  expiresAt: Date;
}

export type NewBugDialog = Omit<BugDialog, 'id' | 'version'>;

export type OpenDialogResult = { opened: true; dialog: BugDialog } | { opened: false; existing: BugDialog };

export interface BugDialogStore {
  /**
   * Opens a dialog unless the person already has one that has not expired at `dialog.startedAt` (one open
   * dialog per person, across replicas and platforms); an expired one is replaced.
   */
  open(dialog: NewBugDialog): Promise<OpenDialogResult>;
  /** The person's dialog if it has not expired at `now`. */
  current(personId: string, now: Date): Promise<BugDialog | null>;
  /** Moves the dialog on when it is still at `version` and not expired at `now`; null otherwise. */
  advance(id: string, version: number, change: { step: BugStep; answers: BugAnswers; expiresAt: Date }, now: Date): Promise<BugDialog | null>;
  /** Ends the dialog (submitted, cancelled) when it is still at `version`: true for exactly one caller. */
  close(id: string, version: number): Promise<boolean>;
  /** Removes the dialogs expired at `now` (abandoned); returns how many. */
  expire(now: Date): Promise<number>;
}

export type BugStatus = 'open' | 'closed';

export interface IssueLink {
  repo: string;
  number: number;
  url: string;
}

export interface BugReport {
  /** Deckhand's own number of the report (shown as B<id> until it has a GitHub issue). */
  id: number;
  project: string;
  /** A configured person id, or `github:<login>` for an issue opened on GitHub. */
  reporterId: string;
  /** Where it was reported: a chat platform id, or `github`. */
  platform: string;
  chatId: string | null;
  title: string;
  doing: string;
  expected: string;
  happened: string;
  priority: BugPriority | null;
  screenshot: Screenshot | null;
  status: BugStatus;
  issue: IssueLink | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewBugReport = Omit<BugReport, 'id' | 'status' | 'issue' | 'updatedAt'>;

/** What an `issues` webhook says about an issue now (its labels, state and title). */
export interface IssueState {
  /** The project whose reports the repository takes. */
  project: string;
  repo: string;
  number: number;
  url: string;
  title: string;
  status: BugStatus;
  /** The priority its labels name (the first of critical, high, medium, low), null for none. */
  priority: BugPriority | null;
  /** Whether it carries the `bug` label (an issue opened on GitHub is listed only then). */
  bug: boolean;
  /** Who opened it (GitHub login). */
  author: string;
  createdAt: Date;
  /** Deckhand's report id, when the issue body carries Deckhand's marker. */
  reportId?: number;
  /** GitHub's updated_at: an older state than the one stored is ignored (deliveries can arrive out of order). */
  updatedAt: Date;
}

export interface BugQuery {
  projects: readonly string[];
  reporterId?: string;
  status?: BugStatus;
  priority?: BugPriority;
  limit: number;
}

export interface BugReportStore {
  create(report: NewBugReport): Promise<BugReport>;
  /** Records the issue the report was filed as. */
  linkIssue(id: number, issue: IssueLink): Promise<void>;
  /**
   * Applies an issue's state to the report filed as it (found by repo and number, else by the report id of
   * the marker when that report is of the project and not filed as another issue) unless a newer state was
   * applied already. Null when no report is filed as it.
   */
  applyIssue(state: IssueState): Promise<BugReport | null>;
  /** Newest first. */
  list(query: BugQuery): Promise<BugReport[]>;
  /** How many reports of the project are open and critical, and the oldest `limit` of them. */
  openCritical(project: string, limit: number): Promise<{ count: number; oldest: BugReport[] }>;
}

export type FiledIssue = { ok: true; issue: IssueLink } | { ok: false; reason: string };

/** Where reports are filed (GitHub issues). Never throws: a failure is a short reason. */
export interface IssueTracker {
  createIssue(repo: string, issue: { title: string; body: string; labels: string[] }): Promise<FiledIssue>;
}
