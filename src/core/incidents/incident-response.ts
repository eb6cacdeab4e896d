/**
 * What responders do from an alert message: acknowledge the incident (stops the paging) and silence its
 * alerts in Alertmanager. Both record the change conditionally and republish the living alert message in
 * one unit of work (a message that cannot be queued leaves the incident as it was, and the responder is told
 * to click again), and answer with a reply plus the outcome the audit entry records. Authorization is the
 * caller's (the click pipeline checks the operator role first).
 */
import { alertGroupReply, incidentMessageKey } from '../domain/alert-group.reply.js';
import { commonLabels } from '../domain/alert-group.js';
import type { Catalog, Person } from '../domain/catalog.js';
import { formatLocal } from '../domain/rotation.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { AuditOutcome } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Incident, IncidentStore } from '../ports/incident.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Notifier } from '../ports/notifier.port.js';
import type { Silencer } from '../ports/silencer.port.js';
import { isStoreUnavailable } from '../ports/store-errors.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';
import type { IncidentSettings } from './incident-settings.js';

export interface IncidentResponseDeps {
  /** Where the incident is read back; its changes are written through `unit`. */
  store: IncidentStore;
  /** Writes an acknowledgement or a silence together with the republished alert message. */
  unit: UnitOfWork;
  /** Alertmanager's silences API; undefined when no Alertmanager URL is configured. */
  silencer?: Silencer;
  settings: IncidentSettings;
  catalog: Pick<Catalog, 'projects' | 'people'>;
  clock: Clock;
  logger: Logger;
}

/** The answer to the responder and what the audit entry says. */
export interface ResponseResult {
  outcome: AuditOutcome;
  reply: Reply;
  detail: string;
}

const when = (at: Date) => formatLocal(at, 'UTC');

const nameIn = (deps: IncidentResponseDeps) => (id: string) => deps.catalog.people.find((p) => p.id === id)?.name ?? id;

/** Republishes the living alert message inside the unit: when it cannot be queued the unit, and so the change, fails. */
async function republish(incident: Incident, notifier: Notifier, deps: IncidentResponseDeps): Promise<void> {
  const reply = alertGroupReply(incident, { nameOf: nameIn(deps), settings: deps.settings, catalog: deps.catalog, now: deps.clock.now() });
  await notifier.publish(incident.project, incidentMessageKey(incident.id), reply);
}

/**
 * The answer when the unit failed, so nothing was recorded. A database outage is rethrown for the pipeline's
 * outage sentence; anything else (the alert message could not be queued) is logged and answered here.
 */
function notRecorded(err: unknown, what: string, incident: Incident, deps: IncidentResponseDeps): ResponseResult {
  if (isStoreUnavailable(err)) throw err;
  deps.logger.warn({ err, incident: incident.id }, `could not record the ${what} with its alert message`);
  return { outcome: 'error', reply: replies.error(`Could not record the ${what}: the alert message could not be updated, so nothing was changed.`, 'Try again in a minute.'), detail: `${what} not recorded` };
}

export async function acknowledgeIncident(deps: IncidentResponseDeps, incident: Incident, person: Person): Promise<ResponseResult> {
  let acked: Incident | null;
  try {
    acked = await deps.unit.run(async ({ incidents, notifier }) => {
      const done = await incidents.acknowledge(incident.id, person.id, deps.clock.now());
      if (done) await republish(done, notifier, deps);
      return done;
    });
  } catch (err) {
    return notRecorded(err, 'acknowledgement', incident, deps);
  }
  if (!acked) {
    const fresh = (await deps.store.get(incident.id)) ?? incident;
    const answer = fresh.acknowledgedBy
      ? `Already acknowledged by ${nameIn(deps)(fresh.acknowledgedBy)}${fresh.acknowledgedAt ? ` at ${when(fresh.acknowledgedAt)}` : ''}.`
      : `Incident ${incident.id} is resolved; nothing to do.`;
    return { outcome: 'refused', reply: replies.warning(answer), detail: fresh.acknowledgedBy ? 'already acknowledged' : 'incident resolved' };
  }
  return { outcome: 'ok', reply: new ReplyBuilder('success').text(`Acknowledged by ${person.name}; escalation stopped.`).build(), detail: 'acknowledged' };
}

