/**
 * Clicks on the buttons of an alert message (the button's pending id is the incident id). Acknowledge and
 * Silence act here; Restart and Roll back become the equivalent command, so parsing, authorization and the
 * confirm step treat them exactly like a typed `restart <project>/<service> <env>`.
 */
import { hasRole } from '../domain/access.js';
import type { Person } from '../domain/catalog.js';
import { alertGroupReply, incidentMessageKey } from '../domain/alert-group.reply.js';
import { commonLabels } from '../domain/alert-group.js';
import { alertTarget, incidentActionOf, incidentEnv, type IncidentAction } from '../domain/incident-actions.js';
import { formatLocal } from '../domain/rotation.js';
import type { CoreServices } from '../intents/intent.js';
import type { CommandEvent, InboundEvent } from '../messages/inbound.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { AuditOutcome } from '../ports/audit.port.js';
import type { Incident } from '../ports/incident.port.js';
import { finish, type Middleware, type Next, type PipelineContext } from './middleware.js';

const INCIDENT_ID = /^[A-Za-z0-9_-]{1,32}$/;

const when = (at: Date) => formatLocal(at, 'UTC');

const VERB: Record<IncidentAction, string> = { ack: 'acknowledge', silence: 'silence', restart: 'restart a service of', rollback: 'roll back a service of' };

export function incidentClickMiddleware(services: CoreServices): Middleware {
  return async (ctx, next) => {
    const event = ctx.event;
    const action = event.kind === 'action' ? incidentActionOf(event.actionId) : undefined;
    if (event.kind !== 'action' || !action) return next();
    ctx.argsText = `${event.actionId} ${event.pendingId}`.slice(0, 100);
    ctx.auditIntent = event.actionId;
    const incident = await clickedIncident(ctx, event.pendingId, action, services);
    if (!incident) return;
    if (action === 'ack') return acknowledge(ctx, incident, services);
    if (action === 'silence') return silence(ctx, incident, services);
    return requestAction(ctx, next, incident, action, services);
  };
}

const nameIn = (services: CoreServices) => (id: string) => services.catalog.people.find((p) => p.id === id)?.name ?? id;

/** The open incident behind the button, if this person may act on it from this chat; else answers why not. */
async function clickedIncident(ctx: PipelineContext, id: string, action: IncidentAction, services: CoreServices): Promise<Incident | undefined> {
  const incident = INCIDENT_ID.test(id) ? await services.incidents.store.get(id) : null;
  if (!incident) {
    finish(ctx, 'not_found', replies.warning('This incident no longer exists.', 'incident shows the open one.'), 'unknown incident');
    return undefined;
  }
  const person = ctx.person!;
  const { project } = incident;
  if (!ctx.chatProjects.includes(project)) {
    // A person with a role on the project is in the wrong chat; anyone else lacks the role.
    const reply = hasRole(person, 'viewer', project)
      ? replies.error(`Project ${project} cannot be used from this chat.`, 'Use a chat bound to it.')
      : replies.error(`You need the operator role on ${project} to ${VERB[action]} this incident.`);
    finish(ctx, 'refused', reply, 'project not in chat');
    return undefined;
  }
  const env = incidentEnv(incident, services.catalog, services.incidents.settings)?.name;
  // Restart and Roll back are authorized like the typed command (operator or admin, per environment).
  if ((action === 'ack' || action === 'silence') && !mayRespond(person, project, env, services)) {
    const scope = env ? `${project}/${env}` : project;
    finish(ctx, 'refused', replies.error(`You need the operator role on ${scope} to ${VERB[action]} this incident.`), `needs operator on ${scope}`);
    return undefined;
  }
  if (incident.status !== 'open') {
    finish(ctx, 'refused', replies.warning(`Incident ${incident.id} is resolved; nothing to do.`), 'incident resolved');
    return undefined;
  }
  return incident;
}

/**
 * Operator on the incident's environment; when the alerts do not name one of the catalog's environments
 * (label missing, unknown or mixed), operator on every environment of the project: never a grant on some
 * other environment (fail closed).
 */
function mayRespond(person: Person, project: string, env: string | undefined, services: CoreServices): boolean {
  if (env) return hasRole(person, 'operator', project, env);
  const envs = services.catalog.projects.find((p) => p.name === project)?.environments.map((e) => e.name) ?? [];
  return envs.length > 0 && envs.every((e) => hasRole(person, 'operator', project, e));
}

/** Republishes the living alert message; a failure is logged, the recorded change stands. */
async function republish(incident: Incident, services: CoreServices): Promise<void> {
  const reply = alertGroupReply(incident, { nameOf: nameIn(services), settings: services.incidents.settings, catalog: services.catalog, now: services.clock.now() });
  try {
    await services.actions.notifier.publish(incident.project, incidentMessageKey(incident.id), reply);
  } catch (err) {
    services.logger.warn({ err, incident: incident.id }, 'could not update the alert message');
  }
}

