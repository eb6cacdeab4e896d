/**
 * GitHub's `issues` webhook, as neutral issue states: the report filed as the issue follows its state,
 * title and priority label (opened, closed, reopened, labeled, unlabeled, edited). An issue opened on GitHub
 * with the `bug` label in a repository that takes a project's reports is listed too.
 */
import type { BugReportStore, IssueState } from '../ports/bug-report.port.js';
import type { Clock } from '../ports/clock.port.js';

export interface IssueEventDeps {
  reports: BugReportStore;
  clock: Clock;
}

export const ISSUE_ACTIONS = new Set(['opened', 'closed', 'reopened', 'labeled', 'unlabeled', 'edited']);

export type IssueOutcome = 'updated' | 'recorded' | 'ignored';

export async function handleIssueEvent(deps: IssueEventDeps, action: string, state: IssueState): Promise<IssueOutcome> {
  if (!ISSUE_ACTIONS.has(action)) return 'ignored';
  if (await deps.reports.applyIssue(state)) return 'updated';
  if (!state.bug || state.status !== 'open') return 'ignored';
  const report = await deps.reports.create({
    project: state.project,
    reporterId: `github:${state.author}`,
    platform: 'github',
    chatId: null,
    title: state.title.slice(0, 300),
    doing: '',
    expected: '',
    happened: state.title.slice(0, 300),
    priority: state.priority,
    screenshot: null,
    createdAt: state.createdAt,
  });
  await deps.reports.linkIssue(report.id, { repo: state.repo, number: state.number, url: state.url });
  await deps.reports.applyIssue(state);
  return 'recorded';
}
