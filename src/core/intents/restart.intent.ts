import { z } from 'zod';
import { serviceWord } from '../messages/words.js';
import { defineIntent } from './intent.js';
import { buildPlan } from '../actions/action-plan.js';
import { resolveActionTarget, type ActionTarget } from '../actions/action-targets.js';
import { requiredRole } from '../actions/action-state.js';
import { resolveService } from '../actions/targets.js';

const USAGE = 'restart <service> [env]';

export const restartIntent = defineIntent({
  name: 'restart',
  summary: 'Restart every container of a service, one at a time (asks for confirmation)',
  usage: USAGE,
  minRole: 'operator',
  schema: z.object({
    service: serviceWord.optional().refine((v) => v !== undefined, { message: `which service? (${USAGE})` }),
    env: serviceWord.optional(),
    extra: z.undefined({ error: `too many arguments (${USAGE})` }),
  }),
  toInput: (a) => ({ service: a.positionals[0], env: a.positionals[1], extra: a.positionals[2] }),
  resolve: (input, { catalog, chatProjects }) => {
    if (input.env) return resolveActionTarget(catalog, chatProjects, input.service!, input.env, false, USAGE, false);
    const t = resolveService(catalog, chatProjects, input.service!, undefined, USAGE);
    return t.ok ? { ok: true, args: { env: t.args.env, services: [t.args.service], wholeProject: false, force: false } } : t;
  },
  requires: (t: ActionTarget) => ({ role: requiredRole(t), project: t.env.project, env: t.env.name }),
  plan: (ctx) =>
    buildPlan('restart', ctx.args.env, ctx.args.services, false, (_s, c) => ({ image: c.image, version: c.version }), ctx.services),
});
