/** How alerts map onto the catalog and how incidents are handled (the `incidents:` and `alertmanager:` config). */
export interface IncidentSettings {
  /** Alert labels naming the project, the service and the environment of an alert. */
  projectLabel: string;
  serviceLabel: string;
  envLabel: string;
  /** Length of a silence made by the Silence button. */
  silenceMs: number;
  /** An unacknowledged incident pages the primary on call after this long, the secondary after twice it. */
  escalateAfterMs: number;
  /** A deploy finished at most this long before an incident opened is linked to it. */
  linkDeployWithinMs: number;
}
