/** The incidents the DORA metrics count (the `dora` command and the morning report). */
import type { DoraIncident } from '../domain/dora.js';
import { incidentInEnvs } from '../domain/incident-deploys.js';
import type { CoreServices } from '../services.js';

const DAY_MS = 86_400_000;

/**
 * Incidents of the project opened in the last `days` (up to and including `now`) that concern the
 * environments: an alert names one of them by the env label, or no alert names an environment.
 */
export async function doraIncidents(services: Pick<CoreServices, 'incidents'>, project: string, envs: readonly string[], days: number, now: Date): Promise<DoraIncident[]> {
  const from = new Date(now.getTime() - days * DAY_MS);
  const all = await services.incidents.store.between({ projects: [project], from, to: new Date(now.getTime() + 1) });
  return all.filter((i) => incidentInEnvs(i, envs, services.incidents.settings.envLabel));
}
