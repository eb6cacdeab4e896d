/**
 * The pre-flight checks of a promotion, as pure functions over what was looked up: each gives ✅, ⚠️
 * (an admin may pass it with --force) or ⛔ (blocks), with one short line saying why.
 */
import { describeFreeze, describeLock, type ActionState, type NameOf } from '../actions/action-state.js';
import { heldByPerson } from '../ports/lock.port.js';
import type { Deployment } from '../ports/deployment.port.js';
import type { Incident } from '../ports/incident.port.js';
import type { PreflightCheck } from '../ports/pending-action.port.js';
import type { ImagePresence } from '../ports/promotion.port.js';
import type { ContainerInfo } from '../ports/runtime.port.js';

/** How many names a check line lists before "and N more". */
const NAMES_SHOWN = 3;

function listed(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return names.length > NAMES_SHOWN ? `${shown} and ${names.length - NAMES_SHOWN} more` : shown;
}

/** `40 min`, `2 h`, `3 h 5 min`, `2 d`: how people say a soak time. */
export function spoken(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours >= 48) return `${Math.floor(hours / 24)} d`;
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export function imagesCheck(images: readonly { image: string; presence: ImagePresence }[]): PreflightCheck[] {
  const missing = images.filter((i) => i.presence.status === 'missing');
  const unknown = images.filter((i) => i.presence.status === 'unknown');
  const out: PreflightCheck[] = [];
  for (const m of missing) out.push({ level: 'block', text: `${m.image} is not in its registry (${reasonOf(m.presence)})` });
  for (const u of unknown) out.push({ level: 'warn', text: `cannot check ${u.image}: ${reasonOf(u.presence)}` });
  if (out.length === 0) out.push({ level: 'ok', text: `${images.length === 1 ? 'the image is' : `all ${images.length} images are`} in the registry` });
  return out;
}

const reasonOf = (p: ImagePresence): string => (p.status === 'present' ? '' : p.reason);

/** Every unit in the source runs and is healthy (or has no healthcheck and runs). */
export function healthCheck(from: string, units: readonly { service: string; containers: readonly ContainerInfo[] }[]): PreflightCheck {
  const sick = units.flatMap((u) =>
    u.containers.filter((c) => c.state !== 'running' || c.health === 'unhealthy' || c.health === 'starting').map((c) => `${c.name} (${c.state === 'running' ? c.health : c.state})`),
  );
  const total = units.reduce((n, u) => n + u.containers.length, 0);
  if (sick.length > 0) return { level: 'block', text: `not healthy in ${from}: ${listed(sick)}` };
  return { level: 'ok', text: `every ${from} container is healthy (${total})` };
}

/** Whether an alert of the incident names the service in `env` (or names the service and no environment). */
export function concerns(incident: Pick<Incident, 'alerts'>, services: ReadonlySet<string>, env: string, labels: { serviceLabel: string; envLabel: string }): string | undefined {
  for (const a of incident.alerts) {
    const service = a.labels[labels.serviceLabel];
    const alertEnv = a.labels[labels.envLabel];
    if (service !== undefined && services.has(service) && (alertEnv === undefined || alertEnv === env)) return service;
  }
  return undefined;
}

export function incidentsCheck(from: string, incidents: readonly { incident: Incident; service: string }[], now: Date, windowMs: number): PreflightCheck[] {
  if (incidents.length === 0) return [{ level: 'ok', text: `no incident for these services in ${from} in the last ${spoken(windowMs)}` }];
  return incidents.slice(0, NAMES_SHOWN).map(({ incident, service }) => ({
    level: 'block' as const,
    text: `incident ${incident.id} on ${service} in ${from}, opened ${spoken(now.getTime() - incident.openedAt.getTime())} ago${incident.status === 'resolved' ? ' (resolved)' : ''}: ${incident.title.slice(0, 60)}`,
  }));
}

/** When the source started running its version: its last succeeded deploy of it, else its oldest unit's start. */
export function runningSince(version: string, history: readonly Deployment[], units: readonly ContainerInfo[]): Date | undefined {
  const last = history.find((d) => d.status === 'succeeded' && d.kind !== 'restart');
  if (last && last.version === version) return last.finishedAt ?? last.startedAt;
  const starts = units.map((u) => u.startedAt).filter((d): d is Date => d !== null);
  return starts.length > 0 ? new Date(Math.min(...starts.map((d) => d.getTime()))) : undefined;
}

export function soakCheck(from: string, soakMs: number, services: readonly { service: string; since: Date | undefined }[], now: Date): PreflightCheck[] {
  const out: PreflightCheck[] = [];
  for (const s of services) {
    if (!s.since) out.push({ level: 'warn', text: `${s.service}: how long it runs in ${from} is unknown, soak is ${spoken(soakMs)}` });
    else if (now.getTime() - s.since.getTime() < soakMs) out.push({ level: 'warn', text: `${s.service}: running for ${spoken(now.getTime() - s.since.getTime())} in ${from}, soak is ${spoken(soakMs)}` });
  }
  if (out.length === 0) out.push({ level: 'ok', text: `every version ran in ${from} for at least ${spoken(soakMs)}` });
  return out;
}

/**
 * The target's lock and freezes: a running action's deploy lock blocks; someone else's manual lock and a
 * freeze need an admin's --force (as for deploy); the requester's own lock passes.
 */
/** `tz`: the target project's time zone, for the lock's and freezes' times. */
export function targetCheck(target: string, state: ActionState, personId: string, nameOf: NameOf, tz: string): PreflightCheck[] {
  const out: PreflightCheck[] = [];
  const { lock } = state;
  if (lock?.kind === 'deploy') out.push({ level: 'block', text: `${target} is ${describeLock(lock, tz, nameOf)}` });
  else if (lock && !heldByPerson(lock, personId)) out.push({ level: 'warn', text: `${target} is ${describeLock(lock, tz, nameOf)}` });
  for (const f of state.freezes) out.push({ level: 'warn', text: `${target} is ${describeFreeze(f, tz)}` });
  for (const p of state.feedProblems ?? []) out.push({ level: 'warn', text: p });
  if (out.length === 0) out.push({ level: 'ok', text: `${target} is not locked or frozen${lock ? ' (your own lock)' : ''}` });
  return out;
}

export const MARK: Record<PreflightCheck['level'], string> = { ok: '✅', warn: '⚠️', block: '⛔' };
