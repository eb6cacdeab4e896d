/**
 * Escalation of unacknowledged incidents: after `escalateAfterMs` the primary on call is mentioned in the
 * project's chats, after twice that the secondary. Each step is a conditional update of the incident's
 * level (IncidentStore.escalate), so with several replicas every page is posted exactly once; the step and
 * its page are one unit of work (a page that cannot be queued leaves the level as it was, and the next
 * sweep pages again). Each page is audited with `deckhand` as the actor.
 */
import { auditSystemChange, BOT_ACTOR } from '../audit/system-change.js';
import type { Person, RotationSpec } from '../domain/catalog.js';
import { formatDuration } from '../domain/duration.js';
import { mentionOf, personName } from '../domain/people.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { AuditLog } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Incident, IncidentStore, TimelineEntry } from '../ports/incident.port.js';
import { silentLogger, type Logger } from '../ports/logger.port.js';
import type { OncallOverrideStore } from '../ports/oncall.port.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';
import { projectOnCall } from '../oncall/oncall-now.js';

/** 1: the primary on call was paged; 2: the secondary too. */
export const MAX_ESCALATION_LEVEL = 2;

export interface EscalationDeps {
  /** Where the incidents to page for are found; the steps are written through `unit`. */
  incidents: IncidentStore;
  overrides: OncallOverrideStore;
  /** Writes an escalation step and its page together. */
  unit: UnitOfWork;
  clock: Clock;
  logger?: Logger;
  audit?: AuditLog;
  rotations: readonly RotationSpec[];
  people: readonly Person[];
  /** The primary is paged after this long unacknowledged, the secondary after twice it. */
  escalateAfterMs: number;
}

export interface Escalation {
  /** One sweep at `now` (default the clock's now); returns how many pages this caller posted. */
  run(now?: Date): Promise<number>;
}

interface Page {
  entry: TimelineEntry;
  reply: Reply;
}

/** The level an incident should have reached at `now`. */
export function dueLevel(openedAt: Date, now: Date, escalateAfterMs: number): number {
  return Math.max(0, Math.min(MAX_ESCALATION_LEVEL, Math.floor((now.getTime() - openedAt.getTime()) / escalateAfterMs)));
}

export function escalation(deps: EscalationDeps): Escalation {
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
      const stepped = await deps.unit.run(async ({ incidents, notifier }) => {
        if (!(await incidents.escalate(incident.id, level, page.entry))) return false;
        await notifier.announce(incident.project, page.reply, { key: `page:${incident.id}:${level + 1}` });
        return true;
      });
      if (!stepped) break;
      posted++;
      await auditSystemChange(
        { audit: deps.audit, clock: deps.clock, logger },
        {
          source: 'schedule',
          actor: BOT_ACTOR,
          requestId: `escalate-${incident.id}-${level + 1}`,
          project: incident.project,
          intent: 'incident.escalated',
          args: `${incident.project} incident ${incident.id} level ${level + 1}`,
          detail: page.entry.text,
        },
      );
    }
    return posted;
  };

  const run = async (now: Date = deps.clock.now()): Promise<number> => {
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

  return { run };
}
