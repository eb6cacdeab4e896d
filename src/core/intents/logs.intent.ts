import { z } from 'zod';
import { serviceWord } from '../messages/words.js';
import { parseDuration } from '../domain/duration.js';
import { maskText, secretValues } from '../domain/redact.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import { LogNotKeptError, type ContainerInfo, type LogLine } from '../ports/runtime.port.js';
import type { CoreServices } from '../services.js';
import { defineIntent } from './intent.js';
import { describeRuntimeError, findContainers, hostProblem, withTimeout } from '../actions/runtime-query.js';
import { resolveService, type ServiceTarget } from '../actions/targets.js';

const USAGE = 'logs <service> [env] [--lines N] [--since 10m] [--grep text] [--previous]';

export interface LogsArgs extends ServiceTarget {
  lines: number | undefined;
  sinceMs: number | undefined;
  grep: string | undefined;
  /** The previous (crashed) container's log, where the runtime keeps one. */
  previous: boolean;
}

const schema = z.object({
  service: serviceWord.optional().refine((v) => v !== undefined, { message: 'which service? (logs <service> [env])' }),
  env: serviceWord.optional(),
  extra: z.undefined({ error: `too many arguments (${USAGE})` }),
  '--lines': z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .optional(),
  '--since': z
    .string()
    .refine((v) => parseDuration(v) !== undefined, 'must be a duration such as 30s, 10m, 2h or 1d')
    .optional(),
  '--grep': z.string().min(1, 'needs some text').max(200, 'must be at most 200 characters').optional(),
  '--previous': z.literal(true, { error: 'takes no value' }).optional(),
});

async function fetchLines(c: ContainerInfo, host: string, args: LogsArgs, tail: number, services: CoreServices): Promise<LogLine[]> {
  const since = args.sinceMs ? new Date(services.clock.now().getTime() - args.sinceMs) : undefined;
  const runtime = services.runtimes.get(host);
  const timeout = services.limits.hostTimeoutMs;
  const [lines, env] = await Promise.all([
    withTimeout(timeout, (signal) => runtime.logs(c.id, { tail, since, ...(args.previous ? { previous: true } : {}) }, { signal })),
    withTimeout(timeout, (signal) => runtime.env(c.id, { signal })),
  ]);
  const secrets = secretValues(env);
  return lines.map((l) => ({ stream: l.stream, text: maskText(l.text, secrets) }));
}

function format(line: LogLine, prefix: string): string {
  return `${prefix}${line.stream === 'stderr' ? '! ' : ''}${line.text}`;
}

export const logsIntent = defineIntent({
  name: 'logs',
  summary: 'Recent log lines of a service (stdout and stderr, secrets masked)',
  usage: USAGE,
  minRole: 'viewer',
  flags: {
    lines: { value: true, description: 'how many lines (default and maximum from config)' },
    since: { value: true, description: 'only lines newer than this, e.g. 10m' },
    grep: { value: true, description: 'only lines containing this text (case-insensitive)' },
    previous: { value: false, description: 'the log of the container before its last crash (Kubernetes)' },
  },
  schema,
  toInput: (a) => ({ service: a.positionals[0], env: a.positionals[1], extra: a.positionals[2], ...prefixed(a.flags) }),
  resolve: (input, { catalog, chatProjects, limits }) => {
    const lines = input['--lines'];
    if (lines !== undefined && lines > limits.maxLogLines) {
      return { ok: false, outcome: 'invalid', reply: replies.error(`--lines must be at most ${limits.maxLogLines}.`, `Usage: ${USAGE}`) };
    }
    const target = resolveService(catalog, chatProjects, input.service!, input.env, USAGE);
    if (!target.ok) return target;
    const sinceMs = input['--since'] ? parseDuration(input['--since']) : undefined;
    return { ok: true, args: { ...target.args, lines: input['--lines'], sinceMs, grep: input['--grep'], previous: input['--previous'] === true } };
  },
  requires: (a: LogsArgs) => ({ role: 'viewer', project: a.service.project, env: a.env.name }),
  async handle(ctx) {
    const { service, env, grep } = ctx.args;
    const limits = ctx.services.limits;
    const lines = ctx.args.lines ?? limits.defaultLogLines;
    const found = (await findContainers([service], ctx.services)).get(service)!;
    if (!found.ok) return replies.error(`${hostProblem(found)}; no logs for ${service.name}.`);
    if (found.containers.length === 0) return replies.warning(`No container of ${service.name} (${env.name}) is there.`);
    // With --grep, read up to the maximum and keep the last matching lines.
    const tail = grep ? limits.maxLogLines : lines;
    const out: string[] = [];
    for (const c of found.containers) {
      const prefix = found.containers.length > 1 ? `[${c.name}] ` : '';
      try {
        let got = await fetchLines(c, service.host, ctx.args, tail, ctx.services);
        if (grep) got = got.filter((l) => l.text.toLowerCase().includes(grep.toLowerCase())).slice(-lines);
        out.push(...got.map((l) => format(l, prefix)));
      } catch (err) {
        // The runtime keeps no such log at all (Docker and --previous): one clear answer, not one per unit.
        if (err instanceof LogNotKeptError) return replies.warning(`${ctx.args.previous ? 'No previous log' : 'No log'} of ${service.name} (${env.name}): ${err.reason}.`);
        ctx.services.metrics.runtimeError(service.host, 'logs');
        out.push(`${prefix}(logs unavailable: ${describeRuntimeError(err, limits.hostTimeoutMs)})`);
      }
    }
    return logsReply(`${service.project}/${service.name} · ${env.name}${ctx.args.previous ? ' (previous)' : ''}`, out, limits.inlineLogLines, grep);
  },
});

function prefixed(flags: Record<string, string | true>): Record<string, string | true> {
  return Object.fromEntries(Object.entries(flags).map(([k, v]) => [`--${k}`, v]));
}

function logsReply(title: string, out: string[], inline: number, grep: string | undefined): ReturnType<ReplyBuilder['build']> {
  const b = new ReplyBuilder().header(`Logs ${title}`);
  if (out.length === 0) return b.text(grep ? `No line contains "${grep}".` : 'No log lines in that range.').build();
  const shown = out.slice(-inline);
  b.code(shown.join('\n'));
  const parts = [`${out.length} lines`, 'stderr lines start with !', 'secrets masked'];
  if (shown.length < out.length) {
    parts[0] = `last ${shown.length} of ${out.length} lines here, all in the attached file`;
    b.attach({ filename: `${title.replace(/[^A-Za-z0-9._-]+/g, '-')}.log`, content: `${out.join('\n')}\n`, title: `Logs ${title}` });
  }
  return b.context(parts.join(' · ')).build();
}
