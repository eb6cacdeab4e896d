import { describe, expect, it } from 'vitest';
import { sampleUsage, toSample } from '../../../../src/core/cost/usage-sampler.js';
import type { ContainerInfo, Runtime, UnitUsage } from '../../../../src/core/ports/runtime.port.js';
import type { ServiceSpec } from '../../../../src/core/domain/catalog.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { MemoryUsageStore } from '../../../fakes/memory-usage.js';

const T = new Date('2026-11-23T12:00:00Z');
const at = (s: number) => new Date(T.getTime() + s * 1000);
const spec: ServiceSpec = { name: 'api', project: 'shop', env: 'prod', host: 'docker-1', selector: { name: 'api' } };
const unit = (over: Partial<ContainerInfo> = {}): ContainerInfo => ({ id: 'c1', name: 'api', image: 'reg/api:1', imageId: 'sha256:1', version: '1', state: 'running', health: 'healthy', startedAt: at(-600), restartCount: 0, labels: {}, ...over });
const read = (over: Partial<UnitUsage> = {}): UnitUsage => ({ unitId: 'c1', readAt: at(0), cpuTotalNs: 0, memoryBytes: 100, storageBytes: 200, imageCreatedAt: null, ...over });

describe('a reading as a sample', () => {
  it('takes CPU cores from the counter growth since the previous reading, and the restarts since then', () => {
    const mark = { host: 'docker-1', unitId: 'c1', readAt: at(-300), cpuTotalNs: 100e9, restartCount: 1 };
    const s = toSample(T, unit({ restartCount: 3, health: 'unhealthy' }), spec, read({ cpuTotalNs: 250e9 }), mark, 300_000);
    expect(s).toMatchObject({ seconds: 300, restarts: 2, unhealthy: true, memoryBytes: 100, storageBytes: 200, project: 'shop', env: 'prod', service: 'api' });
    expect(s.cpuCores).toBeCloseTo(0.5, 9); // 150 s of CPU in 300 s
  });

  it('without a recent reading, stands for one interval at the average since the unit started', () => {
    const first = toSample(T, unit(), spec, read({ cpuTotalNs: 60e9 }), undefined, 300_000);
    expect(first).toMatchObject({ seconds: 300, restarts: 0 });
    expect(first.cpuCores).toBeCloseTo(0.1, 9); // 60 s of CPU in the 600 s since it started
    const stale = { host: 'docker-1', unitId: 'c1', readAt: at(-3600), cpuTotalNs: 0, restartCount: 0 };
    expect(toSample(T, unit(), spec, read({ cpuTotalNs: 60e9 }), stale, 300_000).seconds).toBe(300);
  });

  it('a counter that went back (a new container under the same id) falls back to the average since start', () => {
    const mark = { host: 'docker-1', unitId: 'c1', readAt: at(-300), cpuTotalNs: 500e9, restartCount: 0 };
    expect(toSample(T, unit({ startedAt: at(-60) }), spec, read({ cpuTotalNs: 30e9 }), mark, 300_000).cpuCores).toBeCloseTo(0.5, 9);
  });
});

describe('a reading with a rate', () => {
  it('takes the cores the runtime measured as the interval\'s average, whatever the counter says', () => {
    const mark = { host: 'k8s', unitId: 'c1', readAt: at(-300), cpuTotalNs: 0, restartCount: 2 };
    const s = toSample(T, unit({ restartCount: 5 }), spec, read({ cpuTotalNs: 0, cpuCores: 0.75 }), mark, 300_000);
    expect(s).toMatchObject({ seconds: 300, restarts: 3, cpuCores: 0.75 });
    // A first reading too: no counter to divide, the rate stands for one interval.
    expect(toSample(T, unit({ startedAt: null }), spec, read({ cpuCores: 0.2 }), undefined, 300_000)).toMatchObject({ seconds: 300, cpuCores: 0.2 });
  });
});

describe('a sampler run', () => {
  it('reads running units of hosts that report use, skips hosts that cannot, and remembers the readings', async () => {
    const reading: Runtime['usage'] = async (ids) => ids.map((id) => read({ unitId: id, cpuTotalNs: 30e9 }));
    const docker = { host: 'docker-1', find: async () => [[unit(), unit({ id: 'c2', state: 'exited' })]], usage: reading } as unknown as Runtime;
    const kube = { host: 'k8s', find: async () => [[unit({ id: 'p1' })]] } as unknown as Runtime;
    const usage = new MemoryUsageStore();
    const catalog = { projects: [{ name: 'shop', environments: [{ name: 'prod', project: 'shop', production: true, requireApproval: true, services: [spec, { ...spec, name: 'web', host: 'k8s' }] }] }] };
    const run = await sampleUsage({ catalog, runtimes: { get: (h) => (h === 'k8s' ? kube : docker), hosts: () => ['docker-1', 'k8s'] }, usage, sampleEveryMs: 300_000, logger: silentLogger, timeoutMs: 1000 }, T);
    expect(run).toEqual({ sampled: 1, skipped: ['k8s'], failed: [] });
    expect([...usage.samples.values()].map((s) => s.unitId)).toEqual(['c1']);
    expect((await usage.marks('docker-1', ['c1'])).get('c1')).toEqual({ host: 'docker-1', unitId: 'c1', readAt: at(0), cpuTotalNs: 30e9, restartCount: 0 });
  });

  it('logs a host that fails and still samples the others', async () => {
    const broken = { host: 'b', find: async () => Promise.reject(new Error('down')), usage: async () => [] } as unknown as Runtime;
    const run = await sampleUsage({ catalog: { projects: [{ name: 'shop', environments: [{ name: 'prod', project: 'shop', production: true, requireApproval: true, services: [{ ...spec, host: 'b' }] }] }] }, runtimes: { get: () => broken, hosts: () => ['b'] }, usage: new MemoryUsageStore(), sampleEveryMs: 300_000, logger: silentLogger, timeoutMs: 1000 }, T);
    expect(run).toEqual({ sampled: 0, skipped: [], failed: ['b'] });
  });
});
