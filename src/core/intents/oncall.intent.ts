import { z } from 'zod';
import { nameWord } from './words.js';
import { formatLocal, onCallAt } from '../domain/rotation.js';
import { hint } from '../domain/suggest.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import { defineIntent } from './intent.js';

const USAGE = 'oncall [project]';

export const oncallIntent = defineIntent({
  name: 'oncall',
  summary: 'Who is on call now and next',
  usage: USAGE,
  minRole: 'viewer',
  schema: z.object({
    project: nameWord.optional(),
    extra: z.undefined({ error: `too many arguments (${USAGE})` }),
  }),
  toInput: (a) => ({ project: a.positionals[0], extra: a.positionals[1] }),
  resolve: (input, { chatProjects }) => {
    if (input.project && !chatProjects.includes(input.project)) {
      return { ok: false, outcome: 'not_found', reply: replies.error(`Unknown project "${input.project}".`, hint('project', input.project, chatProjects)) };
    }
    return { ok: true, args: { projects: input.project ? [input.project] : chatProjects } };
  },
  requires: (a: { projects: string[] }) => (a.projects.length === 1 ? { role: 'viewer', project: a.projects[0] } : null),
  async handle(ctx) {
    const { catalog, clock } = ctx.services;
    const now = clock.now();
    const nameOf = (id: string | null) => (id ? (catalog.people.find((p) => p.id === id)?.name ?? id) : 'nobody yet');
    const rows = catalog.rotations
      .filter((r) => ctx.args.projects.includes(r.project) && ctx.can({ role: 'viewer', project: r.project }))
      .map((r) => {
        const who = onCallAt(r, now);
        return [r.project, nameOf(who.current), nameOf(who.next), formatLocal(who.nextHandoff, r.timezone)];
      });
    if (rows.length === 0) return replies.info(`No on-call rotation is configured for ${ctx.args.projects.join(', ') || 'your projects'}.`);
    return new ReplyBuilder().header('On call').table(['PROJECT', 'NOW', 'NEXT', 'HANDOFF'], rows).build();
  },
});
