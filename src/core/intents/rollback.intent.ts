import { z } from 'zod';
import { serviceWord, versionWord } from '../messages/words.js';
import { defineIntent } from './intent.js';
import { buildPlan } from '../actions/action-plan.js';
import { imageRef, resolveActionTarget, type ActionTarget } from '../actions/action-targets.js';
import { requiredRole } from '../actions/action-state.js';

const USAGE = 'rollback <service|project> <env> [version] [--force]';

export interface RollbackArgs extends ActionTarget {
  version: string | undefined;
}

export const rollbackIntent = defineIntent({
  name: 'rollback',
  summary: 'Go back to the previous successful version, or a given one (asks for confirmation)',
  usage: USAGE,
  minRole: 'operator',
  flags: { force: { value: false, description: 'admins only: roll back despite a lock or freeze (audited and announced)' } },
  schema: z.object({
    what: serviceWord.optional().refine((v) => v !== undefined, { message: `what to roll back? (${USAGE})` }),
    env: serviceWord.optional().refine((v) => v !== undefined, { message: `which environment? (${USAGE})` }),
    version: versionWord.optional(),
    extra: z.undefined({ error: `too many arguments (${USAGE})` }),
    force: z.boolean(),
  }),
  toInput: (a) => ({ what: a.positionals[0], env: a.positionals[1], version: a.positionals[2], extra: a.positionals[3], force: a.flags.force === true }),
  resolve: (input, { catalog, chatProjects }) => {
    const t = resolveActionTarget(catalog, chatProjects, input.what!, input.env!, input.force, USAGE, true);
    return t.ok ? { ok: true, args: { ...t.args, version: input.version } } : t;
  },
  requires: (a: RollbackArgs) => ({ role: requiredRole(a), project: a.env.project, env: a.env.name }),
  plan: (ctx) => {
    const { env, services, force, version } = ctx.args;
    const store = ctx.services.actions.deployments;
    return buildPlan('rollback', env, services, force, async (s, current) => {
      if (version) {
        return current.version === version ? `${s.name} already runs ${version}.` : { image: imageRef(s.image!, version), version };
      }
      const previous = await store.previousSucceeded(env.project, env.name, s.name, current.version);
      if (previous) return { image: previous.image, version: previous.version };
      // Only one recorded deploy so far: go back to what ran before it.
      const recent = await store.recent({ project: env.project, env: env.name, service: s.name, limit: 20 });
      const last = recent.find((d) => d.status === 'succeeded' && d.version === current.version && d.previousImage && d.previousVersion);
      if (last) return { image: last.previousImage!, version: last.previousVersion! };
      return `No earlier successful deploy of ${s.name} in ${env.name} is recorded; name the version: rollback ${s.name} ${env.name} <version>.`;
    }, ctx.services);
  },
});
