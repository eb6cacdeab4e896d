import { collectDefaultMetrics, Counter, Histogram, type Registry } from 'prom-client';
import type { Metrics } from '../core/ports/metrics.port.js';

/** Chat commands: from a cached lookup (~5 ms) to a slow Docker call (~10 s). */
export const COMMAND_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const METRIC_PREFIX = 'deckhand_';

export interface DeckhandMetrics extends Metrics {
  readonly commandsTotal: Counter<'intent' | 'outcome'>;
  readonly commandDuration: Histogram<'intent'>;
  readonly runtimeErrorsTotal: Counter<'host' | 'operation'>;
}

/** Label values come from our own code, but bound them anyway so a bug cannot explode cardinality. */
function label(value: string): string {
  const v = value.trim();
  return v === '' ? 'unknown' : v.slice(0, 64);
}

/**
 * Registers Deckhand's metrics and the default process metrics (prefixed `deckhand_`) on `registry`.
 * Call once per registry: prom-client refuses to register the same metric name twice.
 */
export function createMetrics(registry: Registry): DeckhandMetrics {
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const commandsTotal = new Counter({
    name: `${METRIC_PREFIX}commands_total`,
    help: 'Chat commands handled, by intent and outcome.',
    labelNames: ['intent', 'outcome'] as const,
    registers: [registry],
  });
  const commandDuration = new Histogram({
    name: `${METRIC_PREFIX}command_duration_seconds`,
    help: 'Time to handle a chat command, by intent.',
    labelNames: ['intent'] as const,
    buckets: COMMAND_DURATION_BUCKETS,
    registers: [registry],
  });
  const runtimeErrorsTotal = new Counter({
    name: `${METRIC_PREFIX}runtime_errors_total`,
    help: 'Errors from container runtimes, by host and operation.',
    labelNames: ['host', 'operation'] as const,
    registers: [registry],
  });
  return {
    commandsTotal,
    commandDuration,
    runtimeErrorsTotal,
    commandHandled(intent, outcome, seconds) {
      commandsTotal.inc({ intent: label(intent), outcome: label(outcome) });
      if (Number.isFinite(seconds) && seconds >= 0) commandDuration.observe({ intent: label(intent) }, seconds);
    },
    runtimeError(host, operation) {
      runtimeErrorsTotal.inc({ host: label(host), operation: label(operation) });
    },
  };
}
