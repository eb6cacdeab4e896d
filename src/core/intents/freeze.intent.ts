import { z } from 'zod';
import { nameWord } from '../messages/words.js';
import { parseDuration, formatDuration } from '../domain/duration.js';
import { recurringFreezeAt } from '../domain/freeze.js';
import { formatLocal } from '../domain/rotation.js';
import { projectTimeZone } from '../domain/time-zone.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import { defineIntent, type Resolution } from './intent.js';
import { resolveProject, type ProjectTarget } from '../actions/targets.js';

const USAGE = 'freeze [list] | freeze add <project> <env|all> <duration> <reason>';

type FreezeArgs = { mode: 'list'; projects: string[] } | { mode: 'add'; target: ProjectTarget; allEnvs: boolean; durationMs: number; reason: string };

const MAX_FREEZE_MS = 30 * 86_400_000;
const FEED_AHEAD_MS = 14 * 86_400_000;

export const freezeIntent = defineIntent({
  name: 'freeze',
  summary: 'List freeze windows, or add one now (admins)',
  usage: USAGE,
  minRole: 'viewer',
  schema: z.discriminatedUnion('mode', [
    z.object({ mode: z.literal('list') }),
    z.object({
      mode: z.literal('add'),
      project: nameWord.optional().refine((v) => v !== undefined, { message: `which project? (${USAGE})` }),
      env: nameWord.optional().refine((v) => v !== undefined, { message: `which environment, or all? (${USAGE})` }),
      duration: z
        .string({ error: `how long? e.g. 2h (${USAGE})` })
        .refine((v) => parseDuration(v) !== undefined, 'must be a duration such as 30m, 2h or 3d')
        .refine((v) => (parseDuration(v) ?? 0) <= MAX_FREEZE_MS, 'must be at most 30d'),
      reason: z.string().trim().min(3, `give a reason of a few words (${USAGE})`).max(200, 'keep the reason under 200 characters'),
    }),
  ]),
  toInput: (a) => {
    const [sub, project, env, duration, ...reason] = a.positionals;
    if (sub === undefined || sub === 'list') return { mode: 'list' };
    if (sub === 'add') return { mode: 'add', project, env, duration, reason: reason.join(' ') };
    return { mode: sub };
  },
  resolve: (input, { catalog, chatProjects }): Resolution<FreezeArgs> => {
    if (input.mode === 'list') return { ok: true, args: { mode: 'list', projects: chatProjects } };
    const allEnvs = input.env === 'all';
    const t = resolveProject(catalog, chatProjects, input.project, allEnvs ? undefined : input.env, USAGE);
    if (!t.ok) return t;
    return { ok: true, args: { mode: 'add', target: t.args, allEnvs, durationMs: parseDuration(input.duration)!, reason: input.reason } };
  },
  requires: (a: FreezeArgs) => (a.mode === 'list' ? null : { role: 'admin', project: a.target.project.name, env: a.allEnvs ? undefined : a.target.envs[0]!.name }),
  async handle(ctx) {
    const now = ctx.services.clock.now();
    const { actions, catalog } = ctx.services;
    if (ctx.args.mode === 'add') {
      const { target, allEnvs, durationMs, reason } = ctx.args;
      const w = await actions.freezes.add({ project: target.project.name, env: allEnvs ? null : target.envs[0]!.name, from: now, until: new Date(now.getTime() + durationMs), reason, createdBy: ctx.person.id });
      const reply = new ReplyBuilder('warning').text(`Deploys to ${w.project}/${w.env ?? 'all environments'} frozen for ${formatDuration(durationMs)} by ${ctx.person.name}: ${reason}`).build();
      await actions.notifier.announce(w.project, reply);
      return reply;
    }
    const projects = ctx.args.projects;
    const rows: string[][] = [];
    for (const w of actions.recurringFreezes.filter((f) => projects.includes(f.project))) {
      const envs = w.envs.length ? w.envs : catalog.projects.find((p) => p.name === w.project)?.environments.map((e) => e.name) ?? [];
      const activeNow = envs.some((e) => recurringFreezeAt(w, e, now));
      rows.push([w.project, w.envs.join(',') || 'all', `${dayName(w.from.day)} ${w.from.time} → ${dayName(w.to.day)} ${w.to.time} ${w.timezone}`, w.name, activeNow ? 'now' : 'weekly']);
    }
    for (const w of (await actions.freezes.upcoming(now)).filter((f) => projects.includes(f.project))) {
      const tz = projectTimeZone(catalog, w.project);
      rows.push([w.project, w.env ?? 'all', `${formatLocal(w.from, tz)} → ${formatLocal(w.until, tz)}`, w.reason, w.from <= now ? 'now' : 'planned']);
    }
    // Feed freezes of the next two weeks (a feed may hold years of holidays).
    for (const project of projects) {
      const tz = projectTimeZone(catalog, project);
      for (const f of actions.freezeFeeds?.between(project, now, new Date(now.getTime() + FEED_AHEAD_MS)) ?? []) {
        rows.push([project, f.envs.join(',') || 'all', `${formatLocal(f.from, tz)} → ${formatLocal(f.until, tz)}`, f.name, f.from <= now ? 'now' : 'feed']);
      }
    }
    if (rows.length === 0) return replies.info('No freeze windows.');
    return new ReplyBuilder().header('Freeze windows').table(['PROJECT', 'ENV', 'WHEN', 'WHY', 'STATE'], rows).build();
  },
});

function dayName(day: number): string {
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][day - 1] ?? '?';
}
