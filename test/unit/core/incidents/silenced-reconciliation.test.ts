/**
 * The reconciler of silenced incidents over the in-memory store and a fake Alertmanager alert list, with a
 * controlled clock: alerts Alertmanager no longer holds resolve (once, with the postmortem once), and a
 * failing or freshly restarted Alertmanager changes nothing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IncidentAlert } from '../../../../src/core/ports/incident.port.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';
import { resolveGone, silencedReconciliation } from '../../../../src/core/incidents/silenced-reconciliation.js';
import { incidentReconciler, type IncidentReconciler } from '../../../../src/jobs/incident-reconciler.js';
import { FakeAlertSource } from '../../../fakes/memory-alert-source.js';
import { MemoryIncidentStore } from '../../../fakes/memory-incidents.js';
import { RecordingNotifier } from '../../../fakes/memory-stores.js';
import { MemoryUnitOfWork } from '../../../fakes/memory-unit-of-work.js';

const T0 = new Date('2026-11-23T12:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);
const KEY = (id: string) => `incident:${id}`;

const alert = (fingerprint: string, service: string): IncidentAlert => ({
  fingerprint,
  name: 'HighErrorRate',
  status: 'firing',
  summary: `errors on ${service}`,
  startsAt: T0,
  endsAt: null,
  labels: { alertname: 'HighErrorRate', project: 'shop', service },
});

function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (_obj: object, msg?: string) => void lines.push(`${level}: ${msg ?? ''}`);
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
  return logger;
}

let running: IncidentReconciler | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
  vi.useRealTimers();
});

function setup() {
  let now = min(30);
  const incidents = new MemoryIncidentStore();
  const notifier = new RecordingNotifier();
  const source = new FakeAlertSource();
  const logs: string[] = [];
  const deps = {
    incidents,
    unit: new MemoryUnitOfWork({ incidents, notifier }),
    alerts: source,
    notifier,
    clock: { now: () => now },
    logger: recordingLogger(logs),
    nameOf: (id: string) => (id === 'alice' ? 'Alice' : id),
    catalog: { projects: [] },
    settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 },
  };
  /** An open incident with two firing alerts (a1 api, a2 web), silenced by Alice at T0+5 until `until`. */
  const silenced = async (until = min(65)) => {
    const incident = await incidents.open({
      project: 'shop',
      groupKey: '{}:{alertname="HighErrorRate", project="shop"}',
      title: 'HighErrorRate',
      openedAt: T0,
      alerts: [alert('a1', 'api'), alert('a2', 'web')],
      timeline: [{ at: T0, kind: 'opened', text: 'Incident opened by Alertmanager', by: null }],
    });
    await incidents.setSilence(incident.id, 'sil-1', until, { at: min(5), kind: 'silence', text: 'Silenced for 1h', by: 'alice' });
    return incident.id;
  };
  return { deps, incidents, notifier, source, logs, silenced, reconciler: silencedReconciliation(deps), at: (m: number) => (now = min(m)) };
}

