import { z } from 'zod';
import { projectTimeZone } from '../domain/time-zone.js';
import { personName } from '../domain/people.js';
import { nameWord } from '../messages/words.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import { describeLock } from '../actions/action-state.js';
import { heldByPerson, personHolder } from '../ports/lock.port.js';
import { defineIntent } from './intent.js';
import { resolveProject, type ProjectTarget } from '../actions/targets.js';

const LOCK_USAGE = 'lock <project> <env> <reason>';
const UNLOCK_USAGE = 'unlock <project> <env>';

interface LockArgs {
  target: ProjectTarget;
  reason: string;
}

export const lockIntent = defineIntent({
  name: 'lock',
  summary: 'Lock an environment against deploys until unlocked (sticky)',
  usage: LOCK_USAGE,
  minRole: 'operator',
  schema: z.object({
    project: nameWord.optional().refine((v) => v !== undefined, { message: `which project? (${LOCK_USAGE})` }),
    env: nameWord.optional().refine((v) => v !== undefined, { message: `which environment? (${LOCK_USAGE})` }),
    reason: z.string().trim().min(3, `give a reason of a few words (${LOCK_USAGE})`).max(200, 'keep the reason under 200 characters'),
  }),
  toInput: (a) => ({ project: a.positionals[0], env: a.positionals[1], reason: a.positionals.slice(2).join(' ') }),
  resolve: (input, { catalog, chatProjects }) => {
    const t = resolveProject(catalog, chatProjects, input.project, input.env, LOCK_USAGE);
    return t.ok ? { ok: true, args: { target: t.args, reason: input.reason } } : t;
  },
  requires: (a: LockArgs) => ({ role: 'operator', project: a.target.project.name, env: a.target.envs[0]!.name }),
  async handle(ctx) {
    const project = ctx.args.target.project.name;
    const env = ctx.args.target.envs[0]!.name;
    const now = ctx.services.clock.now();
    const result = await ctx.services.actions.locks.acquire({ project, env, kind: 'manual', holder: personHolder(ctx.person.id), reason: ctx.args.reason, leaseUntil: null }, now);
    const nameOf = (id: string) => personName(ctx.services.catalog.people, id);
    if (!result.ok) return replies.error(`${project}/${env} is already ${describeLock(result.heldBy, projectTimeZone(ctx.services.catalog, project), nameOf)}.`);
    const reply = new ReplyBuilder('warning').text(`${project}/${env} locked by ${ctx.person.name}: ${ctx.args.reason}`).context(`Deploys and rollbacks by others are refused until: unlock ${project} ${env}`).build();
    await ctx.services.actions.notifier.announce(project, reply);
    return reply;
  },
});

export const unlockIntent = defineIntent({
  name: 'unlock',
  summary: 'Release a lock (its holder, or an admin)',
  usage: UNLOCK_USAGE,
  minRole: 'operator',
  schema: z.object({
    project: nameWord.optional().refine((v) => v !== undefined, { message: `which project? (${UNLOCK_USAGE})` }),
    env: nameWord.optional().refine((v) => v !== undefined, { message: `which environment? (${UNLOCK_USAGE})` }),
    extra: z.undefined({ error: `too many arguments (${UNLOCK_USAGE})` }),
  }),
  toInput: (a) => ({ project: a.positionals[0], env: a.positionals[1], extra: a.positionals[2] }),
  resolve: (input, { catalog, chatProjects }) => resolveProject(catalog, chatProjects, input.project, input.env, UNLOCK_USAGE),
  requires: (t: ProjectTarget) => ({ role: 'operator', project: t.project.name, env: t.envs[0]!.name }),
  async handle(ctx) {
    const project = ctx.args.project.name;
    const env = ctx.args.envs[0]!.name;
    const now = ctx.services.clock.now();
    const current = await ctx.services.actions.locks.get(project, env, now);
    if (!current) return replies.info(`${project}/${env} is not locked.`);
    if (current.kind === 'deploy') return replies.error(`${project}/${env} is held by a running deploy; it unlocks when the deploy ends.`);
    const admin = ctx.can({ role: 'admin', project, env });
    if (!heldByPerson(current, ctx.person.id) && !admin) return replies.error(`Only ${personName(ctx.services.catalog.people, current.holder.id)} or an admin can unlock ${project}/${env}.`);
    await ctx.services.actions.locks.release(project, env, admin ? null : personHolder(ctx.person.id));
    const reply = new ReplyBuilder('success').text(`${project}/${env} unlocked by ${ctx.person.name}.`).build();
    await ctx.services.actions.notifier.announce(project, reply);
    return reply;
  },
});
