/**
 * Clicks on the buttons of an alert message (the button's pending id is the incident id). Acknowledge and
 * Silence are checked here (operator role, chat, open incident) and done by the core's incident response
 * service; Restart and Roll back become the equivalent command, so parsing, authorization and the
 * confirm step treat them exactly like a typed `restart <project>/<service> <env>`.
 */
import { hasRole } from '../domain/access.js';
import type { Person } from '../domain/catalog.js';
import { alertTarget, incidentActionOf, incidentEnv, type IncidentAction } from '../domain/incident-actions.js';
import { acknowledgeIncident, silenceIncident, type IncidentResponseDeps } from '../incidents/incident-response.js';
import type { CoreServices } from '../services.js';
import type { AnyInboundEvent, CommandEvent, InboundEvent } from '../messages/inbound.js';
import { replies } from '../messages/reply-builder.js';
import type { Incident } from '../ports/incident.port.js';
import { finish, type Middleware, type Next, type PipelineContext } from './middleware.js';

const INCIDENT_ID = /^[A-Za-z0-9_-]{1,32}$/;

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
    if (action === 'ack' || action === 'silence') {
      const respond = action === 'ack' ? acknowledgeIncident : silenceIncident;
      const result = await respond(responseDeps(services), incident, ctx.person!);
      return finish(ctx, result.outcome, result.reply, result.detail);
    }
    return requestAction(ctx, next, incident, action, services);
  };
}

const responseDeps = (services: CoreServices): IncidentResponseDeps => ({
  ...services.incidents,
  unit: services.unit,
  catalog: services.catalog,
  clock: services.clock,
  logger: services.logger,
});

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
function withoutAction(event: AnyInboundEvent): Omit<CommandEvent, 'kind' | 'text'> {
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
