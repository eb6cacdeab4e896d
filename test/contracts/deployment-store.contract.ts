import { beforeEach, describe, expect, it } from 'vitest';
import type { Deployment, DeploymentStore, NewDeployment } from '../../src/core/ports/deployment.port.js';

/** Fixtures shared with the Prisma-specific tests in test/integration/prisma/deployment.repository.test.ts. */
export const T0 = new Date('2026-07-01T09:00:00Z');
export const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

export const deployment = (over: Partial<NewDeployment> = {}): NewDeployment => ({
  actionId: 'Act000000001',
  kind: 'deploy',
  project: 'shop',
  env: 'prod',
  service: 'api',
  version: '1.5.0',
  image: 'registry.local/shop/api:1.5.0',
  previousVersion: '1.4.0',
  previousImage: 'registry.local/shop/api:1.4.0',
  requestedBy: 'alice',
  approvedBy: 'bob',
  startedAt: T0,
  source: 'deckhand',
  ...over,
});

/**
 * The DeploymentStore contract, run against the in-memory fake (unit) and PrismaDeploymentStore (integration).
 * `make` returns an empty store. What callers rely on: one record per action and service, steps kept in
 * order, the first finish wins (a retried job or recovery cannot rewrite history), the rollback target and
 * the version a late CI status replaced, and the deploy an incident is linked to.
 */
