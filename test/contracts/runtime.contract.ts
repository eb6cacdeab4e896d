import { beforeAll, describe, expect, it } from 'vitest';
import type { ContainerSelector } from '../../src/core/domain/catalog.js';
import type { HealthSettings, Runtime } from '../../src/core/ports/runtime.port.js';

/** What the contract runs on: a runtime, images that behave as named, and a way to start services. */
export interface RuntimeWorld {
  runtime: Runtime;
  images: {
    /** What a fresh service runs (version `currentVersion`). */
    current: string;
    currentVersion: string;
    /** A healthy other version. */
    next: string;
    nextVersion: string;
    /** Starts, but never gets healthy. */
    unhealthy: string;
    /** Cannot be pulled. */
    missing: string;
  };
  health: HealthSettings;
  /** Starts a fresh service of `count` units on `images.current`, each with env `CONTRACT=yes`. */
  service(count: number): Promise<{ selector: ContainerSelector; units: string[] }>;
  /** Leaves a rollout of `unit` to `images.next` half-done, as a crash in the middle of it would. */
  interrupt(unit: string): Promise<void>;
  /** A line every unit of a fresh service has logged, when the world's units log one. */
  loggedLine?: string;
}

/**
 * The Runtime contract, run against the in-memory fake (unit) and the Docker runtime on Podman
 * (integration): what an operator asks of any runtime, whatever its kind.
 */
