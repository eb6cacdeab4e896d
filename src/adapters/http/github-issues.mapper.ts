/** An `issues` webhook payload as the core's neutral issue state (core/support/bug-issues.ts). */
import { BUG_PRIORITIES, type IssueState } from '../../core/ports/bug-report.port.js';
import { MARKER_PATTERN } from '../../core/support/bug-filing.js';
import type { IssuesEvent } from './github-webhook.schema.js';

export function toIssueState(e: IssuesEvent, project: string): IssueState {
  const labels = e.issue.labels.map((l) => l.name.toLowerCase());
  const marker = MARKER_PATTERN.exec(e.issue.body ?? '');
  return {
    project,
    repo: e.repository.full_name,
    number: e.issue.number,
    url: e.issue.html_url,
    title: e.issue.title,
    status: e.issue.state,
    priority: BUG_PRIORITIES.find((p) => labels.includes(p)) ?? null,
    bug: labels.includes('bug'),
    author: e.issue.user?.login ?? e.sender?.login ?? 'unknown',
    createdAt: e.issue.created_at,
    updatedAt: e.issue.updated_at,
    ...(marker ? { reportId: Number(marker[1]) } : {}),
  };
}
