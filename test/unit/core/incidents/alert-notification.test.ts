import { describe, expect, it } from 'vitest';
import { processAlertGroup, type AlertProcessorDeps } from '../../../../src/core/incidents/alert-notification.js';
import { isAuthorized } from '../../../../src/adapters/http/alertmanager.auth.js';
import type { GroupAlert } from '../../../../src/core/domain/alert-group.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { MemoryIncidentStore } from '../../../fakes/memory-incidents.js';
import { RecordingNotifier } from '../../../fakes/memory-stores.js';
import { MemoryAuditLog } from '../../../fakes/memory-audit.js';
import { MemoryUnitOfWork } from '../../../fakes/memory-unit-of-work.js';
import { shopGroup } from '../../../support/alert-group.js';

const T0 = new Date('2026-11-23T12:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);

function setup() {
  let now = T0;
  const incidents = new MemoryIncidentStore();
  const notifier = new RecordingNotifier();
  const audit = new MemoryAuditLog();
  const deps: AlertProcessorDeps = {
    incidents,
    audit,
    notifier,
    unit: new MemoryUnitOfWork({ incidents, notifier }),
    clock: { now: () => now },
    logger: silentLogger,
    projectLabel: 'project',
    projects: new Set(['shop', 'billing']),
    nameOf: (id) => (id === 'alice' ? 'Alice' : id),
    catalog: { projects: [] },
    settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 },
  };
  return { deps, incidents, notifier, audit, at: (m: number) => (now = min(m)) };
}

const alert = (fingerprint: string, over: Partial<GroupAlert> = {}): GroupAlert => ({
  status: 'firing',
  labels: { alertname: 'HighErrorRate', project: 'shop', service: 'api' },
  annotations: { summary: `errors on ${fingerprint}` },
  startsAt: T0,
  endsAt: null,
  fingerprint,
  ...over,
});
const resolved = (fingerprint: string, m: number) => alert(fingerprint, { status: 'resolved', endsAt: min(m) });

const group = shopGroup;

