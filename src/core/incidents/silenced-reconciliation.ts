/**
 * Closes incidents whose alerts resolved while silenced. Alertmanager mutes the resolved notification of a
 * silenced alert and drops the alert from its group, so the webhook never says it resolved and the incident
 * would stay open forever. Each run compares every open incident with a silence with the alerts
 * Alertmanager still holds (by fingerprint): alerts it no longer lists resolved. Writes are conditional
 * (IncidentStore.updateIfUnchanged / resolve), so with several replicas each change is posted once, and
 * each is one unit of work with its messages; an error asking Alertmanager changes nothing. Each change is audited with `deckhand` as the actor.
 */
import { auditSystemChange, BOT_ACTOR } from '../audit/system-change.js';
import { commonLabels } from '../domain/alert-group.js';
import type { AlertSource } from '../ports/alert-source.port.js';
import type { AuditLog } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Incident, IncidentAlert, IncidentStore, TimelineEntry } from '../ports/incident.port.js';
import { silentLogger } from '../ports/logger.port.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';
import { livingPost, pushIncident, resolveIncident, type IncidentPost, type IncidentPostDeps } from './incident-posts.js';

/** Prometheus re-sends firing alerts every minute or so; an Alertmanager younger than this may not hold them yet. */
export const DEFAULT_RESTART_GRACE_MS = 5 * 60_000;

export interface SilencedReconciliationDeps extends Omit<IncidentPostDeps, 'logger'> {
  /** Where silenced incidents are read; a change is written with its messages through `unit`. */
  incidents: IncidentStore;
  unit: UnitOfWork;
  alerts: AlertSource;
  clock: Clock;
  logger?: IncidentPostDeps['logger'];
  audit?: AuditLog;
  /** No alert counts as resolved while Alertmanager started less than this long ago. */
  restartGraceMs?: number;
}

export interface ReconcileResult {
  /** Incidents this caller marked some alerts of as resolved (some still firing). */
  updated: string[];
  /** Incidents this caller resolved (and posted the postmortem of). */
  resolved: string[];
}

export interface SilencedReconciliation {
  /** One pass at `now` (default the clock's now). */
  run(now?: Date): Promise<ReconcileResult>;
}

/** The alerts with the `gone` ones (firing before) resolved at `now`, and their timeline entries. */
export function resolveGone(alerts: readonly IncidentAlert[], gone: ReadonlySet<string>, now: Date): { alerts: IncidentAlert[]; entries: TimelineEntry[] } {
  const entries: TimelineEntry[] = [];
  const next = alerts.map((a) => {
    if (a.status !== 'firing' || !gone.has(a.fingerprint)) return a;
    entries.push({ at: now, kind: 'resolved', text: `${a.name} resolved (while silenced)`, by: null });
    return { ...a, status: 'resolved' as const, endsAt: now };
  });
  return { alerts: next, entries };
}

type Outcome = 'updated' | 'resolved' | 'unchanged';

export function silencedReconciliation(deps: SilencedReconciliationDeps): SilencedReconciliation {
  const logger = deps.logger ?? silentLogger;
  const postDeps: IncidentPostDeps = { ...deps, logger };
  const grace = deps.restartGraceMs ?? DEFAULT_RESTART_GRACE_MS;

  /** Fingerprints of the incident's firing alerts Alertmanager no longer holds (throws when it cannot say). */
  const goneAlerts = async (incident: Incident): Promise<Set<string>> => {
    const matchers = Object.entries(commonLabels(incident.alerts)).map(([name, value]) => ({ name, value }));
    const present = await deps.alerts.activeFingerprints(matchers);
    return new Set(incident.alerts.filter((a) => a.status === 'firing' && !present.has(a.fingerprint)).map((a) => a.fingerprint));
  };

  /** Writes the change (conditionally) and says what the one caller that wrote it must post. */
  const write = async (incidents: IncidentStore, incident: Incident, change: ReturnType<typeof resolveGone>, now: Date): Promise<{ outcome: Outcome; posts: IncidentPost[] }> => {
    if (change.alerts.every((a) => a.status === 'resolved')) {
      const resolved = await resolveIncident({ ...postDeps, incidents }, incident.id, now, change.alerts, change.entries);
      return resolved ? { outcome: 'resolved', posts: resolved.posts } : { outcome: 'unchanged', posts: [] };
    }
    if (!(await incidents.updateIfUnchanged(incident.id, incident.alerts, change.alerts, change.entries))) return { outcome: 'unchanged', posts: [] };
    const updated: Incident = { ...incident, alerts: change.alerts, timeline: [...incident.timeline, ...change.entries] };
    return { outcome: 'updated', posts: [livingPost(postDeps, updated, now)] };
  };

  const reconcileOne = async (listed: Incident, now: Date): Promise<Outcome> => {
    if (!listed.alerts.some((a) => a.status === 'firing')) return 'unchanged';
    const gone = await goneAlerts(listed);
    if (gone.size === 0) return 'unchanged';
    // Read again after asking Alertmanager: a notification may have changed the incident in the meantime.
    const incident = await deps.incidents.get(listed.id);
    if (!incident || incident.status !== 'open') return 'unchanged';
    const change = resolveGone(incident.alerts, gone, now);
    if (change.entries.length === 0) return 'unchanged';
    // The change and its messages commit together (a message that cannot be queued leaves the change for the next pass).
    const outcome = await deps.unit.run(async ({ incidents, notifier }) => {
      const written = await write(incidents, incident, change, now);
      for (const post of written.posts) await pushIncident({ notifier }, incident.project, post);
      return written.outcome;
    });
    if (outcome !== 'unchanged') {
      await auditSystemChange(
        { audit: deps.audit, clock: deps.clock, logger },
        {
          source: 'schedule',
          actor: BOT_ACTOR,
          requestId: `reconcile-${incident.id}`,
          project: incident.project,
          intent: outcome === 'resolved' ? 'incident.resolved' : 'incident.updated',
          args: `${incident.project} incident ${incident.id}: ${incident.title}`,
          detail: change.entries.map((e) => e.text).join('; '),
        },
      );
    }
    return outcome;
  };

  /** False (and logged) when Alertmanager cannot say its start time or started too recently to trust. */
  const alertmanagerSettled = async (now: Date): Promise<boolean> => {
    try {
      const started = await deps.alerts.startedAt();
      if (now.getTime() - started.getTime() >= grace) return true;
      logger.info({ startedAt: started }, 'Alertmanager started recently; silenced incidents are checked later');
    } catch (err) {
      logger.warn({ err }, 'cannot ask Alertmanager for its status; silenced incidents are checked later');
    }
    return false;
  };

  const run = async (now: Date = deps.clock.now()): Promise<ReconcileResult> => {
    const result: ReconcileResult = { updated: [], resolved: [] };
    const candidates = await deps.incidents.silencedOpen();
    if (candidates.length === 0 || !(await alertmanagerSettled(now))) return result;
    for (const incident of candidates) {
      const outcome = await reconcileOne(incident, now).catch((err: unknown) => {
        logger.warn({ err, incidentId: incident.id }, 'cannot reconcile a silenced incident with Alertmanager; left unchanged');
        return 'unchanged' as const;
      });
      if (outcome !== 'unchanged') result[outcome].push(incident.id);
    }
    return result;
  };

  return { run };
}
