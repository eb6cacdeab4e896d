import { z } from 'zod';
import { serviceWord } from '../messages/words.js';
import { maskEnvValue } from '../domain/redact.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import { defineIntent } from './intent.js';
import { describeRuntimeError, findContainers, hostProblem, unitNounOf, withTimeout } from '../actions/runtime-query.js';
import { resolveService, type ServiceTarget } from '../actions/targets.js';

const USAGE = 'env <service> [env]';

export const envIntent = defineIntent({
  name: 'env',
  summary: "A service's environment variables, secret values masked",
  usage: USAGE,
  minRole: 'operator',
  schema: z.object({
    service: serviceWord.optional().refine((v) => v !== undefined, { message: 'which service? (env <service> [env])' }),
    env: serviceWord.optional(),
    extra: z.undefined({ error: `too many arguments (${USAGE})` }),
  }),
  toInput: (a) => ({ service: a.positionals[0], env: a.positionals[1], extra: a.positionals[2] }),
  resolve: (input, { catalog, chatProjects }) => resolveService(catalog, chatProjects, input.service!, input.env, USAGE),
  requires: (t: ServiceTarget) => ({ role: 'operator', project: t.service.project, env: t.env.name }),
  async handle(ctx) {
    const { service, env } = ctx.args;
    const { limits } = ctx.services;
    const found = (await findContainers([service], ctx.services)).get(service)!;
    if (!found.ok) return replies.error(`${hostProblem(found)}; cannot read ${service.name}.`);
    const container = found.containers[0];
    if (!container) return replies.warning(`No ${unitNounOf(ctx.services.runtimes, service.host)} of ${service.name} (${env.name}) is there.`);
    let vars: Record<string, string>;
    try {
      vars = await withTimeout(limits.hostTimeoutMs, (signal) => ctx.services.runtimes.get(service.host).env(container.id, { signal }));
    } catch (err) {
      ctx.services.metrics.runtimeError(service.host, 'environment');
      return replies.error(`Could not read the environment: ${describeRuntimeError(err, limits.hostTimeoutMs)}.`);
    }
    let masked = 0;
    const lines = Object.keys(vars)
      .sort()
      .map((key) => {
        const m = maskEnvValue(key, vars[key]!);
        if (m.masked) masked++;
        return `${key}=${m.value}`;
      });
    return new ReplyBuilder()
      .header(`Environment ${service.project}/${service.name} · ${env.name}`)
      .code(lines.length ? lines.join('\n') : '(empty)')
      .context(`${lines.length} variables from ${container.name} on ${service.host} · ${masked} masked`)
      .build();
  },
});
