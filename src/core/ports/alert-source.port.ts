/**
 * Reads which alerts Alertmanager still holds, for the reconciler of silenced incidents: a silenced alert
 * that resolves produces no notification (Alertmanager mutes it and drops it from its group), so the
 * incident would stay open forever unless someone asks.
 */

/** An equality matcher on one label (`name="value"`). */
export interface LabelMatcher {
  name: string;
  value: string;
}

export interface AlertSource {
  /**
   * Fingerprints of the alerts Alertmanager still holds that match every matcher, whatever their state
   * (active, silenced, inhibited or unprocessed); a resolved alert is not among them. Throws a short Error
   * when Alertmanager cannot be asked or answers something unexpected, never a partial answer.
   */
  activeFingerprints(matchers: readonly LabelMatcher[]): Promise<Set<string>>;
  /**
   * When the Alertmanager process started. It keeps alerts in memory only: right after a restart, alerts
   * still firing are missing until Prometheus sends them again, so absence means nothing yet.
   */
  startedAt(): Promise<Date>;
}
