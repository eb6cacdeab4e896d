/**
 * Logs across every service of an environment: each host is asked in parallel (its own timeout), each
 * unit's lines come with their time, secrets are masked with every unit's secret values, and the lines
 * are merged by time with the service and replica in front, so one request id can be followed from
 * service to service. A host that does not answer is named; the others still answer.
 */
import { DateTime } from 'luxon';
import { maskText, secretValues } from '../domain/redact.js';
import type { EnvironmentSpec, ServiceSpec } from '../domain/catalog.js';
import { LogNotKeptError, RuntimeRefusedError, type ContainerInfo, type LogLine } from '../ports/runtime.port.js';
import type { CoreServices } from '../services.js';
import { describeRuntimeError, findContainers, hostProblem, withTimeout } from '../actions/runtime-query.js';
import { capLines, type LogWindow } from './log-window.js';

export interface CrossLogsRequest {
  env: EnvironmentSpec;
  window: LogWindow;
  /** Only lines containing this (case-insensitive). */
  grep?: string;
  /** Most lines in the answer (all services together). */
  cap: number;
  /** The project's time zone (IANA), for the times the problems name. */
  zone: string;
}

export interface MergedLine {
  at: Date | undefined;
  service: string;
  replica: string;
  stream: LogLine['stream'];
  text: string;
}

export interface CrossLogsResult {
  lines: MergedLine[];
  /** Lines that matched before the cap. */
  matched: number;
  /** Sentences about hosts or units that did not answer. */
  problems: string[];
  /** Services with at least one unit read. */
  read: string[];
}

interface UnitLines {
  service: ServiceSpec;
  unit: ContainerInfo;
  lines: LogLine[];
  secrets: string[];
}

/** Reads the units of one host's services, all within one per-host timeout. */
async function readHost(host: string, units: { service: ServiceSpec; unit: ContainerInfo }[], req: CrossLogsRequest, deps: CoreServices): Promise<UnitLines[]> {
  const runtime = deps.runtimes.get(host);
  const { since, until } = req.window;
  const tail = deps.limits.maxLogLines;
  return withTimeout(deps.limits.hostTimeoutMs, (signal) =>
    Promise.all(
      units.map(async ({ service, unit }) => {
        const [lines, env] = await Promise.all([
          runtime.logs(unit.id, { tail, since, ...(until ? { until } : {}), timestamps: true }, { signal }),
          runtime.env(unit.id, { signal }),
        ]);
        return { service, unit, lines, secrets: secretValues(env) };
      }),
    ),
  );
}

export async function crossServiceLogs(req: CrossLogsRequest, deps: CoreServices): Promise<CrossLogsResult> {
  const problems: string[] = [];
  const found = await findContainers(req.env.services, deps);
  const byHost = new Map<string, { service: ServiceSpec; unit: ContainerInfo }[]>();
  const unreachable = new Map<string, { sentence: string; services: string[] }>();
  for (const service of req.env.services) {
    const r = found.get(service)!;
    if (!r.ok) {
      const entry = unreachable.get(r.host) ?? { sentence: hostProblem(r), services: [] };
      entry.services.push(service.name);
      unreachable.set(r.host, entry);
      continue;
    }
    for (const unit of r.containers) byHost.set(service.host, [...(byHost.get(service.host) ?? []), { service, unit }]);
  }
  const read: UnitLines[] = [];
  await Promise.all(
    [...byHost].map(async ([host, units]) => {
      try {
        read.push(...(await readHost(host, units, req, deps)));
      } catch (err) {
        if (err instanceof LogNotKeptError) return;
        deps.metrics.runtimeError(host, 'logs');
        deps.logger.warn({ err, host }, 'runtime logs failed');
        const services = [...new Set(units.map((u) => u.service.name))];
        const why = describeRuntimeError(err, deps.limits.hostTimeoutMs);
        unreachable.set(host, { sentence: err instanceof RuntimeRefusedError ? why : `Host ${host} is ${why}`, services });
      }
    }),
  );
  for (const { sentence, services } of unreachable.values()) problems.push(`${sentence}: no lines from ${services.join(', ')}`);
  // Every unit's secret values are masked in every line: a line may quote another service's token.
  const secrets = [...new Set(read.flatMap((r) => r.secrets))];
  const order = new Map(req.env.services.map((s, i) => [s.name, i]));
  read.sort((a, b) => order.get(a.service.name)! - order.get(b.service.name)! || a.unit.name.localeCompare(b.unit.name));
  const needle = req.grep?.toLowerCase();
  const { since, until } = req.window;
  const all: (MergedLine & { key: number })[] = [];
  for (const r of read) {
    // A line without a time (a runtime that gave none) keeps the place of the line before it.
    let last = 0;
    for (const l of r.lines) {
      const at = l.at;
      if (l.cut) {
        problems.push(`The log of ${r.service.name} (${l.replica ?? r.unit.name}) has ${l.text}: it was read up to ${at ? `${DateTime.fromJSDate(at, { zone: req.zone }).toFormat('HH:mm:ss')} ${req.zone}` : 'its bound'} only, later lines are missing`);
        continue;
      }
      if (at && (at < since || (until && at >= until))) continue;
      last = at?.getTime() ?? last;
      const text = maskText(l.text, secrets);
      if (needle && !text.toLowerCase().includes(needle)) continue;
      all.push({ at, service: r.service.name, replica: l.replica ?? r.unit.name, stream: l.stream, text, key: last });
    }
  }
  // Stable: equal times keep the services' config order, then the replicas', then each unit's own order.
  all.sort((a, b) => a.key - b.key);
  const lines = capLines(all, req.cap, req.window.around).map(({ key: _key, ...l }) => l);
  return { lines, matched: all.length, problems, read: [...new Set(read.map((r) => r.service.name))] };
}
