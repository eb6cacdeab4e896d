/**
 * The bug dialog and report stores on PostgreSQL (tables bug_dialog, bug_report). One open dialog per person
 * is the unique index on person_id; every change of a dialog is one conditional update on its version, so
 * two replicas (or two clicks) cannot both move it on. Issue states from the webhook apply only when newer
 * than the one stored (issue_updated_at).
 */
import { z } from 'zod';
import {
  BUG_PRIORITIES,
  type BugDialog,
  type BugDialogStore,
  type BugQuery,
  type BugReport,
  type BugReportStore,
  type IssueLink,
  type IssueState,
  type NewBugDialog,
  type NewBugReport,
  type OpenDialogResult,
} from '../../core/ports/bug-report.port.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { isUniqueViolation, withFreshId } from './prisma-errors.js';
import { newShortId, shortIdSchema } from './short-id.js';

const answer = z.string().max(4000).optional();
const screenshotSchema = z.object({ platform: z.string().min(1).max(50), ref: z.string().min(1).max(500), url: z.string().max(2000).optional() });
const answersSchema = z.object({
  doing: answer,
  expected: answer,
  happened: answer,
  priority: z.enum(BUG_PRIORITIES).optional(),
  screenshot: screenshotSchema.optional(),
});
const stepSchema = z.enum(['doing', 'expected', 'happened', 'priority', 'screenshot', 'form']);

