import { z } from 'zod';
import { serviceWord } from '../messages/words.js';
import { parseDuration } from '../domain/duration.js';
import { maskText, secretValues } from '../domain/redact.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import { LogNotKeptError, type ContainerInfo, type LogLine } from '../ports/runtime.port.js';
import type { CoreServices } from '../services.js';
import { defineIntent, type Resolution } from './intent.js';
import { describeRuntimeError, findContainers, hostProblem, withTimeout } from '../actions/runtime-query.js';
import { resolveService, type ServiceTarget } from '../actions/targets.js';
import type { EnvironmentSpec, ProjectSpec } from '../domain/catalog.js';
import { hint } from '../domain/suggest.js';
import { crossServiceLogs } from '../logs/cross-service-logs.js';
import { envLogsReply } from '../logs/cross-logs.reply.js';
import {
  AT_EXAMPLES,
  aroundWindow,
  boundedDuration,
  DEFAULT_SINCE_MS,
  DEFAULT_WINDOW_MS,
  MAX_SINCE_MS,
  MAX_WINDOW_MS,
  parseMoment,
  resolveMoment,
  sinceWindow,
  type MomentSpec,
} from '../logs/log-window.js';
import { projectTimeZone } from '../domain/time-zone.js';

const SERVICE_USAGE = 'logs <service> [env] [--lines N] [--since 10m] [--grep text] [--previous]';
const ENV_USAGE = 'logs <project> <env> --grep text [--since 15m] | logs <project> <env> --at 14:23 [--window 2m]';
const USAGE = `${SERVICE_USAGE} | ${ENV_USAGE}`;

export interface LogsArgs extends ServiceTarget {
  lines: number | undefined;
  sinceMs: number | undefined;
  grep: string | undefined;
  /** The previous (crashed) container's log, where the runtime keeps one. */
  previous: boolean;
}

/** `logs <project> <env> --grep … | --at …`: every service of the environment, merged by time. */
export interface EnvLogsArgs {
  kind: 'env';
  env: EnvironmentSpec;
  grep: string | undefined;
  /** --since (grep form), or undefined with a moment. */
  sinceMs: number | undefined;
  moment: { spec: MomentSpec; text: string; windowMs: number } | undefined;
  /** Most lines of the answer (--lines, else the configured maximum). */
  cap: number;
}

