import { expect, it } from 'vitest';
import type { IncidentAlert, IncidentStore, NewIncident } from '../../../src/core/ports/incident.port.js';

const T0 = new Date('2026-11-23T12:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);

const firing: IncidentAlert = { fingerprint: 'f1', name: 'HighErrorRate', status: 'firing', summary: 'errors', startsAt: T0, endsAt: null };
const incident = (over: Partial<NewIncident> = {}): NewIncident => ({
  project: 'contract',
  groupKey: 'g1',
  title: 'HighErrorRate',
  openedAt: T0,
  alerts: [firing],
  timeline: [{ at: T0, kind: 'opened', text: 'opened', by: null }],
  ...over,
});

/** The IncidentStore contract, run against the in-memory fake and PrismaIncidentStore. */
export function incidentStoreContract(store: () => IncidentStore): void {
  it('opens, finds by group and returns the stored incident', async () => {
    const s = store();
    const opened = await s.open(incident());
    expect(opened).toEqual({ ...incident(), id: expect.any(String), status: 'open', resolvedAt: null });
    expect(await s.get(opened.id)).toEqual(opened);
    expect(await s.findOpen('contract', 'g1')).toEqual(opened);
    expect(await s.findOpen('contract', 'g2')).toBeNull();
    expect(await s.get('nope')).toBeNull();
  });

  it('appends timeline entries and replaces alert states', async () => {
    const s = store();
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
    const s = store();
    const { id } = await s.open(incident({ groupKey: 'g-res' }));
    const done = await s.resolve(id, min(9), [], [{ at: min(9), kind: 'closed', text: 'All alerts resolved', by: null }]);
    expect(done).toMatchObject({ id, status: 'resolved', resolvedAt: min(9) });
    expect(done!.timeline.at(-1)!.kind).toBe('closed');
    expect(await s.resolve(id, min(10), [], [])).toBeNull();
    expect(await s.findOpen('contract', 'g-res')).toBeNull();
  });

  it('latestOpen picks the newest open incident of the given projects', async () => {
    const s = store();
    await s.open(incident({ project: 'lp', groupKey: 'a', openedAt: min(1) }));
    const newer = await s.open(incident({ project: 'lp', groupKey: 'b', openedAt: min(2) }));
    await s.open(incident({ project: 'other', groupKey: 'c', openedAt: min(3) }));
    expect((await s.latestOpen(['lp']))!.id).toBe(newer.id);
    expect(await s.latestOpen(['none'])).toBeNull();
    expect(await s.latestOpen([])).toBeNull();
  });
}