export function runtimeContract(make: () => Promise<RuntimeWorld>, timeoutMs = 5_000): void {
  describe('Runtime contract', () => {
    let w: RuntimeWorld;
    beforeAll(async () => {
      w = await make();
    }, 120_000);

    const running = async (selector: ContainerSelector) => {
      const [units] = await w.runtime.find([selector]);
      return (units ?? []).map((u) => `${u.name} ${u.image} ${u.state}`);
    };
    const progress = () => {
      const lines: string[] = [];
      return { lines, sink: async (text: string) => void lines.push(text) };
    };

    it('answers a ping', async () => {
      await expect(w.runtime.ping()).resolves.toBeUndefined();
    });

    it('finds the units of a service by selector, by name, with one revision, their env and logs', async () => {
      const { selector, units } = await w.service(2);
      const [found, none] = await w.runtime.find([selector, { name: 'no-such-unit-anywhere' }]);
      expect(found!.map((u) => u.name)).toEqual([...units].sort());
      expect(found!.every((u) => u.image === w.images.current && u.state === 'running')).toBe(true);
      expect(new Set(found!.map((u) => u.imageId)).size).toBe(1);
      expect(found![0]!.version).toBe(w.images.currentVersion);
      expect(none).toEqual([]);
      expect(await w.runtime.env(found![0]!.id)).toMatchObject({ CONTRACT: 'yes' });
      const lines = await w.runtime.logs(found![0]!.id, { tail: 10 });
      expect(Array.isArray(lines)).toBe(true);
      if (w.loggedLine) expect(lines.map((l) => l.text)).toContain(w.loggedLine);
    }, timeoutMs);

    const request = (units: string[], image: string, version: string) => ({ targets: [{ service: 'web', units, image, version }], health: w.health });
    /** Prepares and rolls `units` out to `images.next`; the rollout must succeed. */
    const rolledOut = async (units: string[], sink: (text: string) => Promise<void> = async () => {}) => {
      expect(await w.runtime.prepare(request(units, w.images.next, w.images.nextVersion), sink)).toEqual({ ok: true });
      const result = await w.runtime.rollout(request(units, w.images.next, w.images.nextVersion), sink);
      if (result.status !== 'succeeded') throw new Error(`rollout did not succeed: ${result.result}`);
      return result;
    };
    const imageIds = async (selector: ContainerSelector) => ((await w.runtime.find([selector]))[0] ?? []).map((u) => `${u.name} ${u.imageId}`);

    it('rolls a service out to a healthy image one unit at a time, under the same names, and commits it', async () => {
      const { selector, units } = await w.service(2);
      const p = progress();
      const result = await rolledOut(units, p.sink);
      expect(result.changed).toBe(2);
      await result.commit();
      expect(await running(selector)).toEqual([...units].sort().map((u) => `${u} ${w.images.next} running`));
      const [a, b] = [...units];
      expect(p.lines.indexOf(`Replacing 1/2: ${a} → ${w.images.nextVersion}…`)).toBeGreaterThanOrEqual(0);
      expect(p.lines.indexOf(`Replacing 2/2: ${b} → ${w.images.nextVersion}…`)).toBeGreaterThan(p.lines.findIndex((l) => l.startsWith(`${a} healthy (`)));
    }, timeoutMs * 4);

    it('puts every unit back when one does not get healthy, and reports rolled_back', async () => {
      const { selector, units } = await w.service(2);
      const before = await w.runtime.find([selector]);
      const p = progress();
      expect(await w.runtime.prepare(request(units, w.images.unhealthy, 'bad'), p.sink)).toEqual({ ok: true });
      const result = await w.runtime.rollout(request(units, w.images.unhealthy, 'bad'), p.sink);
      expect(result).toMatchObject({ status: 'rolled_back', restored: 1, problems: [] });
      expect(result.status !== 'succeeded' && result.result).toMatch(/Rolled back: 1 (container|workload) restored to the previous image\.$/);
      expect(await running(selector)).toEqual([...units].sort().map((u) => `${u} ${w.images.current} running`));
      const after = await w.runtime.find([selector]);
      expect(after[0]!.map((u) => u.imageId)).toEqual(before[0]!.map((u) => u.imageId));
    }, timeoutMs * 6);

    it('touches nothing when an image cannot be fetched in prepare, and says so', async () => {
      const { selector, units } = await w.service(1);
      const before = await w.runtime.find([selector]);
      const result = await w.runtime.prepare(request(units, w.images.missing, 'missing'), async () => {});
      expect(result.ok).toBe(false);
      expect(!result.ok && result.result).toMatch(/^Stopped before touching any (container|workload): /);
      expect((await w.runtime.find([selector]))[0]!.map((u) => `${u.id} ${u.state}`)).toEqual(before[0]!.map((u) => `${u.id} ${u.state}`));
      expect(await w.runtime.recover([{ service: 'web', units }])).toEqual({ restored: 0, problems: [] });
    }, timeoutMs * 2);

    it('undoes a successful rollout: every unit runs its previous image again', async () => {
      const { selector, units } = await w.service(2);
      const before = await imageIds(selector);
      const result = await rolledOut(units);
      const p = progress();
      expect(await result.undo(p.sink)).toEqual({ restored: 2, problems: [] });
      expect(await imageIds(selector)).toEqual(before);
      expect(await running(selector)).toEqual([...units].sort().map((u) => `${u} ${w.images.current} running`));
      expect(await w.runtime.recover([{ service: 'web', units }])).toEqual({ restored: 0, problems: [] });
    }, timeoutMs * 6);

    it('leaves a rollout neither committed nor undone for recover, and a committed one not', async () => {
      const { selector, units } = await w.service(2);
      const before = await imageIds(selector);
      await rolledOut(units);
      expect(await w.runtime.recover([{ service: 'web', units }])).toEqual({ restored: 2, problems: [] });
      expect(await imageIds(selector)).toEqual(before);

      const committed = await w.service(1);
      await (await rolledOut(committed.units)).commit();
      expect(await w.runtime.recover([{ service: 'web', units: committed.units }])).toEqual({ restored: 0, problems: [] });
      expect(await running(committed.selector)).toEqual([`${committed.units[0]} ${w.images.next} running`]);
    }, timeoutMs * 8);

    it('reports what every unit of a service uses, when the runtime reports use', async (ctx) => {
      if (!w.runtime.usage) return ctx.skip();
      const { selector } = await w.service(2);
      const ids = ((await w.runtime.find([selector]))[0] ?? []).map((u) => u.id);
      expect(ids).toHaveLength(2);
      const reads = await w.runtime.usage(ids);
      expect(reads.map((r) => r.unitId).sort()).toEqual([...ids].sort());
      for (const r of reads) {
        // A running unit holds some memory; CPU comes as a counter or as a rate, never negative.
        expect(r.memoryBytes).toBeGreaterThan(0);
        expect(r.storageBytes).toBeGreaterThanOrEqual(0);
        expect(r.cpuTotalNs).toBeGreaterThanOrEqual(0);
        if (r.cpuCores !== undefined) expect(r.cpuCores).toBeGreaterThanOrEqual(0);
        expect(Number.isNaN(r.readAt.getTime())).toBe(false);
      }
      expect(await w.runtime.usage([])).toEqual([]);
    }, timeoutMs);

    it('restarts every unit, each healthy again, on the same image', async () => {
      const { selector, units } = await w.service(2);
      const p = progress();
      const result = await w.runtime.restart({ targets: [{ service: 'web', units }], health: w.health }, p.sink);
      expect(result).toEqual({ status: 'succeeded', changed: 2 });
      expect(p.lines.filter((l) => l.startsWith('Restarting '))).toHaveLength(2);
      expect(await running(selector)).toEqual([...units].sort().map((u) => `${u} ${w.images.current} running`));
    }, timeoutMs * 4);

    it('recovers a rollout cut short: the unit runs its previous image again, and a second recovery finds nothing', async () => {
      const { selector, units } = await w.service(2);
      await w.interrupt(units[0]!);
      expect(await w.runtime.recover([{ service: 'other', units: ['not-this-service'] }])).toEqual({ restored: 0, problems: [] });
      expect(await w.runtime.recover([{ service: 'web', units }])).toEqual({ restored: 1, problems: [] });
      expect(await running(selector)).toEqual([...units].sort().map((u) => `${u} ${w.images.current} running`));
      expect(await w.runtime.recover([{ service: 'web', units }])).toEqual({ restored: 0, problems: [] });
    }, timeoutMs * 2);
  });
}
