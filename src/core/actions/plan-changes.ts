import { plural } from '../domain/wording.js';
import type { CommitSummary } from '../ports/code-history.port.js';
import type { PlannedService, ServiceChanges } from '../ports/pending-action.port.js';

/**
 * The code changes of a plan as text: per service the commit count, the first lines of the commits and who
 * wrote them, a link to the whole comparison, "N commits behind" for a rollback, a warning when the new
 * version does not descend from the running one, or why the changes are unknown. Sized so a plan of many
 * services still fits one chat message (Telegram: 4096 characters, Slack: 3000 per section).
 */

/** The whole changes text stays under this many characters. */
export const MAX_CHANGES_CHARS = 2_000;
/** A commit line is cut to this many characters. */
export const COMMIT_LINE_CHARS = 72;
/** Commit lines across all services of one plan. */
const COMMIT_LINES_PER_PLAN = 20;
const MAX_COMMITS_PER_SERVICE = 10;

const SHA = /^[0-9a-f]{40}$/i;
const short = (commit: string): string => (SHA.test(commit) ? commit.slice(0, 7) : commit);

function cut(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

function commitLine(c: CommitSummary): string {
  const author = ` (${cut(c.author, 24)})`;
  return `• ${cut(c.title, COMMIT_LINE_CHARS - 2 - author.length)}${author}`;
}

function commitLines(commits: readonly CommitSummary[], total: number, shown: number): string[] {
  if (shown === 0) return [];
  const lines = commits.slice(0, shown).map(commitLine);
  const more = total - lines.length;
  if (more > 0) lines.push(`… and ${more} more`);
  return lines;
}

function serviceLines(s: PlannedService, changes: ServiceChanges, shown: number): string[] {
  if (!changes.known) return [`${s.service}: changes unknown: ${changes.reason}.`];
  const span = `${short(changes.base)} → ${short(changes.head)}`;
  const link = changes.url ? [changes.url] : [];
  switch (changes.relation) {
    case 'identical':
      return [`${s.service}: no code changes (both versions are ${short(changes.head)}).`];
    case 'behind':
      return [`${s.service}: ${plural(changes.behindBy, 'commit')} behind the running version (${span}): rolls back.`, ...link];
    case 'diverged':
      return [
        `⚠️ ${s.service}: ${s.targetVersion} is not a descendant of ${s.currentVersion}: ${changes.aheadBy} ahead, ${changes.behindBy} behind (${span}); the commits it lacks would be undone.`,
        ...commitLines(changes.commits, changes.aheadBy, shown),
        ...link,
      ];
    case 'ahead':
      return [`${s.service}: ${plural(changes.aheadBy, 'commit')} (${span})`, ...commitLines(changes.commits, changes.aheadBy, shown), ...link];
  }
}

function render(services: readonly PlannedService[], shown: number): string {
  return services
    .filter((s) => s.changes !== undefined)
    .map((s) => serviceLines(s, s.changes!, shown).join('\n'))
    .join('\n\n');
}

/**
 * The changes of every service that has them, or undefined when none has (no code host mapped). Fewer
 * commit lines per service the more services change, and fewer again until the text fits MAX_CHANGES_CHARS
 * (or `maxChars`), down to the summaries and links alone; past that the text is cut at a line.
 */
export function changesText(services: readonly PlannedService[], maxChars = MAX_CHANGES_CHARS): string | undefined {
  const withCommits = services.filter((s) => s.changes?.known && s.changes.commits.length > 0).length;
  if (!services.some((s) => s.changes !== undefined)) return undefined;
  const shown = Math.min(MAX_COMMITS_PER_SERVICE, Math.max(1, Math.floor(COMMIT_LINES_PER_PLAN / Math.max(1, withCommits))));
  for (let perService = shown; perService >= 0; perService--) {
    const text = render(services, perService);
    if (text.length <= maxChars) return text;
  }
  const text = render(services, 0);
  const lines: string[] = [];
  let length = 0;
  for (const line of text.split('\n')) {
    if (length + line.length + 1 > maxChars - 2) break;
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join('\n')}\n…`;
}