describe('processAlertGroup', () => {
  it('opens one incident per group and posts one message for the group, not one per alert', async () => {
    const { deps, incidents, notifier } = setup();
    const out = await processAlertGroup(deps, group([alert('a1'), alert('a2')]));
    expect(out).toEqual({ incidents: [{ project: 'shop', id: expect.any(String), change: 'opened' }], unrouted: 0 });
    const incident = await incidents.get(out.incidents[0]!.id!);
    expect(incident).toMatchObject({ project: 'shop', status: 'open', title: 'HighErrorRate', openedAt: T0 });
    expect(incident!.timeline.map((e) => e.kind)).toEqual(['opened', 'firing', 'firing']);
    expect(notifier.announcements).toHaveLength(1);
    expect(notifier.announcements[0]!.project).toBe('shop');
    expect(notifier.announcements[0]!.reply.text).toContain('FIRING (2): HighErrorRate — shop');
    expect(notifier.announcements[0]!.reply.text).toContain(`Incident: ${incident!.id}`);
  });

  it('opens one incident when the same notification reaches two replicas at once; the other finds nothing new', async () => {
    const { deps, incidents, notifier, audit } = setup();
    const claims: boolean[] = [];
    const openOrGet = incidents.openOrGet.bind(incidents);
    incidents.openOrGet = async (incident) => {
      const claim = await openOrGet(incident);
      claims.push(claim.opened);
      return claim;
    };
    // Both read "no open incident" before either opens it (Alertmanager HA: every peer sends the notification).
    const outs = await Promise.all([processAlertGroup(deps, group([alert('a1'), alert('a2')])), processAlertGroup(deps, group([alert('a1'), alert('a2')]))]);
    expect(claims.sort()).toEqual([false, true]);
    const changes = outs.map((o) => o.incidents[0]!);
    expect(changes.map((c) => c.change).sort()).toEqual(['opened', 'unchanged']);
    expect(changes[0]!.id).toBe(changes[1]!.id);
    expect([...incidents.rows.values()]).toHaveLength(1);
    expect((await incidents.get(changes[0]!.id!))!.timeline.map((e) => e.kind)).toEqual(['opened', 'firing', 'firing']);
    expect(notifier.announcements).toHaveLength(1);
    expect(audit.entries.map((e) => e.intent)).toEqual(['incident.opened']);
  });

  it('writes an update once when the same notification reaches two replicas at once', async () => {
    const { deps, incidents, notifier, audit, at } = setup();
    const id = (await processAlertGroup(deps, group([alert('a1')]))).incidents[0]!.id!;
    at(2);
    const outs = await Promise.all([processAlertGroup(deps, group([alert('a1'), alert('a2')])), processAlertGroup(deps, group([alert('a1'), alert('a2')]))]);
    expect(outs.map((o) => o.incidents[0]!.change).sort()).toEqual(['unchanged', 'updated']);
    expect(outs.map((o) => o.incidents[0]!.id)).toEqual([id, id]);
    expect((await incidents.get(id))!.timeline.map((e) => e.kind)).toEqual(['opened', 'firing', 'firing']);
    expect(notifier.announcements).toHaveLength(2);
    expect(audit.entries.map((e) => e.intent)).toEqual(['incident.opened', 'incident.updated']);
  });

  it('opens a new incident when the open one was resolved between reading and updating it', async () => {
    const { deps, incidents } = setup();
    const first = (await processAlertGroup(deps, group([alert('a1')]))).incidents[0]!.id!;
    // Another writer (the reconciler, a replica) resolves it right after this notification read it.
    const findOpen = incidents.findOpen.bind(incidents);
    incidents.findOpen = async (project, key) => {
      const found = await findOpen(project, key);
      if (found) await incidents.resolve(found.id, min(2), found.alerts, []);
      return found;
    };
    const out = await processAlertGroup(deps, group([alert('a1'), alert('a2')]));
    expect(out.incidents[0]).toMatchObject({ change: 'opened' });
    expect(out.incidents[0]!.id).not.toBe(first);
    expect((await incidents.get(first))!.alerts.map((a) => a.fingerprint)).toEqual(['a1']);
  });

  it('shows an acknowledgement made meanwhile on the updated message', async () => {
    const { deps, incidents, notifier, at } = setup();
    const id = (await processAlertGroup(deps, group([alert('a1')]))).incidents[0]!.id!;
    const findOpen = incidents.findOpen.bind(incidents);
    incidents.findOpen = async (project, key) => {
      const found = await findOpen(project, key);
      await incidents.acknowledge(id, 'alice', min(1));
      return found;
    };
    at(2);
    await processAlertGroup(deps, group([alert('a1'), alert('a2')]));
    expect(notifier.announcements.at(-1)!.reply.text).toContain('Acknowledged by Alice');
  });

  it('ignores repeats, posts changes, and on the last resolve resolves the incident and posts a postmortem once', async () => {
    const { deps, incidents, notifier, at } = setup();
    const opened = await processAlertGroup(deps, group([alert('a1'), alert('a2')]));
    const id = opened.incidents[0]!.id!;
    at(3);
    expect((await processAlertGroup(deps, group([alert('a1'), alert('a2')]))).incidents[0]!.change).toBe('unchanged');
    await incidents.addEntry(id, { at: min(4), kind: 'note', text: 'rolled back api', by: 'alice' });
    at(5);
    expect((await processAlertGroup(deps, group([resolved('a1', 5), alert('a2')]))).incidents[0]!.change).toBe('updated');
    expect(notifier.announcements.at(-1)!.reply.text).toContain('FIRING (1)');
    at(30);
    const last = await processAlertGroup(deps, group([resolved('a1', 5), resolved('a2', 29)]));
    expect(last.incidents[0]).toEqual({ project: 'shop', id, change: 'resolved' });
    const incident = await incidents.get(id);
    expect(incident).toMatchObject({ status: 'resolved', resolvedAt: min(30) });
    expect(incident!.timeline.map((e) => e.kind)).toEqual(['opened', 'firing', 'firing', 'note', 'resolved', 'resolved', 'closed']);
    const [groupMsg, postmortem] = notifier.announcements.slice(-2).map((a) => a.reply.text);
    expect(groupMsg).toContain('RESOLVED: HighErrorRate — shop');
    expect(postmortem).toContain(`Postmortem draft: incident ${id}`);
    expect(postmortem).toContain('HighErrorRate in shop lasted 30m. 2 alert(s) fired: HighErrorRate.');
    expect(postmortem).toContain('rolled back api (Alice)');
    expect(notifier.announcements).toHaveLength(4);
    // Alertmanager resends the resolved group: no second postmortem, no new incident.
    at(31);
    expect((await processAlertGroup(deps, group([resolved('a1', 5), resolved('a2', 29)]))).incidents[0]!.change).toBe('ignored');
    expect(notifier.announcements).toHaveLength(4);
  });

  it('opens a new incident when the group fires again after it was resolved', async () => {
    const { deps } = setup();
    const first = await processAlertGroup(deps, group([alert('a1')]));
    await processAlertGroup(deps, group([resolved('a1', 2)]));
    const again = await processAlertGroup(deps, group([alert('a1', { startsAt: min(10) })]));
    expect(again.incidents[0]!.change).toBe('opened');
    expect(again.incidents[0]!.id).not.toBe(first.incidents[0]!.id);
  });

  it('does not route alerts of unknown projects', async () => {
    const { deps, incidents } = setup();
    const stray = alert('zz', { labels: { alertname: 'HighErrorRate', project: 'other' } });
    const out = await processAlertGroup(deps, group([alert('a1'), stray]));
    expect(out.unrouted).toBe(1);
    expect(incidents.rows.size).toBe(1);
    expect([...incidents.rows.values()][0]!.alerts.map((a) => a.fingerprint)).toEqual(['a1']);
  });

  it('records no incident when its message cannot be queued, and opens it with its message when the notification comes again', async () => {
    const { deps, incidents, notifier, audit } = setup();
    notifier.failNext = true;
    await expect(processAlertGroup(deps, group([alert('a1')]))).rejects.toThrow('notifier unavailable');
    expect(incidents.rows.size).toBe(0);
    expect(notifier.announcements).toHaveLength(0);
    expect(audit.entries).toHaveLength(0);
    // Alertmanager sends a notification it got no 2xx for again.
    const out = await processAlertGroup(deps, group([alert('a1')]));
    expect(out.incidents[0]!.change).toBe('opened');
    expect(incidents.rows.size).toBe(1);
    expect(notifier.announcements).toHaveLength(1);
  });
});