async function acknowledge(ctx: PipelineContext, incident: Incident, services: CoreServices): Promise<void> {
  const person = ctx.person!;
  const acked = await services.incidents.store.acknowledge(incident.id, person.id, services.clock.now());
  if (!acked) {
    const fresh = (await services.incidents.store.get(incident.id)) ?? incident;
    const answer = fresh.acknowledgedBy
      ? `Already acknowledged by ${nameIn(services)(fresh.acknowledgedBy)}${fresh.acknowledgedAt ? ` at ${when(fresh.acknowledgedAt)}` : ''}.`
      : `Incident ${incident.id} is resolved; nothing to do.`;
    finish(ctx, 'refused', replies.warning(answer), fresh.acknowledgedBy ? 'already acknowledged' : 'incident resolved');
    return;
  }
  await republish(acked, services);
  finish(ctx, 'ok', new ReplyBuilder('success').text(`Acknowledged by ${person.name}; escalation stopped.`).build(), 'acknowledged');
}

/** Why no silence can be made now, if so (no Alertmanager URL, already silenced, nothing to match on). */
function silenceRefusal(incident: Incident, services: CoreServices): { reply: Reply; outcome: AuditOutcome; detail: string } | undefined {
  if (!services.incidents.silencer) {
    const hint = 'An admin can set alertmanager.url (e.g. http://alertmanager:9093) in the Deckhand config.';
    return { reply: replies.error('Cannot silence: alertmanager.url is not configured.', hint), outcome: 'invalid', detail: 'no silencer' };
  }
  if (incident.silencedUntil && incident.silencedUntil > services.clock.now()) {
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

/** Silences the incident's common labels for `silenceMs`; records and republishes only once Alertmanager said yes. */
async function silence(ctx: PipelineContext, incident: Incident, services: CoreServices): Promise<void> {
  const refusal = silenceRefusal(incident, services);
  if (refusal) return finish(ctx, refusal.outcome, refusal.reply, refusal.detail);
  const { silencer, settings, store } = services.incidents;
  const person = ctx.person!;
  const startsAt = services.clock.now();
  const endsAt = new Date(startsAt.getTime() + settings.silenceMs);
  let silenceId: string;
  try {
    silenceId = await silencer!.create({
      matchers: Object.entries(commonLabels(incident.alerts)).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
      startsAt,
      endsAt,
      createdBy: person.name,
      comment: `Deckhand incident ${incident.id}: ${incident.title}`,
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
    return finish(ctx, 'error', replies.error(`Could not create the silence: ${reason}.`, 'Nothing was recorded; try again or silence it in Alertmanager.'), reason);
  }
  const entry = { at: startsAt, kind: 'silence' as const, text: `Silenced until ${when(endsAt)} (silence ${silenceId})`, by: person.id };
  if (!(await store.setSilence(incident.id, silenceId, endsAt, entry))) {
    // Another click's silence won (or the incident closed meanwhile): take ours back so only one is tracked.
    await silencer!.expire(silenceId).catch((err: unknown) => services.logger.warn({ err, silenceId, incident: incident.id }, 'could not expire a duplicate silence'));
    const fresh = (await store.get(incident.id)) ?? incident;
    const text = fresh.silencedUntil ? `Already silenced until ${when(fresh.silencedUntil)} (silence ${fresh.silenceId ?? '?'}).` : `Incident ${incident.id} is resolved; nothing to do.`;
    return finish(ctx, 'refused', replies.warning(text), 'silenced meanwhile');
  }
  const updated = (await store.get(incident.id)) ?? { ...incident, silenceId, silencedUntil: endsAt, timeline: [...incident.timeline, entry] };
  await republish(updated, services);
  const answer = new ReplyBuilder('success').text(`Silenced until ${when(endsAt)} by ${person.name} (silence ${silenceId}).`).build();
  finish(ctx, 'ok', answer, `silence ${silenceId}`.slice(0, 200));
}

/**
 * Restart / Roll back: the command a person would type, run through the rest of the pipeline (parse →
 * authorize → confirm), so the answer is the usual confirm prompt with its buttons and permissions.
 */
async function requestAction(ctx: PipelineContext, next: Next, incident: Incident, action: 'restart' | 'rollback', services: CoreServices): Promise<void> {
  const target = alertTarget(incident, services.catalog, services.incidents.settings);
  if (!target) {
    finish(ctx, 'invalid', replies.warning(`The alerts of incident ${incident.id} no longer name a configured service.`, `Type ${action} <service> <env> instead.`), 'no service');
    return;
  }
  const { service, env } = target;
  const command: CommandEvent = { ...withoutAction(ctx.event), kind: 'command', text: `${action} ${env.project}/${service.name} ${env.name}` };
  // The click becomes the command it stands for; the audit entry names that intent, its arguments and the alert.
  (ctx as { event: InboundEvent }).event = command;
  try {
    await next();
  } finally {
    ctx.argsText = `${ctx.argsText} (alert button, incident ${incident.id})`.slice(0, 500);
  }
  if (ctx.outcome !== 'ok') return;
  const verb = action === 'restart' ? 'Restart' : 'Rollback';
  const entry = { at: services.clock.now(), kind: 'action' as const, text: `${verb} of ${service.name} requested from the alert by ${ctx.person!.name}`, by: ctx.person!.id };
  await services.incidents.store.addEntry(incident.id, entry);
}

/** The event's common fields, without the click's own (action id, pending id, message). */
function withoutAction(event: InboundEvent): Omit<CommandEvent, 'kind' | 'text'> {
  const { platform, platformUserId, userName, chatId, chatType, eventId, receivedAt } = event;
  return {
    platform,
    platformUserId,
    chatId,
    chatType,
    receivedAt,
    ...(userName !== undefined ? { userName } : {}),
    ...(eventId !== undefined ? { eventId } : {}),
  };
}
