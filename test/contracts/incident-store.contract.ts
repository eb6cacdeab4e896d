import { beforeEach, describe, expect, it } from 'vitest';
import type { IncidentAlert, IncidentStore, NewIncident } from '../../src/core/ports/incident.port.js';

const T0 = new Date('2026-11-23T12:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);

const firing: IncidentAlert = {
  fingerprint: 'f1',
  name: 'HighErrorRate',
  status: 'firing',
  summary: 'errors',
  startsAt: T0,
  endsAt: null,
  labels: { alertname: 'HighErrorRate', project: 'contract', service: 'api' },
};
const fresh = { acknowledgedBy: null, acknowledgedAt: null, escalationLevel: 0, silenceId: null, silencedUntil: null, deploymentId: null };
const incident = (over: Partial<NewIncident> = {}): NewIncident => ({
  project: 'contract',
  groupKey: 'g1',
  title: 'HighErrorRate',
  openedAt: T0,
  alerts: [firing],
  timeline: [{ at: T0, kind: 'opened', text: 'opened', by: null }],
  ...over,
});

/**
 * The IncidentStore contract, run against the in-memory fake (unit) and PrismaIncidentStore (integration).
 * `make` returns an empty store. What callers rely on: one open incident per group (claimed by one of several
 * replicas opening it at once), appends that never lose a note, and conditional steps (resolve, acknowledge,
 * silence, escalate, link, update-if-unchanged) that answer true for exactly one of several replicas.
 */
export function incidentStoreContract(make: () => Promise<IncidentStore>): void {
  describe('IncidentStore contract', () => {
    let store: IncidentStore;
    beforeEach(async () => {
      store = await make();
    });

    it('opens, finds by group and returns the stored incident', async () => {
      const s = store;
      const opened = await s.open(incident());
      expect(opened).toEqual({ ...incident(), ...fresh, id: expect.any(String), status: 'open', resolvedAt: null });
      expect(await s.get(opened.id)).toEqual(opened);
      expect(await s.findOpen('contract', 'g1')).toEqual(opened);
      expect(await s.findOpen('contract', 'g2')).toBeNull();
      expect(await s.get('nope')).toBeNull();
    });

    it('claims a group once: concurrent opens give one incident, and every caller gets its id', async () => {
      const s = store;
      // Given eight replicas opening the same group at once, each with its own view of the notification,
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, n) => s.openOrGet(incident({ groupKey: 'g-claim', title: `replica ${n}`, openedAt: min(n) }))),
      );
      // then one of them opened it and all hold that incident, as stored.
      const winners = claims.filter((c) => c.opened);
      expect(winners).toHaveLength(1);
      const id = winners[0]!.incident.id;
      expect(claims.map((c) => c.incident.id)).toEqual(Array(8).fill(id));
      const open = (await s.openIncidents(['contract'])).filter((i) => i.groupKey === 'g-claim');
      expect(open.map((i) => i.id)).toEqual([id]);
      expect(open[0]).toEqual(winners[0]!.incident);
      for (const c of claims) expect(c.incident).toEqual(winners[0]!.incident);
    });

    it('claims a group again once its incident resolved, and per project', async () => {
      const s = store;
      const first = await s.openOrGet(incident({ groupKey: 'g-again' }));
      expect(first).toMatchObject({ opened: true, incident: { status: 'open', title: 'HighErrorRate' } });
      // An open group is not opened again, nor is its incident changed by the second caller's data.
      const second = await s.openOrGet(incident({ groupKey: 'g-again', title: 'other title', alerts: [] }));
      expect(second).toEqual({ opened: false, incident: first.incident });
      expect(await s.open(incident({ groupKey: 'g-again', title: 'third' }))).toEqual(first.incident);
      // The same group key of another project is another incident.
      const elsewhere = await s.openOrGet(incident({ project: 'contract-b', groupKey: 'g-again' }));
      expect(elsewhere.opened).toBe(true);
      expect(elsewhere.incident.id).not.toBe(first.incident.id);
      // Once resolved, the group's next alerts open a new incident.
      await s.resolve(first.incident.id, min(5), [], []);
      const next = await s.openOrGet(incident({ groupKey: 'g-again', openedAt: min(6) }));
      expect(next.opened).toBe(true);
      expect(next.incident.id).not.toBe(first.incident.id);
      expect((await s.findOpen('contract', 'g-again'))!.id).toBe(next.incident.id);
      expect((await s.get(first.incident.id))!.status).toBe('resolved');
    });

    it('appends timeline entries and replaces alert states', async () => {
      const s = store;
      const { id } = await s.open(incident({ groupKey: 'g-upd' }));
      const resolvedAlert = { ...firing, status: 'resolved' as const, endsAt: min(5) };
      await s.update(id, [resolvedAlert], [{ at: min(5), kind: 'resolved', text: 'HighErrorRate resolved', by: null }]);
      expect(await s.addEntry(id, { at: min(6), kind: 'note', text: 'looking', by: 'alice' })).toBe(true);
      expect(await s.addEntry('missing0', { at: min(6), kind: 'note', text: 'x', by: 'alice' })).toBe(false);
      const got = await s.get(id);
      expect(got!.alerts).toEqual([resolvedAlert]);
      expect(got!.timeline.map((e) => [e.kind, e.at, e.by])).toEqual([
        ['opened', T0, null],
        ['resolved', min(5), null],
        ['note', min(6), 'alice'],
      ]);
    });

    it('resolves once: the second resolve answers null', async () => {
      const s = store;
      const { id } = await s.open(incident({ groupKey: 'g-res' }));
      const done = await s.resolve(id, min(9), [], [{ at: min(9), kind: 'closed', text: 'All alerts resolved', by: null }]);
      expect(done).toMatchObject({ id, status: 'resolved', resolvedAt: min(9) });
      expect(done!.timeline.at(-1)!.kind).toBe('closed');
      expect(await s.resolve(id, min(10), [], [])).toBeNull();
      expect(await s.update(id, [firing], [{ at: min(11), kind: 'firing', text: 'late', by: null }])).toBe(false);
      expect((await s.get(id))!.timeline.map((e) => e.text)).not.toContain('late');
      expect(await s.findOpen('contract', 'g-res')).toBeNull();
    });

    it('latestOpen picks the newest open incident of the given projects', async () => {
      const s = store;
      await s.open(incident({ project: 'lp', groupKey: 'a', openedAt: min(1) }));
      const newer = await s.open(incident({ project: 'lp', groupKey: 'b', openedAt: min(2) }));
      await s.open(incident({ project: 'other', groupKey: 'c', openedAt: min(3) }));
      expect((await s.latestOpen(['lp']))!.id).toBe(newer.id);
      expect(await s.latestOpen(['none'])).toBeNull();
      expect(await s.latestOpen([])).toBeNull();
    });

    it('keeps alerts with labels as long as the webhook accepts', async () => {
      const s = store;
      const long = { ...firing, labels: { ...firing.labels, ['k'.repeat(256)]: 'v'.repeat(4096) } };
      const { id } = await s.open(incident({ groupKey: 'g-long', alerts: [long] }));
      expect((await s.get(id))!.alerts[0]!.labels['k'.repeat(256)]).toHaveLength(4096);
    });

    it('acknowledges once, and only open incidents', async () => {
      const s = store;
      const { id } = await s.open(incident({ groupKey: 'g-ack' }));
      const acked = await s.acknowledge(id, 'alice', min(3));
      expect(acked).toMatchObject({ id, acknowledgedBy: 'alice', acknowledgedAt: min(3) });
      expect(acked!.timeline.at(-1)).toEqual({ at: min(3), kind: 'ack', text: 'Acknowledged', by: 'alice' });
      expect(await s.acknowledge(id, 'bob', min(4))).toBeNull();
      expect((await s.get(id))!.acknowledgedBy).toBe('alice');
      const other = await s.open(incident({ groupKey: 'g-ack2' }));
      await s.resolve(other.id, min(5), [], []);
      expect(await s.acknowledge(other.id, 'bob', min(6))).toBeNull();
    });

    it('escalates one level per conditional step and never after an acknowledgement', async () => {
      const s = store;
      const { id } = await s.open(incident({ groupKey: 'g-esc' }));
      const entry = (n: number) => ({ at: min(10 * n), kind: 'escalation' as const, text: `level ${n}`, by: null });
      expect((await s.unacknowledged(min(10), 2)).map((i) => i.id)).toContain(id);
      expect((await s.unacknowledged(min(-1), 2)).map((i) => i.id)).not.toContain(id);
      expect(await s.escalate(id, 0, entry(1))).toBe(true);
      expect(await s.escalate(id, 0, entry(1))).toBe(false);
      expect((await s.get(id))!.escalationLevel).toBe(1);
      expect((await s.unacknowledged(min(20), 1)).map((i) => i.id)).not.toContain(id);
      await s.acknowledge(id, 'alice', min(15));
      expect(await s.escalate(id, 1, entry(2))).toBe(false);
      expect((await s.unacknowledged(min(20), 2)).map((i) => i.id)).not.toContain(id);
      expect((await s.get(id))!.timeline.filter((e) => e.kind === 'escalation')).toHaveLength(1);
    });

    it('records a silence and links the first deployment only', async () => {
      const s = store;
      const { id } = await s.open(incident({ groupKey: 'g-sil' }));
      expect(await s.setSilence(id, 'b3f0c2d1-aaaa', min(60), { at: min(1), kind: 'silence', text: 'Silenced for 1h', by: 'alice' })).toBe(true);
      // A second silence while the first is in effect loses (two clicks at once); after its end one may follow.
      expect(await s.setSilence(id, 'c4-late', min(61), { at: min(2), kind: 'silence', text: 'Silenced again', by: 'bob' })).toBe(false);
      expect(await s.linkDeployment(id, '42', { at: min(1), kind: 'deploy', text: 'linked 42', by: null })).toBe(true);
      expect(await s.linkDeployment(id, '43', { at: min(1), kind: 'deploy', text: 'linked 43', by: null })).toBe(false);
      await expect(s.linkDeployment(id, 'dep44', { at: min(1), kind: 'deploy', text: 'linked', by: null })).rejects.toThrow();
      const got = await s.get(id);
      expect(got).toMatchObject({ silenceId: 'b3f0c2d1-aaaa', silencedUntil: min(60), deploymentId: '42' });
      expect(got!.timeline.map((e) => e.kind)).toEqual(['opened', 'silence', 'deploy']);
    });

    it('lists open incidents newest first and incidents opened in a window', async () => {
      const s = store;
      const a = await s.open(incident({ project: 'win', groupKey: 'a', openedAt: min(1) }));
      const b = await s.open(incident({ project: 'win', groupKey: 'b', openedAt: min(5) }));
      const c = await s.open(incident({ project: 'win', groupKey: 'c', openedAt: min(9) }));
      await s.resolve(b.id, min(7), [], []);
      expect((await s.openIncidents(['win'])).map((i) => i.id)).toEqual([c.id, a.id]);
      expect((await s.between({ projects: ['win'], from: min(1), to: min(9) })).map((i) => i.id)).toEqual([a.id, b.id]);
      expect(await s.between({ projects: [], from: min(0), to: min(99) })).toEqual([]);
    });
    it('updates alert states only while they are as the caller read them', async () => {
      const s = store;
      const second = { ...firing, fingerprint: 'f2', labels: { ...firing.labels, service: 'web' } };
      const { id, alerts } = await s.open(incident({ groupKey: 'g-cas', alerts: [firing, second] }));
      const gone = { ...firing, status: 'resolved' as const, endsAt: min(4) };
      const entry = { at: min(4), kind: 'resolved' as const, text: 'HighErrorRate resolved (while silenced)', by: null };
      expect(await s.updateIfUnchanged(id, alerts, [gone, second], [entry])).toBe(true);
      // A second caller that read the same states is too late and writes nothing.
      expect(await s.updateIfUnchanged(id, alerts, [gone, second], [entry])).toBe(false);
      const got = await s.get(id);
      expect(got!.alerts).toEqual([gone, second]);
      expect(got!.timeline.filter((e) => e.kind === 'resolved')).toEqual([entry]);
      expect(await s.updateIfUnchanged(id, got!.alerts, [gone, { ...second, status: 'resolved', endsAt: min(5) }], [])).toBe(true);
      await s.resolve(id, min(6), [], []);
      expect(await s.updateIfUnchanged(id, [], [firing], [])).toBe(false);
      expect(await s.updateIfUnchanged('missing0', [], [firing], [])).toBe(false);
    });

    it('lists open incidents with a silence, oldest first', async () => {
      const s = store;
      const entry = { at: min(1), kind: 'silence' as const, text: 'Silenced for 1h', by: 'alice' };
      const older = await s.open(incident({ project: 'sil', groupKey: 's1', openedAt: min(-30) }));
      const newer = await s.open(incident({ project: 'sil', groupKey: 's2', openedAt: min(-10) }));
      const unsilenced = await s.open(incident({ project: 'sil', groupKey: 's3', openedAt: min(-20) }));
      const closed = await s.open(incident({ project: 'sil', groupKey: 's4', openedAt: min(-25) }));
      await s.setSilence(newer.id, 'sil-b', min(60), entry);
      await s.setSilence(older.id, 'sil-a', min(-5), entry);
      await s.setSilence(closed.id, 'sil-c', min(60), entry);
      await s.resolve(closed.id, min(2), [], []);
      const ids = (await s.silencedOpen()).map((i) => i.id).filter((id) => [older.id, newer.id, unsilenced.id, closed.id].includes(id));
      expect(ids).toEqual([older.id, newer.id]);
    });

    it('lets exactly one of racing acknowledgements, escalations and resolves through', async () => {
      const s = store;
      const { id } = await s.open(incident({ groupKey: 'g-race' }));
      const entry = { at: min(10), kind: 'escalation' as const, text: 'level 1', by: null };
      const escalated = await Promise.all(Array.from({ length: 4 }, () => s.escalate(id, 0, entry)));
      expect(escalated.filter(Boolean)).toHaveLength(1);
      const acked = await Promise.all(['alice', 'bob', 'carol'].map((p) => s.acknowledge(id, p, min(11))));
      expect(acked.filter((a) => a !== null)).toHaveLength(1);
      const resolved = await Promise.all(Array.from({ length: 3 }, () => s.resolve(id, min(12), [], [])));
      expect(resolved.filter((r) => r !== null)).toHaveLength(1);
      const got = await s.get(id);
      expect(got!.timeline.map((e) => e.kind)).toEqual(['opened', 'escalation', 'ack']);
    });
  });
}
