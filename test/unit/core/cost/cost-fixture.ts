/** Days of measured use for the cost tests, written as the compacted rows the store keeps. */
import { DEFAULT_COST_SETTINGS, GB, type CostSettings } from '../../../../src/core/cost/prices.js';
import { MemoryUsageStore } from '../../../fakes/memory-usage.js';

export const SHOP_PRICE = { currency: 'USD', cpuCoreHour: 0.05, memoryGbHour: 0.01, storageGbMonth: 0.1 };
export const settings = (over: Partial<CostSettings> = {}): CostSettings => ({ ...DEFAULT_COST_SETTINGS, byProject: { shop: SHOP_PRICE }, ...over });

export interface DayUse {
  project?: string;
  env?: string;
  service?: string;
  /** YYYY-MM-DD */
  day: string;
  cores: number;
  memGb: number;
  diskGb?: number;
  /** Highest hourly CPU of the day (default: cores). */
  maxCpu?: number;
  restarts?: number;
  unhealthyS?: number;
  /** Hours measured, the last ones of the day (default 24: the whole day). */
  hours?: number;
}

/** One unit running the day (or its last `hours`) at a steady use, one hourly row per hour measured. */
export function addDay(store: MemoryUsageStore, u: DayUse): void {
  const s = 3_600;
  const hours = u.hours ?? 24;
  for (let h = 24 - hours; h < 24; h++) {
    store.addHour({
      project: u.project ?? 'shop',
      env: u.env ?? 'prod',
      service: u.service ?? 'api',
      hour: new Date(Date.parse(`${u.day}T00:00:00Z`) + h * s * 1000),
      seconds: s,
      cpuCoreSeconds: u.cores * s,
      memoryByteSeconds: u.memGb * GB * s,
      storageByteSeconds: (u.diskGb ?? 0) * GB * s,
      maxCpuCores: u.maxCpu ?? u.cores,
      restarts: h === 23 ? (u.restarts ?? 0) : 0,
      unhealthySeconds: h === 23 ? (u.unhealthyS ?? 0) : 0,
    });
  }
}

/** `2026-11-16` … for `n` days from `first`. */
export function days(first: string, n: number): string[] {
  const t = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(t + i * 86_400_000).toISOString().slice(0, 10));
}

/**
 * Monday 2026-11-23 12:00 UTC is "now": the last week is 11-16 … 11-22, the one before 11-09 … 11-15.
 * prod/api: 0.25 cores the week before, 1 the last week (cost +157%), 1 GB memory, 10 GB disk.
 * staging/api: busy until 11-13, then 0.001 cores (idle for 9 days), 0.5 GB memory.
 */
export function shopHistory(store: MemoryUsageStore): void {
  for (const day of days('2026-11-09', 7)) addDay(store, { day, cores: 0.25, memGb: 1, diskGb: 10 });
  for (const day of days('2026-11-16', 7)) addDay(store, { day, cores: 1, memGb: 1, diskGb: 10 });
  for (const day of days('2026-11-09', 5)) addDay(store, { env: 'staging', day, cores: 0.02, memGb: 0.5 });
  for (const day of days('2026-11-14', 9)) addDay(store, { env: 'staging', day, cores: 0.001, memGb: 0.5 });
}
