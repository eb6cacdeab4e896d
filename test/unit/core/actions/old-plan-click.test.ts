import { describe, expect, it } from 'vitest';
import { actionPlanSchema } from '../../../../src/adapters/prisma/pending-action.schema.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import { coreHarness } from '../../../support/core-harness.js';

const ALICE = { user: '1001' }; // admin of shop
const DAVE = { user: '1004' }; // operator of shop

function seed(h: ReturnType<typeof coreHarness>) {
  const d1 = h.runtimes.get('docker-1');
  d1.add({ name: 'api-1', id: 'api-1-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  d1.add({ name: 'api-2', id: 'api-2-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  return d1;
}

/**
 * Rewrites the stored plan of the request into the shape plans had before revisions were pinned
 * (container ids and names, no revision), read back through the PostgreSQL row schema as an upgraded
 * bot reads such a row: `revision: null`, the containers' names as units.
 */
function storeInOldShape(h: ReturnType<typeof coreHarness>, request: Reply): void {
  const pendingId = request.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))[0]?.pendingId;
  const row = pendingId ? h.actions.pending.rows.get(pendingId) : undefined;
  if (!row) throw new Error('no pending action for the request');
  const oldShape = {
    ...row.plan,
    services: row.plan.services.map(({ revision: _revision, units, ...rest }) => ({ ...rest, containers: units.map((name) => ({ id: `${name}-id`, name })) })),
  };
  const plan = actionPlanSchema.parse(JSON.parse(JSON.stringify(oldShape)));
  expect(plan.services.map((s) => [s.revision, s.units])).toEqual([[null, ['api-1', 'api-2']]]);
  h.actions.pending.rows.set(row.id, { ...row, plan });
}

describe('click on a plan stored before revisions were pinned', () => {
  it('runs when the same containers still run the planned image', async () => {
    const h = coreHarness();
    seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    storeInOldShape(h, request);

    const reply = await h.click(request, 'Approve', DAVE);

    expect(reply.text).toBe('Approved by Dave (requested by Alice); running now. Progress follows here.');
    expect(h.actions.queue.enqueued).toHaveLength(1);
  });

  it('refuses when a container was added or removed since the request', async () => {
    const h = coreHarness();
    const d1 = seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    storeInOldShape(h, request);
    d1.add({ name: 'api-3', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });

    const reply = await h.click(request, 'Approve', DAVE);

    expect(reply.text).toContain('api changed since the request (now 1.4.2, was 1.4.2); nothing ran.');
    expect(h.actions.queue.enqueued).toEqual([]);
    expect([...h.actions.pending.rows.values()][0]?.status).toBe('refused');
  });

  it('refuses when the same containers run another image', async () => {
    const h = coreHarness();
    const d1 = seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    storeInOldShape(h, request);
    for (const c of d1.containers) Object.assign(c, { image: 'reg/shop/api:1.4.3', version: '1.4.3' });

    const reply = await h.click(request, 'Approve', DAVE);

    expect(reply.text).toContain('api changed since the request (now 1.4.3, was 1.4.2)');
    expect(h.actions.queue.enqueued).toEqual([]);
  });
});
