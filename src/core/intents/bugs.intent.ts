/**
 * `bugs [project] [mine|open|critical]`: bug reports with their status (kept current by GitHub's issues
 * webhook). Operators of a project see every report of it; everyone sees their own.
 */
import { z } from 'zod';
import { hasRole } from '../domain/access.js';
import { hint } from '../domain/suggest.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { BugQuery, BugReport } from '../ports/bug-report.port.js';
import { reportRef } from '../support/bug-filing.js';
import { defineIntent } from './intent.js';

const USAGE = 'bugs [project] [mine|open|critical]';
const FILTERS = ['mine', 'open', 'critical'] as const;
type Filter = (typeof FILTERS)[number];
const SHOWN = 15;

interface BugsArgs {
  projects: string[];
  filter?: Filter;
}

const word = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be a project name or mine, open, critical');

export const bugsIntent = defineIntent({
  name: 'bugs',
  summary: 'Bug reports and their status (mine, open, critical)',
  usage: USAGE,
  minRole: null,
  schema: z.object({ words: z.array(word).max(2, `too many arguments (${USAGE})`) }),
  toInput: (a) => ({ words: a.positionals }),
  resolve: (input, { chatProjects }) => {
    const filters = input.words.filter((w): w is Filter => (FILTERS as readonly string[]).includes(w));
    const named = input.words.filter((w) => !(FILTERS as readonly string[]).includes(w));
    if (filters.length > 1 || named.length > 1) return { ok: false, reply: replies.error(`Too many arguments.`, `Usage: ${USAGE}`), outcome: 'invalid' };
    if (chatProjects.length === 0) return { ok: false, reply: replies.error('You have no projects here.'), outcome: 'not_found' };
    const project = named[0];
    if (project && !chatProjects.includes(project)) {
      return { ok: false, reply: replies.error(`Unknown project "${project}".`, hint('project', project, chatProjects)), outcome: 'not_found' };
    }
    return { ok: true, args: { projects: project ? [project] : chatProjects, filter: filters[0] } satisfies BugsArgs };
  },
  requires: () => null,
  async handle(ctx) {
    const bugs = ctx.services.bugs;
    if (!bugs) return replies.error('Bug reports are not set up here.');
    const { projects, filter } = ctx.args as BugsArgs;
    const person = ctx.person;
    const query: BugQuery = { projects, limit: 100 };
    if (filter === 'mine') query.reporterId = person.id;
    if (filter === 'open' || filter === 'critical') query.status = 'open';
    if (filter === 'critical') query.priority = 'critical';
    // Operators see every report of their projects; everyone else their own.
    const visible = (r: BugReport) => r.reporterId === person.id || hasRole(person, 'operator', r.project);
    const list = (await bugs.reports.list(query)).filter(visible);
    const what = `${filter ? `${filter} ` : ''}bug reports in ${projects.join(', ')}`;
    if (list.length === 0) return replies.info(`No ${what}.`);
    const cut = (t: string) => (t.length > 28 ? `${t.slice(0, 27)}…` : t);
    const rows = list.slice(0, SHOWN).map((r) => [reportRef(r), r.priority ?? '-', r.status, cut(r.title)]);
    const b = new ReplyBuilder('info').text(`${list.length} ${what}`).table(['BUG', 'PRI', 'STATE', 'TITLE'], rows);
    if (list.length > SHOWN) b.context(`The newest ${SHOWN} are shown.`);
    const onlyOwn = projects.filter((p) => !hasRole(person, 'operator', p));
    if (onlyOwn.length > 0 && filter !== 'mine') b.context(`In ${onlyOwn.join(', ')} you see only your own reports.`);
    return b.build();
  },
});