type Args = (LogsArgs & { kind?: 'service' }) | EnvLogsArgs;

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
  '--at': z.string().refine((v) => parseMoment(v) !== undefined, `must be a time such as ${AT_EXAMPLES}`).optional(),
  '--window': z.string().optional(),
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
  summary: 'Log lines of a service, or of every service of an environment merged by time (secrets masked)',
  usage: USAGE,
  minRole: 'viewer',
  flags: {
    lines: { value: true, description: 'how many lines (default and maximum from config)' },
    since: { value: true, description: 'only lines newer than this, e.g. 10m' },
    grep: { value: true, description: 'only lines containing this text (case-insensitive)' },
    previous: { value: false, description: 'the log of the container before its last crash (Kubernetes)' },
    at: { value: true, description: 'every service of <project> <env> around this time, e.g. 14:23' },
    window: { value: true, description: 'with --at: how long before and after (default 2m, at most 30m)' },
  },
  schema,
  toInput: (a) => ({ service: a.positionals[0], env: a.positionals[1], extra: a.positionals[2], ...prefixed(a.flags) }),
  resolve: (input, { catalog, chatProjects, limits }): Resolution<Args> => {
    const lines = input['--lines'];
    if (lines !== undefined && lines > limits.maxLogLines) {
      return { ok: false, outcome: 'invalid', reply: replies.error(`--lines must be at most ${limits.maxLogLines}.`, `Usage: ${USAGE}`) };
    }
    const project = catalog.projects.find((p) => p.name === input.service && chatProjects.includes(p.name));
    const isService = catalog.projects.some((p) => chatProjects.includes(p.name) && p.environments.some((e) => e.services.some((x) => x.name === input.service)));
    // `--at`, or `--grep` after a project and an environment, reads every service of that environment; a
    // service that has its project's name keeps `logs <service> <env> --grep` meaning the service.
    if (input['--at'] !== undefined || (project && input.env && input['--grep'] !== undefined && !isService)) return resolveEnvLogs(input, project, limits.maxLogLines);
    if (input['--window'] !== undefined) return invalidArgs('--window goes with --at.', ENV_USAGE);
    const target = resolveService(catalog, chatProjects, input.service!, input.env, USAGE);
    if (!target.ok) {
      if (project && !isService) return invalidArgs(`logs ${project.name} <env> reads every service with --grep or --at.`, ENV_USAGE);
      return target;
    }
    const sinceMs = input['--since'] ? parseDuration(input['--since']) : undefined;
    return { ok: true, args: { ...target.args, lines: input['--lines'], sinceMs, grep: input['--grep'], previous: input['--previous'] === true } };
  },
  requires: (a: Args) => (a.kind === 'env' ? { role: 'viewer', project: a.env.project, env: a.env.name } : { role: 'viewer', project: a.service.project, env: a.env.name }),
  async handle(ctx) {
    if (ctx.args.kind === 'env') return handleEnvLogs(ctx.args, ctx.services);
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

const invalidArgs = (title: string, usage: string): Resolution<never> => ({ ok: false, outcome: 'invalid', reply: replies.error(title, `Usage: ${usage.split(' | ').join('\n')}`) });

type LogsInput = z.infer<typeof schema>;

function resolveEnvLogs(input: LogsInput, project: ProjectSpec | undefined, maxLines: number): Resolution<EnvLogsArgs> {
  if (!project) return invalidArgs(`--at and --grep across services need a project${input.service ? `, not "${input.service}"` : ''}.`, ENV_USAGE);
  const env = project.environments.find((e) => e.name === input.env);
  if (!env) {
    const title = input.env ? `Project ${project.name} has no environment "${input.env}".` : 'Which environment?';
    return { ok: false, outcome: input.env ? 'not_found' : 'invalid', reply: replies.error(title, input.env ? hint('environment', input.env, project.environments.map((e) => e.name)) : `Usage: ${ENV_USAGE.split(' | ').join('\n')}`) };
  }
  if (input['--previous']) return invalidArgs('--previous reads one service: logs <service> <env> --previous.', SERVICE_USAGE);
  const at = input['--at'];
  if (at !== undefined && input['--since'] !== undefined) return invalidArgs('--at and --since do not go together (--window sets the range around --at).', ENV_USAGE);
  if (at === undefined && input['--window'] !== undefined) return invalidArgs('--window goes with --at.', ENV_USAGE);
  let sinceMs: number | undefined;
  if (at === undefined) {
    const since = boundedDuration(input['--since'] ?? '15m', MAX_SINCE_MS);
    if (!since.ok) return invalidArgs(`--since ${since.problem}.`, ENV_USAGE);
    sinceMs = input['--since'] ? since.ms : DEFAULT_SINCE_MS;
  }
  let moment: EnvLogsArgs['moment'];
  if (at !== undefined) {
    const window = input['--window'] === undefined ? { ok: true as const, ms: DEFAULT_WINDOW_MS } : boundedDuration(input['--window'], MAX_WINDOW_MS);
    if (!window.ok) return invalidArgs(`--window ${window.problem}.`, ENV_USAGE);
    moment = { spec: parseMoment(at)!, text: at, windowMs: window.ms };
  }
  return { ok: true, args: { kind: 'env', env, grep: input['--grep'], sinceMs, moment, cap: input['--lines'] ?? maxLines } };
}

async function handleEnvLogs(args: EnvLogsArgs, services: CoreServices) {
  const zone = projectTimeZone(services.catalog, args.env.project);
  const now = services.clock.now();
  let window = sinceWindow(now, args.sinceMs ?? DEFAULT_SINCE_MS);
  if (args.moment) {
    const at = resolveMoment(args.moment.spec, now, zone);
    if (!at) return replies.error(`There is no such time as ${args.moment.text} in ${zone}.`, `--at takes ${AT_EXAMPLES}.`);
    window = aroundWindow(at, args.moment.windowMs);
  }
  const result = await crossServiceLogs({ env: args.env, window, cap: args.cap, zone, ...(args.grep ? { grep: args.grep } : {}) }, services);
  return envLogsReply({ env: args.env, grep: args.grep, window, zone, sinceMs: args.sinceMs, windowMs: args.moment?.windowMs, inline: services.limits.inlineLogLines, cap: args.cap }, result);
}

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
