/**
 * One run of the cost sampler: every host whose runtime reports use, every running unit its services
 * select, read once; counters turned into rates against the unit's previous reading; written as samples
 * (PostgreSQL), then every complete hour compacted into hourly rows, then the week-over-week check. The
 * trigger (src/jobs/cost-sampler.job.ts, on a BullMQ job scheduler) runs it once per fire across replicas.
 */
import type { Catalog, ServiceSpec } from '../domain/catalog.js';
import type { Logger } from '../ports/logger.port.js';
import type { ContainerInfo, RuntimeRegistry, UnitUsage } from '../ports/runtime.port.js';
import type { UnitMark, UsageSample, UsageStore } from '../ports/usage.port.js';

const HOUR_MS = 3_600_000;

export interface SamplerDeps {
  catalog: Pick<Catalog, 'projects'>;
  runtimes: RuntimeRegistry;
  usage: UsageStore;
  /** The configured sampling interval: what a unit's first reading stands for. */
  sampleEveryMs: number;
  logger: Logger;
  /** Per-host deadline of the reads. */
  timeoutMs: number;
}

export interface SampleRun {
  /** Units read. */
  sampled: number;
  /** Hosts whose runtime cannot report use, and hosts that failed (logged). */
  skipped: string[];
  failed: string[];
}

/**
 * A reading as a sample: CPU cores from the counter's growth since the unit's previous reading (within
 * three intervals; older marks and a counter that went back, i.e. a new container, fall back to the
 * average since the unit started), or the rate the runtime measured when it gives one; restarts since
 * the previous reading.
 */
export function toSample(at: Date, unit: ContainerInfo, spec: ServiceSpec, read: UnitUsage, mark: UnitMark | undefined, intervalMs: number): UsageSample {
  const sinceMark = mark ? read.readAt.getTime() - mark.readAt.getTime() : 0;
  const fresh = mark !== undefined && sinceMark > 0 && sinceMark <= 3 * intervalMs;
  let cpuCores = 0;
  if (read.cpuCores !== undefined) {
    cpuCores = read.cpuCores;
  } else if (fresh && read.cpuTotalNs >= mark.cpuTotalNs) {
    cpuCores = (read.cpuTotalNs - mark.cpuTotalNs) / (sinceMark * 1e6);
  } else if (unit.startedAt) {
    const ran = read.readAt.getTime() - unit.startedAt.getTime();
    cpuCores = ran > 0 ? read.cpuTotalNs / (ran * 1e6) : 0;
  }
  return {
    at,
    host: spec.host,
    unitId: unit.id,
    project: spec.project,
    env: spec.env,
    service: spec.name,
    seconds: Math.round((fresh ? sinceMark : intervalMs) / 1000),
    cpuCores: Math.max(0, cpuCores),
    memoryBytes: read.memoryBytes,
    storageBytes: read.storageBytes,
    restarts: mark ? Math.max(0, unit.restartCount - mark.restartCount) : 0,
    unhealthy: unit.health === 'unhealthy',
    imageCreatedAt: read.imageCreatedAt,
  };
}

async function sampleHost(deps: SamplerDeps, host: string, specs: ServiceSpec[], at: Date): Promise<number | 'unsupported'> {
  const runtime = deps.runtimes.get(host);
  if (!runtime.usage) return 'unsupported';
  const signal = AbortSignal.timeout(deps.timeoutMs);
  const found = await runtime.find(specs.map((s) => s.selector), { signal });
  const units = new Map<string, { unit: ContainerInfo; spec: ServiceSpec }>();
  found.forEach((list, i) => {
    for (const unit of list) if (unit.state === 'running' && !units.has(unit.id)) units.set(unit.id, { unit, spec: specs[i]! });
  });
  if (units.size === 0) return 0;
  const ids = [...units.keys()];
  const [reads, marks] = await Promise.all([runtime.usage(ids, { signal }), deps.usage.marks(host, ids)]);
  const samples: UsageSample[] = [];
  const next: UnitMark[] = [];
  for (const read of reads) {
    const u = units.get(read.unitId);
    if (!u) continue;
    samples.push(toSample(at, u.unit, u.spec, read, marks.get(read.unitId), deps.sampleEveryMs));
    next.push({ host, unitId: read.unitId, readAt: read.readAt, cpuTotalNs: read.cpuTotalNs, restartCount: u.unit.restartCount });
  }
  await deps.usage.record(samples, next);
  return samples.length;
}

/** Reads every host once (in parallel); a host that fails is logged and the others still count. */
export async function sampleUsage(deps: SamplerDeps, at: Date): Promise<SampleRun> {
  const byHost = new Map<string, ServiceSpec[]>();
  for (const p of deps.catalog.projects) for (const e of p.environments) for (const s of e.services) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s]);
  const run: SampleRun = { sampled: 0, skipped: [], failed: [] };
  await Promise.all(
    [...byHost].map(async ([host, specs]) => {
      try {
        const n = await sampleHost(deps, host, specs, at);
        if (n === 'unsupported') run.skipped.push(host);
        else run.sampled += n;
      } catch (err) {
        run.failed.push(host);
        deps.logger.warn({ err, host }, 'cost sampler could not read the host');
      }
    }),
  );
  return run;
}

/** Compacts every sample of a complete hour (before the start of `now`'s hour). */
export function compactUsage(usage: UsageStore, now: Date): Promise<number> {
  return usage.compact(new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS));
}