export function deploymentStoreContract(make: () => Promise<DeploymentStore>): void {
  describe('DeploymentStore contract', () => {
    let store: DeploymentStore;
    beforeEach(async () => {
      store = await make();
    });

    /** A finished record: started at `minute`, ended with `status` one minute later. */
    async function ran(minute: number, version: string, status: 'succeeded' | 'failed' | 'rolled_back', over: Partial<NewDeployment> = {}): Promise<Deployment> {
      const d = await store.start(deployment({ actionId: `A${minute}v${version}`, version, startedAt: at(minute), ...over }));
      await store.finish(d.id, status, at(minute + 1));
      return d;
    }

    it('starts a running record and keeps its steps in order with the final one', async () => {
      const d = await store.start(deployment());
      expect(d).toEqual({ ...deployment(), id: expect.stringMatching(/^[0-9]+$/), status: 'running', finishedAt: null, steps: [] });
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

    it('refuses a second start of the same action and service, not of another service', async () => {
      await store.start(deployment());
      await expect(store.start(deployment({ startedAt: at(1) }))).rejects.toThrow();
      await expect(store.start(deployment({ service: 'web' }))).resolves.toMatchObject({ service: 'web', status: 'running' });
      expect(await store.recent({ limit: 10 })).toHaveLength(2);
    });

    it('lets the first finish win: a repeated finish changes neither status, time nor steps', async () => {
      const d = await store.start(deployment());
      await store.finish(d.id, 'failed', at(2), 'health check failed');
      await store.finish(d.id, 'succeeded', at(5), 'retried');
      const [stored] = await store.recent({ limit: 1 });
      expect(stored).toMatchObject({ status: 'failed', finishedAt: at(2), steps: [{ at: at(2), text: 'health check failed' }] });
    });

    it('refuses steps and finishes of a deployment it does not know', async () => {
      await expect(store.step('999999', 'x', at(1))).rejects.toThrow();
      await expect(store.finish('999999', 'failed', at(1))).rejects.toThrow();
    });

    it('lists recent records newest started first (ties: the later record first), filtered and limited', async () => {
      const a = await ran(0, '1.0.0', 'succeeded');
      const b = await ran(5, '1.1.0', 'failed');
      const c = await ran(5, '1.2.0', 'succeeded');
      const web = await ran(7, '2.0.0', 'succeeded', { service: 'web' });
      const staging = await ran(9, '1.3.0', 'succeeded', { env: 'staging' });
      const blog = await ran(11, '0.1.0', 'succeeded', { project: 'blog' });
      expect((await store.recent({ limit: 10 })).map((d) => d.id)).toEqual([blog.id, staging.id, web.id, c.id, b.id, a.id]);
      expect((await store.recent({ project: 'shop', env: 'prod', limit: 10 })).map((d) => d.id)).toEqual([web.id, c.id, b.id, a.id]);
      expect((await store.recent({ project: 'shop', env: 'prod', service: 'api', limit: 2 })).map((d) => d.id)).toEqual([c.id, b.id]);
    });

    it('picks the newest succeeded other version of the service as the rollback target', async () => {
      const old = await ran(0, '1.3.0', 'succeeded');
      await ran(1, '1.4.0', 'failed');
      await ran(2, '1.3.5', 'rolled_back');
      await ran(3, '1.5.0', 'succeeded');
      await ran(4, '9.9.9', 'succeeded', { env: 'staging' });
      await ran(5, '9.9.8', 'succeeded', { service: 'web' });
      expect((await store.previousSucceeded('shop', 'prod', 'api', '1.5.0'))?.id).toBe(old.id);
      expect((await store.previousSucceeded('shop', 'prod', 'api', '1.3.0'))?.version).toBe('1.5.0');
      expect(await store.previousSucceeded('shop', 'prod', 'worker', '1.5.0')).toBeNull();
    });

    it('finds the last succeeded deploy or rollback started strictly before a time, restarts excluded', async () => {
      const deploy = await ran(0, '1.3.0', 'succeeded');
      await ran(2, '1.4.0', 'failed');
      await ran(3, '1.3.0', 'succeeded', { kind: 'restart' });
      const rollback = await ran(4, '1.2.0', 'succeeded', { kind: 'rollback' });
      await ran(6, '1.6.0', 'succeeded');
      const q = { project: 'shop', env: 'prod', service: 'api' };
      expect((await store.lastSucceededBefore({ ...q, before: at(4) }))?.id).toBe(deploy.id);
      expect((await store.lastSucceededBefore({ ...q, before: at(5) }))?.id).toBe(rollback.id);
      expect(await store.lastSucceededBefore({ ...q, before: at(0) })).toBeNull();
    });

    it('lists running records oldest first', async () => {
      const later = await store.start(deployment({ actionId: 'A2', startedAt: at(2) }));
      const first = await store.start(deployment({ actionId: 'A1', startedAt: at(1) }));
      const done = await store.start(deployment({ actionId: 'A0', startedAt: at(0) }));
      await store.finish(done.id, 'succeeded', at(1));
      expect((await store.running()).map((d) => d.id)).toEqual([first.id, later.id]);
    });

    it('lists records of a project finished in [from, to], newest finished first, by environment and kind', async () => {
      const before = await ran(0, '1.0.0', 'succeeded');
      const a = await ran(10, '1.1.0', 'failed');
      const b = await ran(20, '1.2.0', 'succeeded', { env: 'staging' });
      const r = await ran(25, '1.2.0', 'succeeded', { kind: 'restart' });
      const c = await ran(30, '1.3.0', 'succeeded');
      await store.start(deployment({ actionId: 'running', startedAt: at(31) }));
      await ran(15, '0.1.0', 'succeeded', { project: 'blog' });
      const q = { project: 'shop', from: at(11), to: at(31), limit: 10 };
      expect((await store.finishedBetween(q)).map((d) => d.id)).toEqual([c.id, r.id, b.id, a.id]);
      expect((await store.finishedBetween({ ...q, envs: ['prod'], kinds: ['deploy'] })).map((d) => d.id)).toEqual([c.id, a.id]);
      expect((await store.finishedBetween({ ...q, limit: 1 })).map((d) => d.id)).toEqual([c.id]);
      expect((await store.finishedBetween({ ...q, from: at(1), to: at(1) })).map((d) => d.id)).toEqual([before.id]);
    });
  });
}
