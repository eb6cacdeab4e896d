import { z } from 'zod';
import type { Logger } from '../../core/ports/logger.port.js';
import type { UnitUsage } from '../../core/ports/runtime.port.js';
import type { PodObject } from './workload.js';

/**
 * What a workload uses, from the metrics API (`metrics.k8s.io/v1beta1` PodMetrics, served by
 * metrics-server): CPU cores and memory working set of each container, averaged over the metrics window
 * (10–60 s). The API gives a rate, not a counter, so a reading carries `cpuCores` and no CPU time.
 *
 * - A unit that names its container (`deployment/shop/api/web`) counts that container of each pod; one
 *   that does not counts every container of its pods, sidecars included: the workload's cost.
 * - Disk is what the pods' PersistentVolumeClaims hold (their capacity, else their request), each claim
 *   once per read as Docker counts a shared volume once. Ephemeral storage (a container's writable layer,
 *   emptyDir) is not counted: only the kubelet's stats endpoint (`nodes/proxy`, close to cluster-admin)
 *   measures it, and requests or limits are not use.
 * - Kubernetes does not say when an image was built (a pod names the image and its digest), so
 *   `imageCreatedAt` is null and health shows image age as not measured for these services.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^(\+?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/**
 * A resource quantity as the API writes it (`250m`, `12345n`, `64Mi`, `123456Ki`, `1.5G`, `1e3`), as a
 * plain number of its unit (cores, bytes). Negative or malformed values fail: usage is never below 0.
 */
export const quantitySchema = z
  .string()
  .max(64)
  .transform((text, ctx) => {
    const m = QUANTITY.exec(text);
    const value = m ? Number(m[1]) * (m[3] !== undefined ? 10 ** Number(m[3]) : (BINARY[m[2] ?? ''] ?? DECIMAL[m[2] ?? ''] ?? Number.NaN)) : Number.NaN;
    if (!Number.isFinite(value)) {
      ctx.addIssue({ code: 'custom', message: `not a resource quantity: ${JSON.stringify(text.slice(0, 32))}` });
      return z.NEVER;
    }
    return value;
  });

/** The fields of a PodMetrics object the reading needs; values are checked one by one (quantitySchema). */
const podMetricsSchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
  containers: z.array(z.object({ name: z.string(), usage: z.record(z.string(), z.unknown()).optional() })).default([]),
});

const claimSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({ resources: z.object({ requests: z.record(z.string(), z.unknown()).optional() }).optional() }).optional(),
  status: z.object({ capacity: z.record(z.string(), z.unknown()).optional() }).optional(),
});

/** One unit to read: its id, its pods, and the container it names (absent: every container). */
export interface UnitPods {
  unitId: string;
  namespace: string;
  pods: PodObject[];
  container?: string;
}

/** Claim name → bytes it holds (capacity once bound, else what it requests); claims that say neither are left out. */
export function claimSizes(claims: readonly unknown[], log: Logger): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const raw of claims) {
    const claim = claimSchema.safeParse(raw);
    if (!claim.success) continue;
    const text = claim.data.status?.capacity?.['storage'] ?? claim.data.spec?.resources?.requests?.['storage'];
    if (text === undefined) continue;
    const bytes = quantitySchema.safeParse(text);
    if (bytes.success) sizes.set(claim.data.metadata.name, Math.round(bytes.data));
    else log.warn({ claim: claim.data.metadata.name, issue: bytes.error.issues[0]?.message }, 'skipped a claim size the API wrote in no known form');
  }
  return sizes;
}

/** The claims a pod's volumes name. */
export const claimsOf = (pod: PodObject): string[] => (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []));

/**
 * Each unit's reading from the PodMetrics of its pods (`claims`: bytes by `<namespace>/<claim>`): CPU
 * cores and memory summed over the pods (and containers counted). `readAt` is the time of the read, not
 * the metrics' timestamp: metrics-server repeats its last scrape's timestamp until the next one, and the
 * sampler keeps a unit's restart count only from a reading newer than the one before. A unit none of whose pods has metrics yet
 * (metrics-server lists a pod a minute or so after it starts) is left out: not measured, rather than 0.
 * A value in no known form is skipped and logged; the rest of the reading stands.
 */
export function toUsage(units: readonly UnitPods[], metrics: readonly unknown[], claims: ReadonlyMap<string, number>, now: Date, log: Logger): UnitUsage[] {
  const byPod = new Map<string, z.infer<typeof podMetricsSchema>>();
  for (const raw of metrics) {
    const m = podMetricsSchema.safeParse(raw);
    // By namespace and name: a StatefulSet's pods have the same names (web-0) in every namespace it runs in.
    if (m.success) byPod.set(`${m.data.metadata.namespace ?? ''}/${m.data.metadata.name}`, m.data);
    else log.warn({ issue: m.error.issues[0]?.message }, 'skipped a PodMetrics object in no known form');
  }
  const counted = new Set<string>();
  const out: UnitUsage[] = [];
  for (const unit of units) {
    let cpuCores = 0;
    let memoryBytes = 0;
    let read = false;
    for (const pod of unit.pods) {
      const m = byPod.get(`${unit.namespace}/${pod.metadata.name}`);
      if (!m) continue;
      for (const c of m.containers) {
        if (unit.container !== undefined && c.name !== unit.container) continue;
        const cpu = quantitySchema.safeParse(c.usage?.['cpu']);
        const memory = quantitySchema.safeParse(c.usage?.['memory']);
        if (!cpu.success || !memory.success) {
          log.warn({ pod: pod.metadata.name, container: c.name, issue: (cpu.error ?? memory.error)?.issues[0]?.message }, 'skipped a container usage the metrics API wrote in no known form');
          continue;
        }
        cpuCores += cpu.data;
        memoryBytes += memory.data;
        read = true;
      }
    }
    if (!read) continue;
    let storageBytes = 0;
    for (const pod of unit.pods) {
      for (const claim of claimsOf(pod).map((name) => `${unit.namespace}/${name}`)) {
        if (counted.has(claim)) continue;
        counted.add(claim);
        storageBytes += claims.get(claim) ?? 0;
      }
    }
    out.push({ unitId: unit.unitId, readAt: now, cpuTotalNs: 0, cpuCores, memoryBytes: Math.round(memoryBytes), storageBytes, imageCreatedAt: null });
  }
  return out;
}
