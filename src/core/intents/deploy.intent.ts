import { z } from 'zod';
import { serviceWord, versionWord } from '../messages/words.js';
import { defineIntent } from './intent.js';
import { buildPlan } from '../actions/action-plan.js';
import { imageRef, resolveActionTarget, type ActionTarget } from '../actions/action-targets.js';
import { requiredRole } from '../actions/action-state.js';
import { runAtProblem } from '../actions/scheduled-actions.js';
import { projectTimeZone } from '../domain/time-zone.js';
import { parseUntil, resolveUntil, startsTwoWordTime, type UntilSpec } from '../domain/until.js';
import { replies } from '../messages/reply-builder.js';

const USAGE = 'deploy <service|project> <env> <version> [at <time>] [--force]';
const AT_EXAMPLES = '22:00, tomorrow 09:30 or 2026-12-03 22:00';

export interface DeployArgs extends ActionTarget {
  version: string;
  /** `at <time>`: a scheduled deploy (resolved in the project's time zone when planned). */
  at?: Exclude<UntilSpec, { kind: 'in' }>;
}

/** `at 22:00` / `at tomorrow 09:30` / `at 2026-12-03 22:00` after the version: the time words, else undefined. */
function atWords(rest: string[]): { at?: string; extra?: string } {
  if (rest.length === 0) return {};
  if (rest[0]!.toLowerCase() !== 'at') return { extra: rest[0] };
  const n = startsTwoWordTime(rest[1]) ? 2 : 1;
  return { at: rest.slice(1, 1 + n).join(' '), extra: rest[1 + n] };
}

export const deployIntent = defineIntent({
  name: 'deploy',
  summary: 'Deploy a version (image tag or digest) of a service or a whole project, now or at a time (asks for confirmation)',
  usage: USAGE,
  minRole: 'operator',
  flags: { force: { value: false, description: 'admins only: deploy despite a lock or freeze (audited and announced)' } },
  schema: z.object({
    what: serviceWord.optional().refine((v) => v !== undefined, { message: `what to deploy? (${USAGE})` }),
    env: serviceWord.optional().refine((v) => v !== undefined, { message: `which environment? (${USAGE})` }),
    version: versionWord.optional().refine((v) => v !== undefined, { message: `which version? (${USAGE})` }),
    at: z
      .string()
      .transform((v, ctx) => {
        const spec = v === '' ? undefined : parseUntil(v);
        if (!spec || spec.kind === 'in') {
          ctx.addIssue({ code: 'custom', message: `"at ${v}" is not a time; e.g. at ${AT_EXAMPLES}` });
          return z.NEVER;
        }
        return spec;
      })
      .optional(),
    extra: z.undefined({ error: `too many arguments (${USAGE})` }),
    force: z.boolean(),
  }),
  toInput: (a) => {
    const { at, extra } = atWords(a.positionals.slice(3));
    return { what: a.positionals[0], env: a.positionals[1], version: a.positionals[2], at, extra, force: a.flags.force === true };
  },
  resolve: (input, { catalog, chatProjects }) => {
    const t = resolveActionTarget(catalog, chatProjects, input.what!, input.env!, input.force, USAGE, true);
    return t.ok ? { ok: true, args: { ...t.args, version: input.version!, ...(input.at ? { at: input.at } : {}) } } : t;
  },
  requires: (a: DeployArgs) => ({ role: requiredRole(a), project: a.env.project, env: a.env.name }),
  plan: async (ctx) => {
    const { env, services, force, version, at } = ctx.args;
    let runAt: Date | undefined;
    if (at) {
      const tz = projectTimeZone(ctx.services.catalog, env.project);
      const now = ctx.services.clock.now();
      runAt = resolveUntil(at, now, tz);
      const problem = runAt ? runAtProblem(runAt, now, tz) : `${at.kind === 'on' ? `${at.year}-${at.month}-${at.day}` : 'that date'} does not exist`;
      if (problem) return { ok: false, reply: replies.error(`Cannot schedule: ${problem}.`, `Times are in ${tz}; e.g. at ${AT_EXAMPLES}.`) };
      if (!ctx.services.actions.scheduler) return { ok: false, reply: replies.error('Scheduled deploys need the job queue, which this Deckhand does not run.') };
    }
    const planned = await buildPlan('deploy', env, services, force, (s, current) => {
      if (current.version === version) return `${s.name} already runs ${version} in ${env.name}.`;
      return { image: imageRef(s.image!, version), version };
    }, ctx.services);
    return planned.ok && runAt ? { ...planned, runAt } : planned;
  },
});
