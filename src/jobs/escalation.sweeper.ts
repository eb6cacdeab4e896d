/**
 * Escalation of unacknowledged incidents: after `escalateAfterMs` the primary on call is mentioned in the
 * project's chats, after twice that the secondary. Each step is a conditional update of the incident's
 * level (IncidentStore.escalate), so with several replicas every page is posted exactly once.
 */
import type { Person, RotationSpec } from '../core/domain/catalog.js';
import { formatDuration } from '../core/domain/duration.js';
import { mentionOf, personName } from '../core/domain/people.js';
import { projectOnCall } from '../core/intents/oncall-now.js';
import { ReplyBuilder } from '../core/messages/reply-builder.js';
import type { Reply } from '../core/messages/reply.js';
import type { Clock } from '../core/ports/clock.port.js';
import type { Incident, IncidentStore, TimelineEntry } from '../core/ports/incident.port.js';
import { silentLogger, type Logger } from '../core/ports/logger.port.js';
import type { Notifier } from '../core/ports/notifier.port.js';
import type { OncallOverrideStore } from '../core/ports/oncall.port.js';
import { periodic, type Periodic } from './periodic.js';

/** 1: the primary on call was paged; 2: the secondary too. */
export const MAX_ESCALATION_LEVEL = 2;
export const DEFAULT_ESCALATION_INTERVAL_MS = 30_000;

export interface EscalationSweeperDeps {
  incidents: IncidentStore;
  overrides: OncallOverrideStore;
  notifier: Notifier;
  clock: Clock;
  logger?: Logger;
  rotations: readonly RotationSpec[];
  people: readonly Person[];
  /** The primary is paged after this long unacknowledged, the secondary after twice it. */
  escalateAfterMs: number;
  intervalMs?: number;
}

export interface EscalationSweeper extends Periodic {
  /** One sweep at `now`; returns how many pages this caller posted. */
  tick(now?: Date): Promise<number>;
}

interface Page {
  entry: TimelineEntry;
  reply: Reply;
}

/** The level an incident should have reached at `now`. */
export function dueLevel(openedAt: Date, now: Date, escalateAfterMs: number): number {
  return Math.max(0, Math.min(MAX_ESCALATION_LEVEL, Math.floor((now.getTime() - openedAt.getTime()) / escalateAfterMs)));
}

export function escalationSweeper(deps: EscalationSweeperDeps): EscalationSweeper {
  const logger = deps.logger ?? silentLogger;
  const after = Math.max(1, deps.escalateAfterMs);

  const pageFor = async (incident: Incident, level: number, now: Date): Promise<Page> => {
    const role = level === 1 ? 'primary' : 'secondary';
    const shifts = await projectOnCall(deps.rotations, deps.overrides, incident.project, now);
    const ids = [...new Set(shifts.map((s) => (level === 1 ? s.onCall.primary : s.onCall.secondary)).filter((id): id is string => id !== null))];
    const about = `Incident ${incident.id} in ${incident.project} (${incident.title.slice(0, 200)}) is unacknowledged for ${formatDuration(now.getTime() - incident.openedAt.getTime())}`;
    let text: string;
    let entry: string;
    if (shifts.length === 0) {
      text = `${about}: no on-call rotation configured for ${incident.project}, nobody to page.`;
      entry = 'No on-call rotation configured: nobody paged';
    } else if (ids.length === 0) {
      text = `${about}: nobody is ${role} on call to page.`;
      entry = `Nobody ${role} on call to page`;
    } else {
      text = `${about}: paging the ${role} on call.`;
      entry = `Paged ${ids.map((id) => personName(deps.people, id)).join(', ')} (${role} on call)`;
    }
    const reply = new ReplyBuilder('warning')
      .mention(ids.map((id) => mentionOf(deps.people, id)), text)
      .context('Press Acknowledge on the alert message to stop the paging.')
      .build();
    return { entry: { at: now, kind: 'escalation', text: entry, by: null }, reply };
  };

  /** Steps the incident up to its due level; stops as soon as another replica made a step first. */
  const escalateOne = async (incident: Incident, now: Date): Promise<number> => {
    let posted = 0;
    for (let level = incident.escalationLevel; level < dueLevel(incident.openedAt, now, after); level++) {
      const page = await pageFor(incident, level + 1, now);
      if (!(await deps.incidents.escalate(incident.id, level, page.entry))) break;
      posted++;
      await deps.notifier
        .announce(incident.project, page.reply)
        .catch((error: unknown) => logger.warn({ err: error, incidentId: incident.id, level: level + 1 }, 'cannot post escalation page'));
    }
    return posted;
  };

  const tick = async (now: Date = deps.clock.now()): Promise<number> => {
    const candidates = await deps.incidents.unacknowledged(new Date(now.getTime() - after), MAX_ESCALATION_LEVEL);
    let posted = 0;
    for (const incident of candidates) {
      posted += await escalateOne(incident, now).catch((error: unknown) => {
        logger.error({ err: error, incidentId: incident.id }, 'escalation failed');
        return 0;
      });
    }
    return posted;
  };

  return { tick, ...periodic('escalation sweep', deps.intervalMs ?? DEFAULT_ESCALATION_INTERVAL_MS, () => tick(), logger) };
}