describe('isAuthorized', () => {
  const token = 'a-long-enough-bearer-token';
  const basic = { username: 'am', password: 'correct-horse-battery' };
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('accepts exactly the configured bearer token or basic credentials', () => {
    expect(isAuthorized({ bearerToken: token }, `Bearer ${token}`)).toBe(true);
    expect(isAuthorized({ bearerToken: token }, `bearer ${token}`)).toBe(true);
    expect(isAuthorized({ basic }, `Basic ${b64('am:correct-horse-battery')}`)).toBe(true);
  });

  it('refuses everything else', () => {
    expect(isAuthorized({ bearerToken: token }, undefined)).toBe(false);
    expect(isAuthorized({ bearerToken: token }, `Bearer ${token}x`)).toBe(false);
    expect(isAuthorized({ bearerToken: token }, token)).toBe(false);
    expect(isAuthorized({ bearerToken: token }, `Basic ${b64(`x:${token}`)}`)).toBe(false);
    expect(isAuthorized({ basic }, `Basic ${b64('am:wrong')}`)).toBe(false);
    expect(isAuthorized({ basic }, `Bearer ${b64('am:correct-horse-battery')}`)).toBe(false);
  });
});

describe('processAlertGroup audit', () => {
  it('audits opening, updating and resolving with alertmanager as the actor, and nothing for an unchanged repeat', async () => {
    const { deps, audit, at } = setup();
    const opened = await processAlertGroup(deps, group([alert('a1'), alert('a2')]));
    const id = opened.incidents[0]!.id!;
    await processAlertGroup(deps, group([alert('a1'), alert('a2')]));
    at(5);
    await processAlertGroup(deps, group([resolved('a1', 5), alert('a2')]));
    at(9);
    await processAlertGroup(deps, group([resolved('a1', 5), resolved('a2', 9)]));

    expect(audit.entries.map((e) => e.intent)).toEqual(['incident.opened', 'incident.updated', 'incident.resolved']);
    for (const entry of audit.entries) {
      expect(entry).toMatchObject({ platform: 'webhook', platformUserId: 'alertmanager', personId: null, chatId: 'shop', outcome: 'ok' });
      expect(entry.args).toBe(`shop incident ${id}: HighErrorRate`);
    }
    expect(audit.entries[0]!.at).toEqual(T0);
    expect(audit.entries[1]!.detail).toBe('1 firing, 1 resolved in the notification');
    expect(new Set(audit.entries.map((e) => e.requestId)).size).toBe(3);
  });

  it('keeps the incident and the message when the audit log cannot be written', async () => {
    const { deps, incidents, notifier } = setup();
    const failing = { ...deps, audit: { record: () => Promise.reject(new Error('database away')), recent: () => Promise.resolve([]) } };
    const out = await processAlertGroup(failing, group([alert('a1')]));
    expect(out.incidents[0]!.change).toBe('opened');
    expect(await incidents.get(out.incidents[0]!.id!)).not.toBeNull();
    expect(notifier.announcements).toHaveLength(1);
  });
});
