/** What the core reports for metrics; src/bot implements it with prom-client. */
export interface Metrics {
  commandHandled(intent: string, outcome: string, seconds: number): void;
  runtimeError(host: string, operation: string): void;
}

export const noopMetrics: Metrics = {
  commandHandled() {},
  runtimeError() {},
};
