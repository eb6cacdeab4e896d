import { describe, expect, it } from 'vitest';
import { coreHarness } from '../../../support/core-harness.js';

const ALICE = { user: '1001' }; // admin of shop
const DAVE = { user: '1004' }; // operator of shop
const LABELS = { app: 'shop-api', env: 'prod' };
const IMAGE = 'reg/shop/api:1.4.2';

function seed(h: ReturnType<typeof coreHarness>) {
  const d1 = h.runtimes.get('docker-1');
  for (const name of ['api-1', 'api-2']) d1.add({ name, id: `${name}-id`, labels: LABELS, image: IMAGE, version: '1.4.2' });
  return d1;
}

const REFUSAL = 'api changed since the request (now 1.4.2, was 1.4.2); nothing ran.';

/** A click re-checks the units the plan names, not only the revision (the same images in as many units). */
describe('click on a plan whose units changed but whose revision did not', () => {
  it('refuses when a unit was renamed since the request', async () => {
    const h = coreHarness();
    const d1 = seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    d1.containers.find((c) => c.name === 'api-2')!.name = 'api-2-renamed';

    const reply = await h.click(request, 'Approve', DAVE);

    expect(reply.text).toContain(REFUSAL);
    expect(h.actions.queue.enqueued).toEqual([]);
    expect([...h.actions.pending.rows.values()][0]?.status).toBe('refused');
  });

  it('refuses when a unit was swapped for another of the same image', async () => {
    const h = coreHarness();
    const d1 = seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    d1.containers.splice(d1.containers.findIndex((c) => c.name === 'api-1'), 1);
    d1.add({ name: 'api-3', labels: LABELS, image: IMAGE, version: '1.4.2' });

    const reply = await h.click(request, 'Approve', DAVE);

    expect(reply.text).toContain(REFUSAL);
    expect(h.actions.queue.enqueued).toEqual([]);
  });

  it('runs when the same units were recreated under their names (new ids, same images)', async () => {
    const h = coreHarness();
    const d1 = seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    for (const c of d1.containers) c.id = `${c.name}-recreated`;

    const reply = await h.click(request, 'Approve', DAVE);

    expect(reply.text).toBe('Approved by Dave (requested by Alice); running now. Progress follows here.');
    expect(h.actions.queue.enqueued).toHaveLength(1);
  });
});
