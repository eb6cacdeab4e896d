/** `calendar [project] [week]` and `calendar cancel <id>` (use cases in core/calendar and actions/scheduled-actions). */
import { z } from 'zod';
import { DateTime } from 'luxon';
import { calendarReply, gatherCalendar, type WeekChoice } from '../calendar/calendar.js';
import { cancelScheduled } from '../actions/scheduled-actions.js';
import { nameWord } from '../messages/words.js';
import { defineIntent, type Resolution } from './intent.js';
import { resolveProject, type ProjectTarget } from '../actions/targets.js';

const USAGE = 'calendar [project] [this|next|last|YYYY-MM-DD] | calendar cancel <id>';

type CalendarArgs = { mode: 'show'; target: ProjectTarget; week: WeekChoice } | { mode: 'cancel'; id: string };

const WEEK_WORDS = ['this', 'next', 'last'] as const;
const isWeekWord = (w: string | undefined) => w !== undefined && ((WEEK_WORDS as readonly string[]).includes(w) || /^\d{4}-\d{2}-\d{2}$/.test(w));

const weekWord = z.union([
  z.enum(WEEK_WORDS),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `a week: this, next, last or a date YYYY-MM-DD (${USAGE})`)
    .refine((d) => DateTime.fromISO(d).isValid, 'must be a real date (YYYY-MM-DD)'),
]);

export const calendarIntent = defineIntent({
  name: 'calendar',
  summary: 'Planned and past deploys per day, freezes, locks and conflicts; cancel a planned deploy',
  usage: USAGE,
  minRole: 'viewer',
  schema: z.discriminatedUnion('mode', [
    z.object({ mode: z.literal('show'), project: nameWord.optional(), week: weekWord.optional(), extra: z.undefined({ error: `too many arguments (${USAGE})` }) }),
    z.object({
      mode: z.literal('cancel'),
      id: z
        .string({ error: `which one? (calendar cancel <id>, the id calendar shows)` })
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the id calendar shows'),
      extra: z.undefined({ error: 'too many arguments (calendar cancel <id>)' }),
    }),
  ]),
  toInput: (a) => {
    const [first, second, third] = a.positionals;
    if (first === 'cancel') return { mode: 'cancel', id: second, extra: a.positionals[2] };
    if (isWeekWord(first)) return { mode: 'show', week: first, extra: second };
    return { mode: 'show', project: first, week: second, extra: third };
  },
  resolve: (input, { catalog, chatProjects }): Resolution<CalendarArgs> => {
    if (input.mode === 'cancel') return { ok: true, args: { mode: 'cancel', id: input.id } };
    const t = resolveProject(catalog, chatProjects, input.project, undefined, USAGE);
    if (!t.ok) return t;
    const w = input.week;
    const week: WeekChoice = w === undefined ? { kind: 'coming' } : w === 'this' || w === 'next' || w === 'last' ? { kind: w } : { kind: 'of', date: w };
    return { ok: true, args: { mode: 'show', target: t.args, week } };
  },
  // Cancelling is checked against the action itself (its requester, or an admin of its project/env).
  requires: (a: CalendarArgs) => (a.mode === 'cancel' ? null : { role: 'viewer', project: a.target.project.name }),
  async handle(ctx) {
    if (ctx.args.mode === 'cancel') return (await cancelScheduled(ctx.services, ctx.args.id, ctx.person, ctx.chatProjects)).reply;
    const { project } = ctx.args.target;
    const envs = project.environments.filter((e) => ctx.can({ role: 'viewer', project: project.name, env: e.name }));
    return calendarReply(await gatherCalendar(project.name, envs, ctx.args.week, ctx.services, ctx.person.id));
  },
});
