import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DeploymentNotFoundError,
  DuplicateDeploymentError,
  PrismaDeploymentStore,
} from '../../../src/adapters/prisma/deployment.repository.js';
import type { NewDeployment } from '../../../src/core/ports/deployment.port.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { at, deployment, deploymentStoreContract } from '../../contracts/deployment-store.contract.js';

let db: TestDatabase;
let store: PrismaDeploymentStore;

beforeAll(async () => {
  db = await createTestDatabase('deployment');
  store = new PrismaDeploymentStore(db.prisma);
});
afterAll(() => db?.drop());
beforeEach(() => db.pool.query('TRUNCATE deployment RESTART IDENTITY'));

/** A finished record: started at `minute`, ended with `status` one minute later. */
async function ran(minute: number, version: string, status: 'succeeded' | 'failed', over: Partial<NewDeployment> = {}) {
  const d = await store.start(deployment({ actionId: `A${minute}v${version}`, version, startedAt: at(minute), ...over }));
  await store.finish(d.id, status, at(minute + 1));
  return d;
}

describe('PrismaDeploymentStore', () => {
  it('starts a running record and reads it back with its steps and final status', async () => {
    const d = await store.start(deployment());
    expect(d).toEqual({ ...deployment(), id: '1', status: 'running', finishedAt: null, steps: [] });

    await store.step(d.id, 'pulled registry.local/shop/api:1.5.0', at(1));
    await store.step(d.id, 'replaced shop-api-1', at(2));
    await store.finish(d.id, 'succeeded', at(3), 'healthy after 12 s');

    const [stored] = await store.recent({ limit: 1 });
    expect(stored).toEqual({
      ...d,
      status: 'succeeded',
      finishedAt: at(3),
      steps: [
        { at: at(1), text: 'pulled registry.local/shop/api:1.5.0' },
        { at: at(2), text: 'replaced shop-api-1' },
        { at: at(3), text: 'healthy after 12 s' },
      ],
    });
  });

  it('fails a second start of the same action and service with DuplicateDeploymentError', async () => {
    await store.start(deployment());
    const again = store.start(deployment({ startedAt: at(1) }));
    await expect(again).rejects.toBeInstanceOf(DuplicateDeploymentError);
    await expect(again).rejects.toMatchObject({ actionId: 'Act000000001', service: 'api' });
    await expect(store.start(deployment({ service: 'worker' }))).resolves.toMatchObject({ service: 'worker' });
  });

  it('lets exactly one of concurrent starts of the same action through', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.start(deployment())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(errors.every((e) => e instanceof DuplicateDeploymentError)).toBe(true);
  });

  it('keeps every step appended concurrently', async () => {
    const d = await store.start(deployment());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.step(d.id, `step ${i}`, at(i))));
    const [stored] = await store.recent({ limit: 1 });
    expect(stored!.steps.map((s) => s.text).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `step ${i}`).sort());
  });

  it('lets the first finish win and ignores a repeated one', async () => {
    const d = await store.start(deployment());
    await store.finish(d.id, 'failed', at(2), 'health check failed');
    await store.finish(d.id, 'succeeded', at(3), 'retried job');
    const [stored] = await store.recent({ limit: 1 });
    expect(stored).toMatchObject({ status: 'failed', finishedAt: at(2) });
    expect(stored!.steps.map((s) => s.text)).toEqual(['health check failed']);
    expect(await store.running()).toEqual([]);
  });

  it('reports unknown or malformed ids as DeploymentNotFoundError', async () => {
    await expect(store.step('999', 'x', at(0))).rejects.toBeInstanceOf(DeploymentNotFoundError);
    await expect(store.finish('999', 'failed', at(0))).rejects.toBeInstanceOf(DeploymentNotFoundError);
    await expect(store.step('1; DROP TABLE deployment', 'x', at(0))).rejects.toBeInstanceOf(DeploymentNotFoundError);
  });

  it('rejects invalid records and statuses', async () => {
    await expect(store.start(deployment({ kind: 'delete' as NewDeployment['kind'] }))).rejects.toThrow();
    await expect(store.start(deployment({ version: '' }))).rejects.toThrow();
    const d = await store.start(deployment());
    await expect(store.finish(d.id, 'running' as 'failed', at(1))).rejects.toThrow();
  });

  it('lists recent records newest first, filtered and limited', async () => {
    await ran(0, '1.0.0', 'succeeded');
    await ran(10, '1.1.0', 'failed');
    await ran(20, '2.0.0', 'succeeded', { env: 'staging' });
    await ran(30, '3.0.0', 'succeeded', { service: 'worker' });

    expect((await store.recent({ limit: 10 })).map((d) => d.version)).toEqual(['3.0.0', '2.0.0', '1.1.0', '1.0.0']);
    expect((await store.recent({ limit: 2 })).map((d) => d.version)).toEqual(['3.0.0', '2.0.0']);
    expect((await store.recent({ env: 'prod', limit: 10 })).map((d) => d.version)).toEqual(['3.0.0', '1.1.0', '1.0.0']);
    expect((await store.recent({ env: 'prod', service: 'api', limit: 10 })).map((d) => d.version)).toEqual(['1.1.0', '1.0.0']);
    await expect(store.recent({ limit: 0 })).rejects.toThrow();
  });

  it('picks the newest succeeded other version of the same service as the rollback target', async () => {
    await ran(0, '1.0.0', 'succeeded');
    await ran(10, '1.1.0', 'succeeded');
    await ran(20, '1.2.0', 'failed');
    await ran(30, '9.9.9', 'succeeded', { env: 'staging' });
    await ran(40, '8.8.8', 'succeeded', { service: 'worker' });
    await ran(50, '1.3.0', 'succeeded');
    await ran(60, '1.3.0', 'succeeded', { kind: 'restart' });

    expect((await store.previousSucceeded('shop', 'prod', 'api', '1.3.0'))?.version).toBe('1.1.0');
    expect((await store.previousSucceeded('shop', 'prod', 'api', '1.1.0'))?.version).toBe('1.3.0');
    expect(await store.previousSucceeded('shop', 'prod', 'web', '1.0.0')).toBeNull();
  });

  it('finds the last succeeded deploy or rollback of the service started strictly before a time', async () => {
    await ran(0, '1.0.0', 'succeeded');
    await ran(10, '1.1.0', 'succeeded', { kind: 'rollback' });
    await ran(20, '1.2.0', 'failed');
    await ran(25, '1.1.0', 'succeeded', { kind: 'restart' });
    await ran(26, '7.7.7', 'succeeded', { env: 'staging' });
    await ran(27, '8.8.8', 'succeeded', { service: 'worker' });
    await ran(30, '1.3.0', 'succeeded');
    const q = { project: 'shop', env: 'prod', service: 'api' };

    expect((await store.lastSucceededBefore({ ...q, before: at(29) }))?.version).toBe('1.1.0');
    expect((await store.lastSucceededBefore({ ...q, before: at(30) }))?.version).toBe('1.1.0');
    expect((await store.lastSucceededBefore({ ...q, before: at(31) }))?.version).toBe('1.3.0');
    expect((await store.lastSucceededBefore({ ...q, before: at(5) }))?.version).toBe('1.0.0');
    expect(await store.lastSucceededBefore({ ...q, before: at(0) })).toBeNull();
  });

  it('lists running records oldest first', async () => {
    const a = await store.start(deployment({ actionId: 'a', startedAt: at(5) }));
    const b = await store.start(deployment({ actionId: 'b', startedAt: at(1) }));
    await ran(2, '0.9.0', 'succeeded');
    expect((await store.running()).map((d) => d.id)).toEqual([b.id, a.id]);
  });

  it('lists records of a project finished in [from, to], newest finished first, by environment and kind', async () => {
    await ran(0, '1.0.0', 'succeeded'); // finished at 1
    await ran(10, '1.1.0', 'failed'); // finished at 11
    const slow = await store.start(deployment({ actionId: 'slow', version: '1.2.0', startedAt: at(5) }));
    await store.finish(slow.id, 'rolled_back', at(15));
    await ran(20, '9.0.0', 'succeeded', { env: 'staging' }); // 21
    await ran(22, '1.1.0', 'succeeded', { kind: 'restart' }); // 23
    await ran(24, '7.0.0', 'succeeded', { project: 'billing' }); // 25
    await store.start(deployment({ actionId: 'running', version: '1.3.0', startedAt: at(26) }));
    const versions = async (q: Partial<Parameters<PrismaDeploymentStore['finishedBetween']>[0]>) =>
      (await store.finishedBetween({ project: 'shop', from: at(1), to: at(23), limit: 10, ...q })).map((d) => d.version);

    expect(await versions({})).toEqual(['1.1.0', '9.0.0', '1.2.0', '1.1.0', '1.0.0']);
    expect(await versions({ kinds: ['deploy', 'rollback'] })).toEqual(['9.0.0', '1.2.0', '1.1.0', '1.0.0']);
    expect(await versions({ envs: ['prod'], kinds: ['deploy'], limit: 1 })).toEqual(['1.2.0']);
    expect(await versions({ from: at(2), to: at(14) })).toEqual(['1.1.0']);
    expect(await versions({ envs: ['qa'] })).toEqual([]);
    await expect(versions({ from: at(5), to: at(4) })).rejects.toThrow('from must not be after to');
  });
});

deploymentStoreContract(async () => {
  await db.pool.query('TRUNCATE deployment RESTART IDENTITY');
  return new PrismaDeploymentStore(db.prisma);
});
