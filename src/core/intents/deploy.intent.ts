import { z } from 'zod';
import { serviceWord, versionWord } from '../messages/words.js';
import { defineIntent } from './intent.js';
import { buildPlan } from '../actions/action-plan.js';
import { imageRef, resolveActionTarget, type ActionTarget } from '../actions/action-targets.js';
import { requiredRole } from '../actions/action-state.js';

const USAGE = 'deploy <service|project> <env> <version> [--force]';

export interface DeployArgs extends ActionTarget {
  version: string;
}

export const deployIntent = defineIntent({
  name: 'deploy',
  summary: 'Deploy a version (image tag or digest) of a service or a whole project (asks for confirmation)',
  usage: USAGE,
  minRole: 'operator',
  flags: { force: { value: false, description: 'admins only: deploy despite a lock or freeze (audited and announced)' } },
  schema: z.object({
    what: serviceWord.optional().refine((v) => v !== undefined, { message: `what to deploy? (${USAGE})` }),
    env: serviceWord.optional().refine((v) => v !== undefined, { message: `which environment? (${USAGE})` }),
    version: versionWord.optional().refine((v) => v !== undefined, { message: `which version? (${USAGE})` }),
    extra: z.undefined({ error: `too many arguments (${USAGE})` }),
    force: z.boolean(),
  }),
  toInput: (a) => ({ what: a.positionals[0], env: a.positionals[1], version: a.positionals[2], extra: a.positionals[3], force: a.flags.force === true }),
  resolve: (input, { catalog, chatProjects }) => {
    const t = resolveActionTarget(catalog, chatProjects, input.what!, input.env!, input.force, USAGE, true);
    return t.ok ? { ok: true, args: { ...t.args, version: input.version! } } : t;
  },
  requires: (a: DeployArgs) => ({ role: requiredRole(a), project: a.env.project, env: a.env.name }),
  plan: (ctx) => {
    const { env, services, force, version } = ctx.args;
    return buildPlan('deploy', env, services, force, (s, current) => {
      if (current.version === version) return `${s.name} already runs ${version} in ${env.name}.`;
      return { image: imageRef(s.image!, version), version };
    }, ctx.services);
  },
});