/** Why no silence can be made now, if so (no Alertmanager URL, already silenced, nothing to match on). */
function silenceRefusal(incident: Incident, deps: IncidentResponseDeps): ResponseResult | undefined {
  if (!deps.silencer) {
    const hint = 'An admin can set alertmanager.url (e.g. http://alertmanager:9093) in the Deckhand config.';
    return { reply: replies.error('Cannot silence: alertmanager.url is not configured.', hint), outcome: 'invalid', detail: 'no silencer' };
  }
  if (incident.silencedUntil && incident.silencedUntil > deps.clock.now()) {
    const text = `Already silenced until ${when(incident.silencedUntil)} (silence ${incident.silenceId ?? '?'}).`;
    return { reply: replies.warning(text), outcome: 'refused', detail: 'already silenced' };
  }
  // Without a shared alert name the matchers could cover a whole project's alerts (group_by: [project]).
  if (commonLabels(incident.alerts)['alertname'] === undefined) {
    const hint = 'Silence the alerts one by one in Alertmanager, or group them by alertname.';
    return { reply: replies.error('Cannot silence from here: the alerts of this incident have different names, so a silence would mute more than them.', hint), outcome: 'invalid', detail: 'no common alertname' };
  }
  return undefined;
}

/**
 * Silences the incident's common labels for `silenceMs`; records and republishes (one unit) only once
 * Alertmanager said yes, and takes the silence back when it is not recorded (lost a race, or the unit failed)
 * so Alertmanager never mutes alerts for a silence the incident does not know.
 */
export async function silenceIncident(deps: IncidentResponseDeps, incident: Incident, person: Person): Promise<ResponseResult> {
  const refusal = silenceRefusal(incident, deps);
  if (refusal) return refusal;
  const { settings, store } = deps;
  const silencer = deps.silencer!;
  const startsAt = deps.clock.now();
  const endsAt = new Date(startsAt.getTime() + settings.silenceMs);
  let silenceId: string;
  try {
    silenceId = await silencer.create({
      matchers: Object.entries(commonLabels(incident.alerts)).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
      startsAt,
      endsAt,
      createdBy: person.name,
      comment: `Deckhand incident ${incident.id}: ${incident.title}`,
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
    return { outcome: 'error', reply: replies.error(`Could not create the silence: ${reason}.`, 'Nothing was recorded; try again or silence it in Alertmanager.'), detail: reason };
  }
  const entry = { at: startsAt, kind: 'silence' as const, text: `Silenced until ${when(endsAt)} (silence ${silenceId})`, by: person.id };
  const takeBack = () => silencer.expire(silenceId).catch((err: unknown) => deps.logger.warn({ err, silenceId, incident: incident.id }, 'could not expire a silence that was not recorded'));
  let recorded: boolean;
  try {
    recorded = await deps.unit.run(async ({ incidents, notifier }) => {
      if (!(await incidents.setSilence(incident.id, silenceId, endsAt, entry))) return false;
      const updated = (await incidents.get(incident.id)) ?? { ...incident, silenceId, silencedUntil: endsAt, timeline: [...incident.timeline, entry] };
      await republish(updated, notifier, deps);
      return true;
    });
  } catch (err) {
    await takeBack();
    return notRecorded(err, 'silence', incident, deps);
  }
  if (!recorded) {
    // Another click's silence won (or the incident closed meanwhile): take ours back so only one is tracked.
    await takeBack();
    const fresh = (await store.get(incident.id)) ?? incident;
    const text = fresh.silencedUntil ? `Already silenced until ${when(fresh.silencedUntil)} (silence ${fresh.silenceId ?? '?'}).` : `Incident ${incident.id} is resolved; nothing to do.`;
    return { outcome: 'refused', reply: replies.warning(text), detail: 'silenced meanwhile' };
  }
  const answer = new ReplyBuilder('success').text(`Silenced until ${when(endsAt)} by ${person.name} (silence ${silenceId}).`).build();
  return { outcome: 'ok', reply: answer, detail: `silence ${silenceId}`.slice(0, 200) };
}
