import { z } from 'zod';
import type { EnvironmentSpec } from '../domain/catalog.js';
import { personName } from '../domain/people.js';
import { hint } from '../domain/suggest.js';
import { projectTimeZone } from '../domain/time-zone.js';
import { replies } from '../messages/reply-builder.js';
import { serviceWord } from '../messages/words.js';
import { requiredRole } from '../actions/action-state.js';
import { planPromotion, type PromotedPair } from '../promotions/promotion-plan.js';
import { defineIntent, type Resolution } from './intent.js';

const USAGE = 'promote <project> <from-env> <to-env> [service…] [--force]';
const MAX_SERVICES = 50;

export interface PromoteArgs {
  from: EnvironmentSpec;
  to: EnvironmentSpec;
  services: PromotedPair[];
  force: boolean;
}

const word = (what: string) => serviceWord.optional().refine((v) => v !== undefined, { message: `${what} (${USAGE})` });

export const promoteIntent = defineIntent({
  name: 'promote',
  summary: 'Promote what runs in one environment to another: versions, commits, config diff and checks first',
  usage: USAGE,
  minRole: 'operator',
  flags: { force: { value: false, description: 'admins only: promote despite warnings (soak time, lock, freeze); audited and announced' } },
  schema: z.object({
    project: word('which project?'),
    from: word('from which environment?'),
    to: word('to which environment?'),
    services: z.array(serviceWord).max(MAX_SERVICES, { error: `at most ${MAX_SERVICES} services` }),
    force: z.boolean(),
  }),
  toInput: (a) => ({ project: a.positionals[0], from: a.positionals[1], to: a.positionals[2], services: a.positionals.slice(3), force: a.flags.force === true }),
  resolve: (input, { catalog, chatProjects }): Resolution<PromoteArgs> => {
    const visible = catalog.projects.filter((p) => chatProjects.includes(p.name));
    const project = visible.find((p) => p.name === input.project);
    if (!project) return { ok: false, outcome: 'not_found', reply: replies.error(`No project "${input.project}" here.`, hint('project', input.project!, visible.map((p) => p.name))) };
    const envs = project.environments.map((e) => e.name);
    const env = (name: string) => project.environments.find((e) => e.name === name);
    const from = env(input.from!);
    const to = env(input.to!);
    for (const [word, found] of [[input.from!, from], [input.to!, to]] as const) {
      if (!found) return { ok: false, outcome: 'not_found', reply: replies.error(`Project ${project.name} has no environment "${word}".`, hint('environment', word, envs)) };
    }
    if (from!.name === to!.name) return { ok: false, outcome: 'invalid', reply: replies.error('Promote from one environment to another: the two are the same.', USAGE) };
    const pair = (name: string): PromotedPair | undefined => {
      const f = from!.services.find((s) => s.name === name);
      const t = to!.services.find((s) => s.name === name);
      return f && t ? { from: f, to: t } : undefined;
    };
    const both = to!.services.map((s) => pair(s.name)).filter((p): p is PromotedPair => p !== undefined);
    if (input.services.length === 0) {
      if (both.length === 0) return { ok: false, outcome: 'invalid', reply: replies.error(`${from!.name} and ${to!.name} of ${project.name} have no service in common.`) };
      return { ok: true, args: { from: from!, to: to!, services: both, force: input.force } };
    }
    const services: PromotedPair[] = [];
    for (const name of new Set(input.services)) {
      const p = pair(name);
      if (!p) return { ok: false, outcome: 'not_found', reply: replies.error(`${name} is not a service of both ${from!.name} and ${to!.name}.`, hint('service', name, both.map((b) => b.to.name))) };
      services.push(p);
    }
    return { ok: true, args: { from: from!, to: to!, services, force: input.force } };
  },
  // Operators of the target environment (admins with --force); four-eyes follows the target's requireApproval.
  requires: (a: PromoteArgs) => ({ role: requiredRole(a), project: a.to.project, env: a.to.name }),
  plan: (ctx) => {
    const { catalog } = ctx.services;
    const tz = projectTimeZone(catalog, ctx.args.to.project);
    return planPromotion({ ...ctx.args, personId: ctx.person.id, nameOf: (id) => personName(catalog.people, id), tz }, ctx.services);
  },
});
