/**
 * The four golden signals of the services that configure their expressions (traffic, error rate, p99
 * latency, saturation), for `status`. Every query runs at once with the short status timeout, so a metrics
 * server that is down costs status that timeout once, and status says so instead of the numbers.
 */
import type { ServiceSpec } from '../domain/catalog.js';
import type { GoldenSignalQueries } from '../domain/slo.js';
import { queryProblem, TimeSeriesUnavailableError } from '../ports/timeseries.port.js';
import type { SloServices } from './slo-assessment.js';
import { GOLDEN_SIGNALS, type GoldenSignal } from './slo-queries.js';

/** A signal's value; `null` when its query failed or returned nothing. */
export type SignalValues = Partial<Record<GoldenSignal, number | null>>;

export interface GoldenSignalsResult {
  values: Map<ServiceSpec, SignalValues>;
  /** Set when no query could be answered: why (e.g. "Prometheus unreachable (no answer within 2s)"). */
  problem?: string;
}

/** Traffic adds up over series (replicas, routes); the other signals take the worst series. */
const combine = (signal: GoldenSignal, values: number[]): number | null => {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  return signal === 'traffic' ? finite.reduce((a, b) => a + b, 0) : Math.max(...finite);
};

/** Undefined when no service here has signals configured (status shows nothing then). */
export async function readGoldenSignals(slo: SloServices | undefined, services: readonly ServiceSpec[], at?: Date): Promise<GoldenSignalsResult | undefined> {
  const configured = services.filter((s) => s.signals && GOLDEN_SIGNALS.some((k) => s.signals![k] !== undefined));
  if (configured.length === 0) return undefined;
  if (!slo) return { values: new Map(), problem: 'golden signals need prometheus.url in the config' };
  const queries = configured.flatMap((service) =>
    GOLDEN_SIGNALS.flatMap((signal) => {
      const q = (service.signals as GoldenSignalQueries)[signal];
      return q === undefined ? [] : [{ service, signal, q }];
    }),
  );
  const settled = await Promise.allSettled(queries.map((x) => slo.source.instant(x.q, at, { timeoutMs: slo.statusTimeoutMs })));
  const values = new Map<ServiceSpec, SignalValues>(configured.map((s) => [s, {}]));
  const failures: unknown[] = [];
  settled.forEach((r, i) => {
    const { service, signal } = queries[i]!;
    const row = values.get(service)!;
    if (r.status === 'fulfilled') row[signal] = combine(signal, r.value.map((s) => s.value));
    else {
      row[signal] = null;
      failures.push(r.reason);
    }
  });
  if (failures.length === settled.length) {
    const unavailable = failures.find((f) => f instanceof TimeSeriesUnavailableError);
    return { values: new Map(), problem: queryProblem(unavailable ?? failures[0]) };
  }
  return { values };
}

const round = (v: number, digits: number) => (Math.round(v * 10 ** digits) / 10 ** digits).toString();

/** The table cells of one service: traffic `12.3/s`, errors `0.52%`, p99 `230ms`, saturation `71%`. */
export function signalCells(v: SignalValues): string[] {
  const cell = (x: number | null | undefined, fmt: (n: number) => string) => (x === undefined ? '-' : x === null ? '?' : fmt(x));
  return [
    cell(v.traffic, (n) => `${round(n, n >= 100 ? 0 : 1)}/s`),
    cell(v.errors, (n) => `${round(n * 100, 2)}%`),
    cell(v.latency, (n) => `${round(n * 1000, n >= 1 ? 0 : 1)}ms`),
    cell(v.saturation, (n) => `${round(n * 100, 0)}%`),
  ];
}

export const SIGNAL_COLUMNS = ['SERVICE', 'TRAFFIC', 'ERRORS', 'P99', 'SATURATION'];
