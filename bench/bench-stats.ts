/** Timing helpers for the benchmarks: percentiles and a plain-text table. */
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export function summarize(samples: readonly number[]): { n: number; median: number; p99: number; min: number; max: number } {
  return { n: samples.length, median: median(samples), p99: percentile(samples, 99), min: Math.min(...samples), max: Math.max(...samples) };
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export const ms = (v: number): string => `${v.toFixed(2)} ms`;

/** CPU model, cores, memory and Node version, for the report. */
export function machine(): string {
  const cpu = cpus();
  let memory = `${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  try {
    const limit = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (limit !== 'max') memory += ` (cgroup limit ${(Number(limit) / 2 ** 30).toFixed(1)} GiB)`;
  } catch {
    // no cgroup v2 limit to report
  }
  return `${cpu[0]?.model ?? 'unknown cpu'} × ${cpu.length} cores · ${memory} RAM · Node ${process.version} · ${process.platform}/${process.arch}`;
}