const toDialog = (row: Prisma.BugDialogModel): BugDialog => ({
  id: row.id,
  personId: row.personId,
  platform: row.platform,
  chatId: row.chatId,
  project: row.project,
  step: stepSchema.parse(row.step),
  answers: stripUndefined(answersSchema.parse(row.answers)),
  version: row.version,
  startedAt: row.startedAt,
  expiresAt: row.expiresAt,
});

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export class PrismaBugDialogStore implements BugDialogStore {
  constructor(private readonly prisma: PrismaClient) {}

  async open(d: NewBugDialog): Promise<OpenDialogResult> {
    const data = { ...d, step: stepSchema.parse(d.step), answers: answersSchema.parse(d.answers), version: 1 };
    for (let attempt = 0; attempt < 3; attempt++) {
      // An expired dialog of the person makes way; an open one stays and is the answer.
      await this.prisma.bugDialog.deleteMany({ where: { personId: d.personId, expiresAt: { lte: d.startedAt } } });
      try {
        const row = await withFreshId(newShortId, (id) => this.prisma.bugDialog.create({ data: { id, ...data } }));
        return { opened: true, dialog: toDialog(row) };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      const existing = await this.prisma.bugDialog.findUnique({ where: { personId: d.personId } });
      if (existing && existing.expiresAt > d.startedAt) return { opened: false, existing: toDialog(existing) };
    }
    throw new Error(`could not open a bug dialog for ${d.personId}`);
  }

  async current(personId: string, now: Date): Promise<BugDialog | null> {
    const row = await this.prisma.bugDialog.findFirst({ where: { personId, expiresAt: { gt: now } } });
    return row ? toDialog(row) : null;
  }

  async advance(id: string, version: number, change: Pick<BugDialog, 'step' | 'answers' | 'expiresAt'>, now: Date): Promise<BugDialog | null> {
    if (!shortIdSchema.safeParse(id).success) return null;
    const rows = await this.prisma.bugDialog.updateManyAndReturn({
      where: { id, version, expiresAt: { gt: now } },
      data: { step: stepSchema.parse(change.step), answers: answersSchema.parse(change.answers), expiresAt: change.expiresAt, version: version + 1 },
    });
    return rows[0] ? toDialog(rows[0]) : null;
  }

  async close(id: string, version: number): Promise<boolean> {
    if (!shortIdSchema.safeParse(id).success) return false;
    const { count } = await this.prisma.bugDialog.deleteMany({ where: { id, version } });
    return count === 1;
  }

  async expire(now: Date): Promise<number> {
    const { count } = await this.prisma.bugDialog.deleteMany({ where: { expiresAt: { lte: now } } });
    return count;
  }
}

const text = (max: number) => z.string().max(max);
const newReportSchema = z.object({
  project: text(100).min(1),
  reporterId: text(200).min(1),
  platform: text(50).min(1),
  chatId: text(200).nullable(),
  title: text(300),
  doing: text(4000),
  expected: text(4000),
  happened: text(4000),
  priority: z.enum(BUG_PRIORITIES).nullable(),
  screenshot: screenshotSchema.nullable(),
  createdAt: z.date(),
});

const toReport = (row: Prisma.BugReportModel): BugReport => ({
  id: row.id,
  project: row.project,
  reporterId: row.reporterId,
  platform: row.platform,
  chatId: row.chatId,
  title: row.title,
  doing: row.doing,
  expected: row.expected,
  happened: row.happened,
  priority: row.priority === null ? null : z.enum(BUG_PRIORITIES).parse(row.priority),
  screenshot: row.screenshot === null ? null : stripUndefined(screenshotSchema.parse(row.screenshot)),
  status: row.status === 'closed' ? 'closed' : 'open',
  issue: row.githubRepo && row.githubNumber !== null && row.githubUrl ? { repo: row.githubRepo, number: row.githubNumber, url: row.githubUrl } : null,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export class PrismaBugReportStore implements BugReportStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(r: NewBugReport): Promise<BugReport> {
    const { screenshot, ...data } = newReportSchema.parse(r);
    const row = await this.prisma.bugReport.create({
      data: { ...data, ...(screenshot ? { screenshot } : {}), updatedAt: data.createdAt },
    });
    return toReport(row);
  }

  async linkIssue(id: number, issue: IssueLink): Promise<void> {
    await this.prisma.bugReport.updateMany({ where: { id }, data: { githubRepo: issue.repo, githubNumber: issue.number, githubUrl: issue.url } });
  }

  async applyIssue(s: IssueState): Promise<BugReport | null> {
    const filed = await this.prisma.bugReport.findFirst({ where: { githubRepo: s.repo, githubNumber: s.number } });
    // The marker is text anyone who can edit the issue can write: it names only an unfiled report of the project.
    const marked = filed || s.reportId === undefined ? null : await this.prisma.bugReport.findFirst({ where: { id: s.reportId, project: s.project, githubNumber: null } });
    const row = filed ?? marked;
    if (!row) return null;
    const updated = await this.prisma.bugReport.updateManyAndReturn({
      where: { id: row.id, OR: [{ issueUpdatedAt: null }, { issueUpdatedAt: { lte: s.updatedAt } }] },
      data: {
        status: s.status,
        priority: s.priority,
        title: s.title.slice(0, 300),
        githubRepo: s.repo,
        githubNumber: s.number,
        githubUrl: s.url,
        issueUpdatedAt: s.updatedAt,
        updatedAt: s.updatedAt,
      },
    });
    if (updated[0]) return toReport(updated[0]);
    const fresh = await this.prisma.bugReport.findUnique({ where: { id: row.id } });
    return fresh ? toReport(fresh) : null;
  }

  async list(q: BugQuery): Promise<BugReport[]> {
    const rows = await this.prisma.bugReport.findMany({
      where: {
        project: { in: [...q.projects] },
        ...(q.reporterId ? { reporterId: q.reporterId } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.priority ? { priority: q.priority } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: q.limit,
    });
    return rows.map(toReport);
  }

  async openCritical(project: string, limit: number): Promise<{ count: number; oldest: BugReport[] }> {
    const where = { project, status: 'open', priority: 'critical' };
    const [count, rows] = await Promise.all([
      this.prisma.bugReport.count({ where }),
      this.prisma.bugReport.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit }),
    ]);
    return { count, oldest: rows.map(toReport) };
  }
}
