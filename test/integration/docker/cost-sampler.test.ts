/**
 * The cost sampler against the real engine (Podman) and PostgreSQL: a container burning one CPU core, one
 * holding 40 MB of memory, one idle with 5 MB written to its writable layer. Two runs a few seconds apart
 * turn the CPU counter into cores; compaction moves the readings into hourly rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import { PrismaUsageStore } from '../../../src/adapters/prisma/usage.repository.js';
import { compactUsage, sampleUsage, type SamplerDeps } from '../../../src/core/cost/usage-sampler.js';
import type { ProjectSpec, ServiceSpec } from '../../../src/core/domain/catalog.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { PodmanFixture, requireEngine, waitFor } from '../../support/podman.js';

const MB = 2 ** 20;
let docker: Docker;
let fx: PodmanFixture;
let db: TestDatabase;

const service = (name: string, container: string): ServiceSpec => ({ name, project: 'lab', env: 'test', host: 'podman', selector: { name: container } });

beforeAll(async () => {
  docker = await requireEngine();
  fx = new PodmanFixture(docker, 'cost-sampler');
  db = await createTestDatabase('cost_sampler');
  await Promise.all([
    fx.create({ name: fx.name('burner'), Cmd: ['sh', '-c', 'while :; do :; done'] }),
    fx.create({ name: fx.name('memory'), Cmd: ['sh', '-c', 'head -c 41943040 /dev/zero > /dev/shm/fill && echo filled && sleep 3600'] }),
    fx.create({ name: fx.name('idle'), Cmd: ['sh', '-c', 'head -c 5242880 /dev/zero > /blob && echo written && sleep 3600'] }),
  ]);
}, 60_000);

afterAll(async () => {
  await fx?.cleanup();
  await db?.drop();
});

describe('cost sampler on Podman', () => {
  it('reads CPU cores from the counter, memory held and disk written, and compacts them into the hour', async () => {
    const runtime = new DockerRuntime('podman', docker);
    const project: ProjectSpec = {
      name: 'lab',
      environments: [{ name: 'test', project: 'lab', production: false, requireApproval: false, services: [service('burner', fx.name('burner')), service('memory', fx.name('memory')), service('idle', fx.name('idle'))] }],
    };
    const store = new PrismaUsageStore(db.prisma);
    const deps: SamplerDeps = { catalog: { projects: [project] }, runtimes: { get: () => runtime, hosts: () => ['podman'] }, usage: store, sampleEveryMs: 60_000, logger: silentLogger, timeoutMs: 15_000 };
    // Both fillers have written what they hold once they print.
    for (const name of ['memory', 'idle']) {
      await waitFor(`${name} to fill`, async () => ((await docker.getContainer(fx.name(name)).logs({ stdout: true })).toString().includes('e') ? true : undefined), 20_000);
    }

    const first = new Date();
    expect(await sampleUsage(deps, first)).toEqual({ sampled: 3, skipped: [], failed: [] });
    // The second run's CPU rate is the counter's growth over the time between the two reads.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const second = new Date();
    expect((await sampleUsage(deps, second)).sampled).toBe(3);

    const { rows } = await db.pool.query<{ service: string; cpu_cores: number; memory_bytes: string; storage_bytes: string; seconds: number; image_created_at: Date | null }>(
      'SELECT service, cpu_cores, memory_bytes, storage_bytes, seconds, image_created_at FROM usage_sample WHERE at = $1 ORDER BY service',
      [second],
    );
    const by = Object.fromEntries(rows.map((r) => [r.service, r]));
    // A busy loop gets what a shared 2-core machine leaves it (other suites run beside this one), never
    // more than one core; a sleeping shell gets next to nothing.
    expect(by['burner']!.cpu_cores).toBeGreaterThan(0.1);
    expect(by['burner']!.cpu_cores).toBeLessThan(1.2);
    expect(by['idle']!.cpu_cores).toBeLessThan(0.02);
    expect(by['burner']!.cpu_cores).toBeGreaterThan(10 * by['idle']!.cpu_cores);
    expect(Number(by['memory']!.memory_bytes)).toBeGreaterThan(35 * MB);
    expect(Number(by['idle']!.memory_bytes)).toBeLessThan(20 * MB);
    expect(Number(by['idle']!.storage_bytes)).toBeGreaterThanOrEqual(5 * MB);
    expect(by['burner']!.seconds).toBeGreaterThanOrEqual(2);
    expect(by['burner']!.seconds).toBeLessThanOrEqual(10);
    expect(by['burner']!.image_created_at).toBeInstanceOf(Date);

    // Every sample of the hour moves into one row per service once the hour is over.
    expect(await compactUsage(store, new Date(Date.now() + 3_600_000))).toBe(6);
    const days = await store.daily({ projects: ['lab'], from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 86_400_000) });
    const burner = days.find((d) => d.service === 'burner')!;
    const idle = days.find((d) => d.service === 'idle')!;
    expect(burner.cpuCoreSeconds).toBeGreaterThan(2 * idle.cpuCoreSeconds); // the first reading averages since start, start-up work included
    expect(burner.maxCpuCores).toBeGreaterThan(0.1);
  }, 90_000);

  it('leaves out a container removed between find and the read', async () => {
    const gone = await fx.create({ name: fx.name('gone'), Cmd: ['sleep', '3600'] });
    const { Id } = await gone.inspect();
    await gone.remove({ force: true });
    const runtime = new DockerRuntime('podman', docker);
    expect(await runtime.usage([Id])).toEqual([]);
  }, 30_000);
});
