/**
 * Keeps the timeline of open incidents complete: Deckhand's deploys, restarts and rollbacks (and CI deploys)
 * of the project while an incident is open are what responders did or what changed, so each gets an entry
 * on every open incident of the project. Best effort: a failed write is logged and never fails the action.
 */
import { actionFinishedEntry, actionStartedEntry } from '../domain/incident-deploys.js';
import type { Clock } from '../ports/clock.port.js';
import type { IncidentStore, TimelineEntry } from '../ports/incident.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { PendingAction } from '../ports/pending-action.port.js';

/** Appends the entry to each open incident of the project; returns how many got it (0 on a store failure). */
export async function noteOnOpenIncidents(store: IncidentStore | undefined, project: string, entry: TimelineEntry, logger: Logger): Promise<number> {
  if (!store) return 0;
  try {
    const open = await store.openIncidents([project]);
    const added = await Promise.all(open.map((i) => store.addEntry(i.id, entry)));
    return added.filter(Boolean).length;
  } catch (err) {
    logger.warn({ err, project }, 'could not add an entry to the open incidents');
    return 0;
  }
}

/** What noting an action needs; without an incident store nothing is noted. */
export interface NoteDeps {
  incidents?: IncidentStore;
  clock: Clock;
  logger: Logger;
}

/** A deploy or rollback is starting: open incidents of the project say so. */
export async function noteActionStarted(deps: NoteDeps, action: PendingAction): Promise<void> {
  const entry = actionStartedEntry(action.plan, action.requestedBy, deps.clock.now());
  await noteOnOpenIncidents(deps.incidents, action.plan.project, entry, deps.logger);
}

/** An action ended (ran, failed, or was cut short by a restart): open incidents of the project say how. */
export async function noteActionFinished(deps: NoteDeps, action: PendingAction, status: 'succeeded' | 'failed'): Promise<void> {
  const entry = actionFinishedEntry(action.plan, action.requestedBy, status, deps.clock.now());
  await noteOnOpenIncidents(deps.incidents, action.plan.project, entry, deps.logger);
}
