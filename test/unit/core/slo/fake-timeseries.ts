/**
 * A TimeSeriesSource answering the SLO error-ratio queries by their window: the value configured for the
 * range in the query (`[1h]`, `[1h:1m]`), NaN when none is, and an error when told to be unreachable.
 */
import { TimeSeriesUnavailableError, type InstantSample, type RangeSeries, type TimeSeriesSource } from '../../../../src/core/ports/timeseries.port.js';

export class FakeTimeSeries implements TimeSeriesSource {
  readonly instants: { query: string; at: Date | undefined; timeoutMs: number | undefined }[] = [];
  readonly ranges: { query: string; start: Date; end: Date; stepMs: number }[] = [];
  down = false;
  /** Values by exact query, checked before the window lookup (golden signals). */
  readonly exact = new Map<string, number[]>();

  constructor(public byWindow: Record<string, number>) {}

  async instant(query: string, at?: Date, options?: { timeoutMs?: number }): Promise<InstantSample[]> {
    this.instants.push({ query, at, timeoutMs: options?.timeoutMs });
    if (this.down) throw new TimeSeriesUnavailableError('Prometheus unreachable (ECONNREFUSED)');
    const exact = this.exact.get(query);
    if (exact) return exact.map((value, i) => ({ labels: { i: String(i) }, value }));
    const window = /\[(\d+[smhd])(?::[^\]]+)?\]\)*\s*$/.exec(query)?.[1] ?? /\[(\d+[smhd])\]/.exec(query)?.[1];
    const value = window !== undefined ? this.byWindow[window] : undefined;
    return [{ labels: {}, value: value ?? NaN }];
  }

  async range(query: string, start: Date, end: Date, stepMs: number): Promise<RangeSeries[]> {
    this.ranges.push({ query, start, end, stepMs });
    if (this.down) throw new TimeSeriesUnavailableError('Prometheus unreachable (ECONNREFUSED)');
    const points = [];
    for (let t = start.getTime(); t <= end.getTime(); t += stepMs) points.push({ at: new Date(t), value: query.startsWith('1 - ') ? 0 : 1 });
    return [{ labels: {}, points }];
  }
}
