/**
 * Reading time series from a metrics server (Prometheus' query API): instant and range queries of a query
 * expression. The core builds the expressions from the configured SLIs and golden-signal templates; the
 * adapter validates what comes back and reports an unreachable server as `TimeSeriesUnavailableError`.
 */

/** One series of an instant query: its labels and its value (NaN when the server says NaN). */
export interface InstantSample {
  labels: Record<string, string>;
  value: number;
}

/** One series of a range query: its points, oldest first. */
export interface RangeSeries {
  labels: Record<string, string>;
  points: { at: Date; value: number }[];
}

export interface QueryOptions {
  /** Gives up after this long (the adapter's own timeout applies when absent or longer). */
  timeoutMs?: number;
}

export interface TimeSeriesSource {
  /** The expression's value at `at` (the server's now when absent). */
  instant(query: string, at?: Date, options?: QueryOptions): Promise<InstantSample[]>;
  /** The expression evaluated every `stepMs` from `start` to `end`. */
  range(query: string, start: Date, end: Date, stepMs: number, options?: QueryOptions): Promise<RangeSeries[]>;
}

/**
 * The server did not answer (refused, timed out, not a valid answer). `reason` is a short chat-safe sentence
 * such as "Prometheus unreachable (timed out after 3s)": no URL credentials, no stack.
 */
export class TimeSeriesUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TimeSeriesUnavailableError';
  }
}

/** The server refused the expression itself (a PromQL error in the config): `reason` says what it said, clipped. */
export class TimeSeriesQueryError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TimeSeriesQueryError';
  }
}

/** The chat-safe sentence for any failure of a query. */
export function queryProblem(err: unknown): string {
  if (err instanceof TimeSeriesUnavailableError || err instanceof TimeSeriesQueryError) return err.reason;
  return 'the metrics query failed';
}