describe('incident reconciler', () => {
  it('changes nothing while Alertmanager still holds every firing alert, and asks with the common labels', async () => {
    const f = setup();
    const id = await f.silenced();
    f.source.present.add('a1').add('a2');
    expect(await f.reconciler.run(min(30))).toEqual({ updated: [], resolved: [] });
    expect(f.source.queries).toEqual([[{ name: 'alertname', value: 'HighErrorRate' }, { name: 'project', value: 'shop' }]]);
    expect(f.notifier.announcements).toEqual([]);
    expect((await f.incidents.get(id))!.alerts.map((a) => a.status)).toEqual(['firing', 'firing']);
  });

  it('leaves incidents without a silence to the webhook', async () => {
    const f = setup();
    await f.incidents.open({ project: 'shop', groupKey: 'g', title: 'X', openedAt: T0, alerts: [alert('a1', 'api')], timeline: [] });
    expect(await f.reconciler.run(min(30))).toEqual({ updated: [], resolved: [] });
    expect(f.source.queries).toEqual([]);
  });

  it('resolves an alert Alertmanager no longer holds and updates the living message once', async () => {
    const f = setup();
    const id = await f.silenced();
    f.source.present.add('a2');
    expect(await f.reconciler.run(min(30))).toEqual({ updated: [id], resolved: [] });
    const stored = await f.incidents.get(id);
    expect(stored!.status).toBe('open');
    expect(stored!.alerts.map((a) => [a.fingerprint, a.status, a.endsAt])).toEqual([
      ['a1', 'resolved', min(30)],
      ['a2', 'firing', null],
    ]);
    expect(stored!.timeline.at(-1)).toEqual({ at: min(30), kind: 'resolved', text: 'HighErrorRate resolved (while silenced)', by: null });
    expect(f.notifier.published(KEY(id))).toHaveLength(1);
    expect(f.notifier.published(KEY(id))[0]).toMatch(/^FIRING \(1\): HighErrorRate — shop/);

    expect(await f.reconciler.run(min(31))).toEqual({ updated: [], resolved: [] });
    expect(f.notifier.announcements).toHaveLength(1);
  });

  it('leaves the incident open when its messages cannot be queued, and resolves it with them on the next pass', async () => {
    const f = setup();
    const id = await f.silenced();
    f.notifier.failNext = true;
    expect(await f.reconciler.run(min(42))).toEqual({ updated: [], resolved: [] });
    expect((await f.incidents.get(id))?.status).toBe('open');
    expect(f.notifier.announcements).toEqual([]);
    expect(await f.reconciler.run(min(43))).toEqual({ updated: [], resolved: [id] });
    expect(f.notifier.published(KEY(id))).toEqual([expect.stringMatching(/^RESOLVED: HighErrorRate — shop/)]);
  });

  it('resolves the incident once when no alert is left, with the living message and the postmortem once', async () => {
    const f = setup();
    const id = await f.silenced();
    expect(await f.reconciler.run(min(42))).toEqual({ updated: [], resolved: [id] });
    const stored = await f.incidents.get(id);
    expect(stored).toMatchObject({ status: 'resolved', resolvedAt: min(42) });
    expect(stored!.timeline.map((e) => [e.kind, e.text])).toEqual([
      ['opened', 'Incident opened by Alertmanager'],
      ['silence', 'Silenced for 1h'],
      ['resolved', 'HighErrorRate resolved (while silenced)'],
      ['resolved', 'HighErrorRate resolved (while silenced)'],
      ['closed', 'All alerts resolved'],
    ]);
    expect(f.notifier.published(KEY(id))).toEqual([expect.stringMatching(/^RESOLVED: HighErrorRate — shop/)]);
    const postmortems = f.notifier.announcements.filter((a) => a.key === undefined);
    expect(postmortems.map((p) => [p.project, p.reply.text.split('\n')[0]])).toEqual([['shop', `Postmortem draft: incident ${id}`]]);
    expect(postmortems[0]!.reply.text).toContain('HighErrorRate in shop lasted 42m');

    expect(await f.reconciler.run(min(43))).toEqual({ updated: [], resolved: [] });
    expect(f.notifier.announcements).toHaveLength(2);
  });

  it('still closes an incident whose silence has expired (the resolve was muted while it ran)', async () => {
    const f = setup();
    const id = await f.silenced(min(20));
    expect((await f.reconciler.run(min(90))).resolved).toEqual([id]);
  });

  it('posts once when two reconcilers tick over the same store at the same time', async () => {
    const f = setup();
    const other = silencedReconciliation(f.deps);
    const first = await f.silenced();
    f.source.present.add('a2');
    const partial = await Promise.all([f.reconciler.run(min(30)), other.run(min(30))]);
    expect(partial.flatMap((r) => r.updated)).toEqual([first]);
    expect((await f.incidents.get(first))!.timeline.filter((e) => e.kind === 'resolved')).toHaveLength(1);

    f.source.present.clear();
    const final = await Promise.all([f.reconciler.run(min(31)), other.run(min(31))]);
    expect(final.flatMap((r) => r.resolved)).toEqual([first]);
    expect(f.notifier.published(KEY(first))).toHaveLength(2);
    expect(f.notifier.announcements.filter((a) => a.reply.text.startsWith('Postmortem draft'))).toHaveLength(1);
    expect((await f.incidents.get(first))!.timeline.filter((e) => e.kind === 'closed')).toHaveLength(1);
  });

  it('keeps an alert that fired while Alertmanager was asked (the incident is read again)', async () => {
    const f = setup();
    const id = await f.silenced();
    f.source.during = async () => {
      const current = (await f.incidents.get(id))!;
      await f.incidents.update(id, [...current.alerts, alert('a3', 'worker')], [{ at: min(29), kind: 'firing', text: 'HighErrorRate firing', by: null }]);
    };
    expect(await f.reconciler.run(min(30))).toEqual({ updated: [id], resolved: [] });
    const stored = await f.incidents.get(id);
    expect(stored!.status).toBe('open');
    expect(stored!.alerts.map((a) => [a.fingerprint, a.status])).toEqual([
      ['a1', 'resolved'],
      ['a2', 'resolved'],
      ['a3', 'firing'],
    ]);
  });

  it('changes nothing when Alertmanager cannot be asked, and says so in the log', async () => {
    const f = setup();
    const id = await f.silenced();
    const before = await f.incidents.get(id);
    f.source.failure = new Error('Alertmanager at 127.0.0.1:9093 is unreachable (ECONNREFUSED)');
    expect(await f.reconciler.run(min(30))).toEqual({ updated: [], resolved: [] });
    expect(await f.incidents.get(id)).toEqual(before);
    expect(f.notifier.announcements).toEqual([]);
    expect(f.logs).toEqual(['warn: cannot ask Alertmanager for its status; silenced incidents are checked later']);
  });

  it('changes nothing when the alert list fails after the status answered', async () => {
    const f = setup();
    const id = await f.silenced();
    const before = await f.incidents.get(id);
    f.source.during = async () => {
      throw new Error('Alertmanager answered the alert list in an unexpected shape');
    };
    expect(await f.reconciler.run(min(30))).toEqual({ updated: [], resolved: [] });
    expect(await f.incidents.get(id)).toEqual(before);
    expect(f.logs).toEqual(['warn: cannot reconcile a silenced incident with Alertmanager; left unchanged']);
  });

  it('waits while Alertmanager has just restarted (its alerts are in memory only)', async () => {
    const f = setup();
    const id = await f.silenced();
    f.source.started = min(27);
    expect(await f.reconciler.run(min(30))).toEqual({ updated: [], resolved: [] });
    expect(f.source.queries).toEqual([]);
    expect((await f.incidents.get(id))!.status).toBe('open');
    expect((await f.reconciler.run(min(32))).resolved).toEqual([id]);
  });

  it('runs on its timer and stop waits for the pass in progress', async () => {
    const f = setup();
    const id = await f.silenced();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let asking!: () => void;
    const asked = new Promise<void>((r) => (asking = r));
    f.source.during = () => (asking(), gate);
    running = incidentReconciler({ ...f.deps, intervalMs: 10 });
    running.start();
    await vi.advanceTimersByTimeAsync(10);
    await asked;
    // When stop is asked while Alertmanager is being asked, then a hundred intervals on the fake clock
    // neither end the stop nor start another pass, and stop resolves only once the pass has finished.
    let stopped = false;
    const stopping = running.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped).toBe(false);
    expect(f.source.queries).toHaveLength(1);
    release();
    await stopping;
    expect((await f.incidents.get(id))!.status).toBe('resolved');
  });
});

describe('resolveGone', () => {
  it('resolves only firing alerts among the gone ones', () => {
    const done = { ...alert('a3', 'db'), status: 'resolved' as const, endsAt: min(1) };
    const change = resolveGone([alert('a1', 'api'), alert('a2', 'web'), done], new Set(['a1', 'a3']), min(9));
    expect(change.alerts.map((a) => [a.fingerprint, a.status, a.endsAt])).toEqual([
      ['a1', 'resolved', min(9)],
      ['a2', 'firing', null],
      ['a3', 'resolved', min(1)],
    ]);
    expect(change.entries).toEqual([{ at: min(9), kind: 'resolved', text: 'HighErrorRate resolved (while silenced)', by: null }]);
  });
});
