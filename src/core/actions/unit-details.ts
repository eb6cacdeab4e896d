import type { ServiceSpec } from '../domain/catalog.js';
import { formatDuration } from '../domain/duration.js';
import type { ContainerInfo, UnitDetails, UnitReplica } from '../ports/runtime.port.js';
import type { CoreServices } from '../services.js';
import { describeRuntimeError, withTimeout } from './runtime-query.js';

/** A unit's details, or why they could not be had (chat-safe); undefined when its runtime has none. */
export type DetailsResult = { ok: true; unit: string; details: UnitDetails } | { ok: false; unit: string; problem: string };

/**
 * Asks the runtime of `service` to describe each of its units (in parallel, each with the host timeout),
 * when the runtime can (Runtime.describe); `[]` for runtimes without it (Docker). A unit found with its
 * details (ContainerInfo.details) is not asked again unless `fresh` (the plan before Confirm).
 */
export async function describeUnits(service: ServiceSpec, units: readonly ContainerInfo[], deps: CoreServices, opts: { fresh?: boolean } = {}): Promise<DetailsResult[]> {
  const runtime = deps.runtimes.get(service.host);
  const describe = runtime.describe?.bind(runtime);
  if (describe === undefined) return [];
  const timeoutMs = deps.limits.hostTimeoutMs;
  return Promise.all(
    units.map(async (u): Promise<DetailsResult> => {
      if (u.details !== undefined && opts.fresh !== true) return { ok: true, unit: u.name, details: u.details };
      try {
        const details = await withTimeout(timeoutMs, (signal) => describe(u.id, { signal, ...(opts.fresh ? { fresh: true } : {}) }));
        return { ok: true, unit: u.name, details };
      } catch (err) {
        deps.metrics.runtimeError(service.host, 'describe');
        deps.logger.warn({ err, host: service.host }, 'runtime describe failed');
        return { ok: false, unit: u.name, problem: describeRuntimeError(err, timeoutMs) };
      }
    }),
  );
}

/**
 * The plan's lines for a described unit: where it runs, then its replicas and rollout strategy, e.g.
 * `namespace shop · cluster eu-prod` and `3 replicas (3 ready) · RollingUpdate maxSurge 1 maxUnavailable 0`.
 */
export function planDetailLines(host: string, results: readonly DetailsResult[]): string[] {
  const several = results.length > 1;
  return results.flatMap((r) => {
    const prefix = several ? `${r.unit}: ` : '';
    if (!r.ok) return [`${prefix}details unavailable (${r.problem})`];
    const d = r.details;
    const where = [d.namespace !== undefined ? `namespace ${d.namespace}` : null, `cluster ${host}`].filter((x) => x !== null).join(' · ');
    const replicas = `${d.desired} ${d.desired === 1 ? 'replica' : 'replicas'} (${d.ready} ready)${d.strategy ? ` · ${d.strategy}` : ''}`;
    return [`${prefix}${where}`, `${prefix}${replicas}`];
  });
}

/** `3/3 ready · 3 updated · 3 available · revision 4` (desired first; the revision when known). */
export function replicaLine(d: UnitDetails): string {
  const revision = d.revision !== undefined && d.revision !== '' ? ` · revision ${d.revision}` : '';
  return `${d.ready}/${d.desired} ready · ${d.updated} updated · ${d.available} available${revision}`;
}

export const POD_COLUMNS = ['POD', 'PHASE', 'READY', 'RESTARTS', 'NODE', 'AGE', 'IMAGE'];

/** A pod as a status row; the image by its last path segment (`api:1.4.2`), so rows stay narrow. */
export function podRow(p: UnitReplica, now: Date): string[] {
  const age = p.startedAt ? formatDuration(now.getTime() - p.startedAt.getTime()) : '-';
  const phase = p.waiting ?? p.phase;
  return [p.name, phase, p.ready ? 'yes' : 'no', String(p.restarts), p.node || '-', age, p.image.split('/').at(-1) ?? p.image];
}
