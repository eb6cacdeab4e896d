/** In-memory bug dialog and report stores, faithful to their contracts (one open dialog per person, versions, newest state wins). */
import type {
  BugDialog,
  BugDialogStore,
  BugQuery,
  BugReport,
  BugReportStore,
  IssueLink,
  IssueState,
  NewBugDialog,
  NewBugReport,
  OpenDialogResult,
} from '../../src/core/ports/bug-report.port.js';

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryBugDialogStore implements BugDialogStore {
  readonly rows = new Map<string, BugDialog>();
  private seq = 0;

  async open(d: NewBugDialog): Promise<OpenDialogResult> {
    const existing = [...this.rows.values()].find((r) => r.personId === d.personId);
    if (existing && existing.expiresAt > d.startedAt) return { opened: false, existing: clone(existing) };
    if (existing) this.rows.delete(existing.id);
    const row: BugDialog = { ...clone(d), id: `dlg${++this.seq}`, version: 1 };
    this.rows.set(row.id, row);
    return { opened: true, dialog: clone(row) };
  }

  async current(personId: string, now: Date): Promise<BugDialog | null> {
    const row = [...this.rows.values()].find((r) => r.personId === personId && r.expiresAt > now);
    return row ? clone(row) : null;
  }

  async advance(id: string, version: number, change: Pick<BugDialog, 'step' | 'answers' | 'expiresAt'>, now: Date): Promise<BugDialog | null> {
    const row = this.rows.get(id);
    if (!row || row.version !== version || row.expiresAt <= now) return null;
    Object.assign(row, clone(change), { version: version + 1 });
    return clone(row);
  }

  async close(id: string, version: number): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.version !== version) return false;
    return this.rows.delete(id);
  }

  async expire(now: Date): Promise<number> {
    let n = 0;
    for (const [id, row] of this.rows) if (row.expiresAt <= now && this.rows.delete(id)) n++;
    return n;
  }
}

export class MemoryBugReportStore implements BugReportStore {
  readonly rows: (BugReport & { issueUpdatedAt?: Date })[] = [];

  async create(r: NewBugReport): Promise<BugReport> {
    const row: BugReport = { ...clone(r), id: this.rows.length + 1, status: 'open', issue: null, updatedAt: new Date(r.createdAt) };
    this.rows.push(row);
    return clone(row);
  }

  async linkIssue(id: number, issue: IssueLink): Promise<void> {
    const row = this.rows.find((r) => r.id === id);
    if (row) row.issue = clone(issue);
  }

  async applyIssue(s: IssueState): Promise<BugReport | null> {
    const row =
      this.rows.find((r) => r.issue?.repo === s.repo && r.issue.number === s.number) ??
      (s.reportId !== undefined ? this.rows.find((r) => r.id === s.reportId && r.project === s.project && r.issue === null) : undefined);
    if (!row) return null;
    if (row.issueUpdatedAt && row.issueUpdatedAt > s.updatedAt) return clone(row);
    Object.assign(row, { status: s.status, priority: s.priority, title: s.title, issue: { repo: s.repo, number: s.number, url: s.url }, issueUpdatedAt: s.updatedAt, updatedAt: s.updatedAt });
    return clone(row);
  }

  async list(q: BugQuery): Promise<BugReport[]> {
    return this.rows
      .filter((r) => q.projects.includes(r.project) && (!q.reporterId || r.reporterId === q.reporterId) && (!q.status || r.status === q.status) && (!q.priority || r.priority === q.priority))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
      .slice(0, q.limit)
      .map(({ issueUpdatedAt: _, ...r }) => clone(r));
  }

  async openCritical(project: string, limit: number): Promise<{ count: number; oldest: BugReport[] }> {
    const open = this.rows
      .filter((r) => r.project === project && r.status === 'open' && r.priority === 'critical')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
    return { count: open.length, oldest: open.slice(0, limit).map(({ issueUpdatedAt: _, ...r }) => clone(r)) };
  }
}
