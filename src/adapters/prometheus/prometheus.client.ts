/**
 * The TimeSeriesSource over Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`): form-encoded
 * POSTs (long expressions never hit a URL length limit), a timeout per call, the answer validated with zod,
 * and short chat-safe failures: "Prometheus unreachable (…)" when it does not answer or answers something
 * that is not its API, the server's own error text (clipped) when it refuses the expression.
 */
import { z } from 'zod';
import {
  TimeSeriesQueryError,
  TimeSeriesUnavailableError,
  type InstantSample,
  type QueryOptions,
  type RangeSeries,
  type TimeSeriesSource,
} from '../../core/ports/timeseries.port.js';
import { alertmanagerEndpoint, shortReason } from '../http/alertmanager.api.js';

export interface PrometheusClientOptions {
  /** Prometheus' base URL, e.g. `http://prometheus:9090` (user:password@ becomes Basic auth). */
  url: string;
  /** Per-call timeout (default 3000 ms). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Prometheus writes sample values as strings, with NaN and ±Inf spelled out. */
const number = (v: string): number => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));
const sampleValue = z.tuple([z.number(), z.string()]).transform(([t, v]) => ({ at: new Date(t * 1000), value: number(v) }));
const labels = z.record(z.string(), z.string());

const dataSchema = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: labels, value: sampleValue })) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: labels, values: z.array(sampleValue) })) }),
  z.object({ resultType: z.literal('scalar'), result: sampleValue }),
  z.object({ resultType: z.literal('string'), result: z.tuple([z.number(), z.string()]) }),
]);

const answerSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('success'), data: dataSchema }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

type Data = z.infer<typeof dataSchema>;

const DEFAULT_TIMEOUT_MS = 3000;

const seconds = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 100) / 10}s` : `${ms}ms`);

export function createPrometheusClient(opts: PrometheusClientOptions): TimeSeriesSource {
  const doFetch = opts.fetch ?? fetch;
  const limit = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function call(path: string, params: Record<string, string>, options: QueryOptions | undefined): Promise<Data> {
    const endpoint = alertmanagerEndpoint(opts.url, path);
    const timeoutMs = Math.min(limit, options?.timeoutMs ?? limit);
    let res: Response;
    let text: string;
    try {
      res = await doFetch(endpoint.url, {
        method: 'POST',
        headers: { ...endpoint.headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
        throw new TimeSeriesUnavailableError(`Prometheus unreachable (no answer within ${seconds(timeoutMs)})`);
      }
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
      const code = (cause as { code?: unknown } | null)?.code;
      throw new TimeSeriesUnavailableError(`Prometheus unreachable${typeof code === 'string' ? ` (${code})` : ''}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TimeSeriesUnavailableError(`Prometheus unreachable (HTTP ${res.status}, not its API)`);
    }
    const answer = answerSchema.safeParse(json);
    if (!answer.success) throw new TimeSeriesUnavailableError(`Prometheus unreachable (HTTP ${res.status}, an answer not of its API)`);
    if (answer.data.status === 'error') {
      // 400 bad_data / 422 execution: the expression's fault; 503 and the like: the server's.
      if (res.status === 400 || res.status === 422) throw new TimeSeriesQueryError(`Prometheus refused the query: ${shortReason(answer.data.error ?? answer.data.errorType ?? 'error')}`);
      throw new TimeSeriesUnavailableError(`Prometheus unreachable (HTTP ${res.status}: ${shortReason(answer.data.error ?? '')})`);
    }
    return answer.data.data;
  }

  return {
    async instant(query, at, options): Promise<InstantSample[]> {
      const data = await call('/api/v1/query', { query, ...(at ? { time: String(at.getTime() / 1000) } : {}) }, options);
      if (data.resultType === 'vector') return data.result.map((r) => ({ labels: r.metric, value: r.value.value }));
      if (data.resultType === 'scalar') return [{ labels: {}, value: data.result.value }];
      throw new TimeSeriesQueryError(`Prometheus answered a ${data.resultType}, not a value: the expression needs no range selector at its top`);
    },
    async range(query, start, end, stepMs, options): Promise<RangeSeries[]> {
      const data = await call(
        '/api/v1/query_range',
        { query, start: String(start.getTime() / 1000), end: String(end.getTime() / 1000), step: String(Math.max(1, stepMs) / 1000) },
        options,
      );
      if (data.resultType === 'matrix') return data.result.map((r) => ({ labels: r.metric, points: r.values }));
      throw new TimeSeriesQueryError(`Prometheus answered a ${data.resultType} to a range query`);
    },
  };
}
