import { beforeEach, describe, expect, it } from 'vitest';
import type { UsageSample, UsageStore } from '../../src/core/ports/usage.port.js';

const T0 = new Date('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

export const sample = (over: Partial<UsageSample> = {}): UsageSample => ({
  at: at(0),
  host: 'docker-1',
  unitId: 'c1',
  project: 'shop',
  env: 'prod',
  service: 'api',
  seconds: 300,
  cpuCores: 0.5,
  memoryBytes: 2 ** 30,
  storageBytes: 2 * 2 ** 30,
  restarts: 0,
  unhealthy: false,
  imageCreatedAt: null,
  ...over,
});

/**
 * The UsageStore contract, run against the in-memory fake (unit) and PrismaUsageStore (integration).
 * `make` returns an empty store. What the sampler and reports rely on: a run written twice counts once,
 * compaction sums samples into their service's UTC hour (and adds to an hour compacted before), only
 * samples before the cut-off move, daily rows sum hours per UTC day (and count the hours measured), and
 * marks round-trip.
 */
export function usageStoreContract(make: () => Promise<UsageStore>): void {
  describe('UsageStore contract', () => {
    let store: UsageStore;
    beforeEach(async () => {
      store = await make();
    });

    it('counts a run written twice once, and compacts samples into hourly sums', async () => {
      const run = [sample(), sample({ unitId: 'c2', cpuCores: 1.5, restarts: 2, unhealthy: true })];
      await store.record(run, []);
      await store.record(run, []);
      await store.record([sample({ at: at(5), cpuCores: 0.25, imageCreatedAt: new Date('2026-10-01T00:00:00Z') })], []);

      expect(await store.compact(new Date('2026-12-01T11:00:00Z'))).toBe(3);
      const days = await store.daily({ projects: ['shop'], from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-02T00:00:00Z') });

      expect(days).toEqual([
        {
          project: 'shop', env: 'prod', service: 'api', day: new Date('2026-12-01T00:00:00Z'),
          seconds: 900,
          hours: 1,
          cpuCoreSeconds: 0.5 * 300 + 1.5 * 300 + 0.25 * 300,
          memoryByteSeconds: 3 * 300 * 2 ** 30,
          storageByteSeconds: 3 * 300 * 2 * 2 ** 30,
          maxCpuCores: 1.5,
          restarts: 2,
          unhealthySeconds: 300,
          imageCreatedAt: new Date('2026-10-01T00:00:00Z'),
        },
      ]);
    });

    it('moves only samples before the cut-off, and adds later ones of the same hour to its row', async () => {
      await store.record([sample({ at: at(10) }), sample({ at: at(70) })], []);
      expect(await store.compact(at(60))).toBe(1);
      const range = { projects: ['shop'], from: T0, to: new Date('2026-12-02T00:00:00Z') };
      expect((await store.daily(range))[0]?.seconds).toBe(300);

      await store.record([sample({ at: at(20) })], []); // a late run of the compacted hour
      expect(await store.compact(at(120))).toBe(2);
      expect((await store.daily(range))[0]?.seconds).toBe(900);
      // Minutes 10, 20 (one hour) and 70 (the next): the day was measured in two of its hours.
      expect((await store.daily(range))[0]?.hours).toBe(2);
      expect(await store.compact(at(120))).toBe(0);
    });

    it('sums per UTC day, per service, only of the projects and days asked for', async () => {
      await store.record(
        [
          sample({ at: new Date('2026-11-30T23:30:00Z') }),
          sample({ at: new Date('2026-12-01T00:30:00Z') }),
          sample({ at: new Date('2026-12-01T00:30:00Z'), unitId: 'w1', service: 'web' }),
          sample({ at: new Date('2026-12-01T00:30:00Z'), unitId: 'b1', project: 'billing' }),
        ],
        [],
      );
      await store.compact(new Date('2026-12-02T00:00:00Z'));
      const days = await store.daily({ projects: ['shop'], from: new Date('2026-12-01T05:00:00Z'), to: new Date('2026-12-03T00:00:00Z') });
      expect(days.map((d) => [d.day.toISOString().slice(0, 10), d.project, d.service])).toEqual([
        ['2026-12-01', 'shop', 'api'],
        ['2026-12-01', 'shop', 'web'],
      ]);
      expect(await store.daily({ projects: [], from: T0, to: at(60 * 48) })).toEqual([]);
    });

    it('keeps the last reading of each unit per host', async () => {
      await store.record([], [{ host: 'docker-1', unitId: 'c1', readAt: at(0), cpuTotalNs: 5e9, restartCount: 1 }]);
      await store.record([], [{ host: 'docker-1', unitId: 'c1', readAt: at(5), cpuTotalNs: 8e9, restartCount: 2 }]);
      await store.record([], [{ host: 'docker-2', unitId: 'c1', readAt: at(5), cpuTotalNs: 1, restartCount: 0 }]);

      const marks = await store.marks('docker-1', ['c1', 'gone']);
      expect([...marks.entries()]).toEqual([['c1', { host: 'docker-1', unitId: 'c1', readAt: at(5), cpuTotalNs: 8e9, restartCount: 2 }]]);
    });

    it('never moves a mark back to an older reading (a late or repeated run writes after a newer one)', async () => {
      const newer = { host: 'docker-1', unitId: 'c1', readAt: at(10), cpuTotalNs: 9e9, restartCount: 3 };
      await store.record([], [newer]);
      await store.record([], [{ host: 'docker-1', unitId: 'c1', readAt: at(5), cpuTotalNs: 8e9, restartCount: 2 }]);
      expect((await store.marks('docker-1', ['c1'])).get('c1')).toEqual(newer);
    });

    it('remembers a sent week-over-week warning per project and week', async () => {
      const week = new Date('2026-11-30T00:00:00Z');
      expect(await store.anomalySent('shop', week)).toBe(false);
      await store.markAnomalySent('shop', week);
      await store.markAnomalySent('shop', week);
      expect(await store.anomalySent('shop', week)).toBe(true);
      expect(await store.anomalySent('shop', new Date('2026-12-07T00:00:00Z'))).toBe(false);
      expect(await store.anomalySent('billing', week)).toBe(false);
    });
  });
}
