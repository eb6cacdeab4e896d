/** In-memory UsageStore with the PostgreSQL store's semantics (test/contracts/usage-store.contract.ts). */
import type { UnitMark, UsageDay, UsageQuery, UsageSample, UsageStore } from '../../src/core/ports/usage.port.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface Hour {
  project: string;
  env: string;
  service: string;
  hour: Date;
  seconds: number;
  cpuCoreSeconds: number;
  memoryByteSeconds: number;
  storageByteSeconds: number;
  maxCpuCores: number;
  restarts: number;
  unhealthySeconds: number;
  imageCreatedAt: Date | null;
}

const minDate = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a < b ? a : b);

export class MemoryUsageStore implements UsageStore {
  readonly samples = new Map<string, UsageSample>();
  readonly hours = new Map<string, Hour>();
  readonly unitMarks = new Map<string, UnitMark>();
  readonly anomalies = new Set<string>();

  async marks(host: string, unitIds: readonly string[]): Promise<Map<string, UnitMark>> {
    const out = new Map<string, UnitMark>();
    for (const id of unitIds) {
      const m = this.unitMarks.get(`${host}/${id}`);
      if (m) out.set(id, { ...m });
    }
    return out;
  }

  async record(samples: readonly UsageSample[], marks: readonly UnitMark[]): Promise<void> {
    for (const s of samples) {
      const key = `${s.at.toISOString()}/${s.host}/${s.unitId}`;
      if (!this.samples.has(key)) this.samples.set(key, { ...s });
    }
    for (const m of marks) {
      const key = `${m.host}/${m.unitId}`;
      const old = this.unitMarks.get(key);
      if (!old || old.readAt < m.readAt) this.unitMarks.set(key, { ...m });
    }
  }

  /** Adds an hourly row directly (unit tests of reports over weeks of history). */
  addHour(h: Omit<Hour, 'imageCreatedAt' | 'restarts' | 'unhealthySeconds' | 'maxCpuCores'> & Partial<Hour>): void {
    this.merge({ restarts: 0, unhealthySeconds: 0, maxCpuCores: 0, imageCreatedAt: null, ...h });
  }

  private merge(h: Hour): void {
    const key = `${h.project}/${h.env}/${h.service}/${h.hour.toISOString()}`;
    const old = this.hours.get(key);
    if (!old) {
      this.hours.set(key, { ...h });
      return;
    }
    this.hours.set(key, {
      ...old,
      seconds: old.seconds + h.seconds,
      cpuCoreSeconds: old.cpuCoreSeconds + h.cpuCoreSeconds,
      memoryByteSeconds: old.memoryByteSeconds + h.memoryByteSeconds,
      storageByteSeconds: old.storageByteSeconds + h.storageByteSeconds,
      maxCpuCores: Math.max(old.maxCpuCores, h.maxCpuCores),
      restarts: old.restarts + h.restarts,
      unhealthySeconds: old.unhealthySeconds + h.unhealthySeconds,
      imageCreatedAt: minDate(old.imageCreatedAt, h.imageCreatedAt),
    });
  }

  async compact(before: Date): Promise<number> {
    let moved = 0;
    for (const [key, s] of this.samples) {
      if (s.at >= before) continue;
      this.merge({
        project: s.project,
        env: s.env,
        service: s.service,
        hour: new Date(Math.floor(s.at.getTime() / HOUR_MS) * HOUR_MS),
        seconds: s.seconds,
        cpuCoreSeconds: s.cpuCores * s.seconds,
        memoryByteSeconds: s.memoryBytes * s.seconds,
        storageByteSeconds: s.storageBytes * s.seconds,
        maxCpuCores: s.cpuCores,
        restarts: s.restarts,
        unhealthySeconds: s.unhealthy ? s.seconds : 0,
        imageCreatedAt: s.imageCreatedAt,
      });
      this.samples.delete(key);
      moved++;
    }
    for (const [key, m] of this.unitMarks) if (m.readAt.getTime() < before.getTime() - DAY_MS) this.unitMarks.delete(key);
    return moved;
  }

  async daily(q: UsageQuery): Promise<UsageDay[]> {
    const from = Math.floor(q.from.getTime() / DAY_MS) * DAY_MS;
    const to = Math.floor(q.to.getTime() / DAY_MS) * DAY_MS;
    const days = new Map<string, UsageDay>();
    for (const h of this.hours.values()) {
      const t = h.hour.getTime();
      if (!q.projects.includes(h.project) || t < from || t >= to) continue;
      const day = new Date(Math.floor(t / DAY_MS) * DAY_MS);
      const key = `${day.toISOString()}/${h.project}/${h.env}/${h.service}`;
      const d = days.get(key);
      if (!d) {
        days.set(key, { project: h.project, env: h.env, service: h.service, day, seconds: h.seconds, hours: 1, cpuCoreSeconds: h.cpuCoreSeconds, memoryByteSeconds: h.memoryByteSeconds, storageByteSeconds: h.storageByteSeconds, maxCpuCores: h.maxCpuCores, restarts: h.restarts, unhealthySeconds: h.unhealthySeconds, imageCreatedAt: h.imageCreatedAt });
        continue;
      }
      d.seconds += h.seconds;
      d.hours += 1;
      d.cpuCoreSeconds += h.cpuCoreSeconds;
      d.memoryByteSeconds += h.memoryByteSeconds;
      d.storageByteSeconds += h.storageByteSeconds;
      d.maxCpuCores = Math.max(d.maxCpuCores, h.maxCpuCores);
      d.restarts += h.restarts;
      d.unhealthySeconds += h.unhealthySeconds;
      d.imageCreatedAt = minDate(d.imageCreatedAt, h.imageCreatedAt);
    }
    return [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, d]) => d);
  }

  async anomalySent(project: string, weekStart: Date): Promise<boolean> {
    return this.anomalies.has(`${project}/${weekStart.toISOString()}`);
  }

  async markAnomalySent(project: string, weekStart: Date): Promise<void> {
    this.anomalies.add(`${project}/${weekStart.toISOString()}`);
  }
}
