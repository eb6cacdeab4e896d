/**
 * Files a finished bug report: a row in the database first (so nothing is lost), then a GitHub issue in the
 * project's repository with the labels `bug` and the priority; without a repository or a tracker (or when
 * GitHub refuses), the report is announced to the project's chats instead.
 *
 * Screenshots: GitHub's REST API cannot attach files to an issue, so the picture stays where it was sent
 * (the chat platform's file id or link is stored with the report) and the issue says so.
 */
import type { Catalog, Person } from '../domain/catalog.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { BugPriority, BugReport, Screenshot } from '../ports/bug-report.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Notifier } from '../ports/notifier.port.js';
import type { BugServices } from './bug-services.js';

export interface FilingDeps {
  bugs: BugServices;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  catalog: Catalog;
}

export interface FinishedReport {
  project: string;
  platform: string;
  chatId: string;
  doing: string;
  expected: string;
  happened: string;
  priority: BugPriority;
  screenshot?: Screenshot;
}

/** The marker in an issue's body that ties it to Deckhand's report (read back by the issues webhook). */
export const reportMarker = (id: number): string => `<!-- deckhand-report:${id} -->`;
export const MARKER_PATTERN = /<!-- deckhand-report:(\d{1,12}) -->/;

export const reportRef = (r: Pick<BugReport, 'id' | 'issue'>): string => (r.issue ? `#${r.issue.number}` : `B${r.id}`);

/** The issue's title: the first line of what happened. */
export function titleOf(happened: string): string {
  const line = happened.split('\n', 1)[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/** Text from chat as Markdown that pings nobody on GitHub (`@team` would notify a team). */
const quiet = (text: string): string => text.replace(/@(?=[A-Za-z0-9])/g, '@\u200b');

export function issueBody(report: BugReport, reporter: string): string {
  const lines = [
    `Reported by ${quiet(reporter)} in chat (${report.platform}) through Deckhand, report B${report.id}.`,
    `Priority: ${report.priority ?? 'none'}`,
    '',
    '### What were you doing?',
    quiet(report.doing),
    '',
    '### What did you expect to happen?',
    quiet(report.expected),
    '',
    '### What happened instead?',
    quiet(report.happened),
  ];
  if (report.screenshot) {
    lines.push(
      '',
      '### Screenshot',
      `A screenshot was sent in chat (${report.screenshot.platform}). GitHub's API cannot attach files to issues, so it is kept with Deckhand report B${report.id}` +
        (report.screenshot.url ? ` and can be seen here by members of the chat workspace: ${report.screenshot.url}` : '; ask in the chat to see it.'),
    );
  }
  lines.push('', reportMarker(report.id));
  return lines.join('\n');
}

/** The report as a chat message (announcements, when there is no GitHub issue). */
export function reportReply(report: BugReport, reporter: string, why: string): Reply {
  const b = new ReplyBuilder(report.priority === 'critical' ? 'warning' : 'info')
    .header(`Bug B${report.id} in ${report.project}: ${report.title}`)
    .fields([
      { label: 'Priority', value: report.priority ?? 'none' },
      { label: 'Reported by', value: reporter },
    ])
    .text(`Doing: ${report.doing}`)
    .text(`Expected: ${report.expected}`)
    .text(`Happened: ${report.happened}`);
  if (report.screenshot) b.context(`A screenshot was sent with it (${report.screenshot.platform}).`);
  return b.context(why).build();
}

export async function fileReport(deps: FilingDeps, person: Person, done: FinishedReport): Promise<Reply> {
  const { bugs } = deps;
  const report = await bugs.reports.create({
    project: done.project,
    reporterId: person.id,
    platform: done.platform,
    chatId: done.chatId,
    title: titleOf(done.happened),
    doing: done.doing,
    expected: done.expected,
    happened: done.happened,
    priority: done.priority,
    screenshot: done.screenshot ?? null,
    createdAt: deps.clock.now(),
  });
  const repo = bugs.repoOf(done.project);
  let why: string;
  if (repo && bugs.tracker) {
    const filed = await bugs.tracker.createIssue(repo, { title: report.title, body: issueBody(report, person.name), labels: ['bug', done.priority] });
    if (filed.ok) {
      await bugs.reports.linkIssue(report.id, filed.issue);
      const b = new ReplyBuilder('success').text(`Thank you. Filed as ${repo}#${filed.issue.number}:`).text(filed.issue.url);
      if (report.screenshot) b.context("The screenshot stays in this chat: GitHub's API cannot attach files to issues.");
      return b.build();
    }
    deps.logger.warn({ reportId: report.id, repo, reason: filed.reason }, 'bug report not filed on GitHub');
    why = `Not filed on GitHub: ${filed.reason}.`;
  } else {
    why = repo ? 'No GitHub token is configured, so it is not filed on GitHub.' : `No GitHub repository takes ${done.project}'s bug reports.`;
  }
  await deps.notifier.announce(done.project, reportReply(report, person.name, why), { key: `bug:${report.id}:announced` });
  return new ReplyBuilder('success').text(`Thank you. Stored as bug B${report.id} and announced to ${done.project}'s chats.`).context(why).build();
}
