/**
 * What containers use, for the cost sampler: the stats endpoint read once (`stream=false`, and
 * `one-shot=true` so the engine does not wait a second for a second sample to compute rates we do not
 * use) for the CPU counter and memory, inspect with `size=true` for the writable layer, the engine's disk
 * usage report for volume sizes, and the image's created date. At most USAGE_CONCURRENCY containers of a
 * host are read at once: a host with hundreds of containers is not sent hundreds of cgroup reads and
 * `size=true` walks together.
 */
import type Docker from 'dockerode';
import type { UnitUsage } from '../../core/ports/runtime.port.js';

interface OneShotStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

interface SizedInspect {
  Id: string;
  Image?: string;
  SizeRw?: number;
  Mounts?: { Type?: string; Name?: string }[];
}

interface DiskUsage {
  Volumes?: { Name?: string; UsageData?: { Size?: number } }[] | null;
}

/** Containers of one host read at the same time. */
export const USAGE_CONCURRENCY = 4;

/** `run` over every item, at most `limit` at a time, the results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const isGone = (error: unknown) => (error as { statusCode?: unknown }).statusCode === 404;

/** Memory as `docker stats` shows it: usage without the inactive page cache (cgroup v2 and v1 names). */
export function workingSetBytes(memory: OneShotStats['memory_stats']): number {
  const usage = memory?.usage ?? 0;
  const cache = memory?.stats?.['inactive_file'] ?? memory?.stats?.['total_inactive_file'] ?? 0;
  return Math.max(0, usage - (cache < usage ? cache : 0));
}

function dial<T>(docker: Docker, path: string, signal: AbortSignal, options: Record<string, unknown> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path: `${path}?`, method: 'GET', options, abortSignal: signal, statusCodes: { 200: true, 404: 'no such object', 500: 'server error' } },
      (error, data) => (error ? reject(error) : resolve(data as T)),
    );
  });
}

/** Volume name → bytes, from the engine's disk usage report; empty when the engine does not say. */
async function volumeSizes(docker: Docker, signal: AbortSignal): Promise<Map<string, number>> {
  const df = await dial<DiskUsage>(docker, '/system/df', signal).catch(() => ({}) as DiskUsage);
  const sizes = new Map<string, number>();
  for (const v of df.Volumes ?? []) {
    const size = v.UsageData?.Size ?? -1;
    if (v.Name && size >= 0) sizes.set(v.Name, size);
  }
  return sizes;
}

async function imageCreated(docker: Docker, image: string, signal: AbortSignal, cache: Map<string, Promise<Date | null>>): Promise<Date | null> {
  let created = cache.get(image);
  if (!created) {
    created = dial<{ Created?: string }>(docker, `/images/${encodeURIComponent(image)}/json`, signal)
      .then((i) => (i.Created && !Number.isNaN(Date.parse(i.Created)) ? new Date(i.Created) : null))
      .catch(() => null);
    cache.set(image, created);
  }
  return created;
}

/** Usage of each container still there (a container removed meanwhile is left out). */
export async function readUsage(docker: Docker, ids: readonly string[], signal: AbortSignal, now: () => Date = () => new Date()): Promise<UnitUsage[]> {
  if (ids.length === 0) return [];
  const volumes = await volumeSizes(docker, signal);
  const images = new Map<string, Promise<Date | null>>();
  const counted = new Set<string>();
  const read = await mapLimited(ids, USAGE_CONCURRENCY, async (id) => {
    try {
      const [stats, inspect] = await Promise.all([
        dial<OneShotStats>(docker, `/containers/${encodeURIComponent(id)}/stats`, signal, { stream: false, 'one-shot': true }),
        dial<SizedInspect>(docker, `/containers/${encodeURIComponent(id)}/json`, signal, { size: true }),
      ]);
      return { id, stats, inspect };
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
  });
  const out: UnitUsage[] = [];
  for (const r of read) {
    if (r === null) continue;
    // A volume mounted by several containers is counted once, on the first of them.
    let volumeBytes = 0;
    for (const m of r.inspect.Mounts ?? []) {
      if (m.Type !== 'volume' || !m.Name || counted.has(m.Name)) continue;
      counted.add(m.Name);
      volumeBytes += volumes.get(m.Name) ?? 0;
    }
    const readAt = r.stats.read && Date.parse(r.stats.read) > 0 ? new Date(r.stats.read) : now();
    out.push({
      unitId: r.id,
      readAt,
      cpuTotalNs: r.stats.cpu_stats?.cpu_usage?.total_usage ?? 0,
      memoryBytes: workingSetBytes(r.stats.memory_stats),
      storageBytes: Math.max(0, r.inspect.SizeRw ?? 0) + volumeBytes,
      imageCreatedAt: r.inspect.Image ? await imageCreated(docker, r.inspect.Image, signal, images) : null,
    });
  }
  return out;
}
