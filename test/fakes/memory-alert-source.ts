import type { AlertSource, LabelMatcher } from '../../src/core/ports/alert-source.port.js';

/** AlertSource with the fingerprints Alertmanager "holds" set by the test; records every query. */
export class FakeAlertSource implements AlertSource {
  readonly present = new Set<string>();
  readonly queries: LabelMatcher[][] = [];
  started = new Date(0);
  /** When set, every call throws it (Alertmanager unreachable or answering garbage). */
  failure: Error | null = null;
  /** Runs while a query is in flight (a notification arriving meanwhile). */
  during: (() => Promise<void>) | null = null;

  async activeFingerprints(matchers: readonly LabelMatcher[]): Promise<Set<string>> {
    this.queries.push([...matchers]);
    if (this.failure) throw this.failure;
    const answer = new Set(this.present);
    if (this.during) await this.during();
    return answer;
  }

  async startedAt(): Promise<Date> {
    if (this.failure) throw this.failure;
    return this.started;
  }
}
