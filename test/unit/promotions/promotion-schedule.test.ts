/**
 * "Schedule for tonight" on a promotion plan: shown only where the project has a release window; the click
 * collects the approval now (four-eyes as for Promote now) and schedules the promotion for the window's
 * next opening in the project's time zone through the scheduled-actions facility; at that time it runs the
 * promotion runner like any confirmed action.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScheduledAction } from '../../../src/core/actions/scheduled-actions.js';
import { nextLocalTime } from '../../../src/core/promotions/release-window.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { coreHarness } from '../../support/core-harness.js';

const ALICE = { user: '1001' }; // admin of shop
const DAVE = { user: '1004' }; // operator of shop
const promotion = { images: { exists: async () => ({ status: 'present' as const }) }, keys: { key: async () => new Uint8Array(32) }, soakMs: 3_600_000 };

function configWith(releaseWindow: boolean): URL {
  const base = readFileSync(new URL('../../fixtures/config/core.yaml', import.meta.url), 'utf8');
  const yaml = releaseWindow ? base.replace('    description: The web shop\n', '    description: The web shop\n    releaseWindow: "22:00"\n') : base;
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-release-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return pathToFileURL(join(dir, 'config.yaml'));
}

/** api 1.5 in staging (running two days), 1.4 in prod; the clock is Monday 2026-11-23 12:00 UTC (13:00 Berlin). */
function harness(releaseWindow = true) {
  const h = coreHarness({ configFile: configWith(releaseWindow), promotion });
  const rt = h.runtimes.get('docker-1');
  rt.add({ name: 'api-s', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.5', version: '1.5', health: 'healthy' });
  rt.add({ name: 'api-p', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4', version: '1.4' });
  return h;
}

const labels = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons.map((x) => x.label) : []));

describe('Schedule for tonight', () => {
  it('finds the next opening of the window in the project’s time zone', () => {
    expect(nextLocalTime(new Date('2026-11-23T12:00:00Z'), '22:00', 'Europe/Berlin')).toEqual(new Date('2026-11-23T21:00:00Z'));
    expect(nextLocalTime(new Date('2026-11-23T21:30:00Z'), '22:00', 'Europe/Berlin')).toEqual(new Date('2026-11-24T21:00:00Z'));
    // Across the spring clock change 22:00 local stays 22:00 local.
    expect(nextLocalTime(new Date('2026-03-28T22:00:00Z'), '22:00', 'Europe/Berlin')).toEqual(new Date('2026-03-29T20:00:00Z'));
  });

  it('is offered only where the project has a release window', async () => {
    expect(labels(await harness(false).say('promote shop staging prod', DAVE))).toEqual(['Promote now', 'Cancel']);
    const offered = await harness().say('promote shop staging prod', DAVE);
    expect(labels(offered)).toEqual(['Promote now', 'Schedule for tonight', 'Cancel']);
    expect(offered.text).toMatch(/Tonight: Mon 23 Nov 22:00 GMT\+1 \(release window\)/);
  });

  it('collects the approval now (four-eyes) and runs the promotion at the window', async () => {
    const h = harness();
    const request = await h.say('promote shop staging prod', DAVE);
    const id = request.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))[0]!.pendingId;

    expect((await h.click(request, 'Schedule for tonight', DAVE)).text).toMatch(/cannot approve your own request/);
    const scheduled = await h.click(request, 'Schedule for tonight', ALICE);

    expect(scheduled.text).toContain('Approved by Alice (requested by Dave); runs Mon 23 Nov 22:00 GMT+1.');
    expect(await h.actions.pending.get(id)).toMatchObject({ status: 'scheduled', claimedBy: 'alice', runAt: new Date('2026-11-23T21:00:00Z') });
    expect(h.actions.scheduler.jobs.get(id)).toMatchObject({ runAt: new Date('2026-11-23T21:00:00Z') });
    expect(h.actions.queue.enqueued).toEqual([]);

    h.setNow('2026-11-23T21:00:05Z');
    for (const job of h.actions.scheduler.take(h.now())) expect(await runScheduledAction(h.services, job.actionId, job.runAt)).toBe('started');
    expect(h.actions.queue.enqueued).toEqual([id]);
    expect((await h.actions.pending.get(id))?.plan.promotion?.from).toBe('staging');
  });

  /** Dave asks, Alice approves for tonight; returns the action id once scheduled. */
  async function scheduledTonight(h: ReturnType<typeof harness>): Promise<string> {
    const request = await h.say('promote shop staging prod', DAVE);
    const id = request.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))[0]!.pendingId!;
    await h.click(request, 'Schedule for tonight', ALICE);
    expect((await h.actions.pending.get(id))?.status).toBe('scheduled');
    h.setNow('2026-11-23T21:00:05Z');
    return id;
  }

  async function runDue(h: ReturnType<typeof harness>): Promise<string[]> {
    const runs: string[] = [];
    for (const job of h.actions.scheduler.take(h.now())) runs.push(await runScheduledAction(h.services, job.actionId, job.runAt));
    return runs;
  }

  it('does not run when the source went unhealthy after the approval, and says so', async () => {
    const h = harness();
    const id = await scheduledTonight(h);
    const source = h.runtimes.get('docker-1').add({ name: 'api-s2', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.5', version: '1.5', health: 'unhealthy' });
    expect(source.health).toBe('unhealthy');

    expect(await runDue(h)).toEqual(['refused']);
    expect(h.actions.queue.enqueued).toEqual([]);
    const action = await h.actions.pending.get(id);
    expect(action?.status).toBe('refused');
    expect(action?.result).toContain('not healthy in staging: api-s2 (unhealthy)');
  });

  it('does not run when an incident opened on the service in the source after the approval', async () => {
    const h = harness();
    const id = await scheduledTonight(h);
    await h.incidents.store.open({
      project: 'shop',
      groupKey: '{}:{alertname="ApiErrors"}',
      title: 'ApiErrors: 5xx above 2%',
      openedAt: new Date('2026-11-23T20:30:00Z'),
      alerts: [{ fingerprint: 'fp-1', name: 'ApiErrors', status: 'firing', summary: '5xx above 2%', startsAt: new Date('2026-11-23T20:30:00Z'), endsAt: null, labels: { alertname: 'ApiErrors', service: 'api', env: 'staging' } }],
      timeline: [],
    });

    expect(await runDue(h)).toEqual(['refused']);
    expect(h.actions.queue.enqueued).toEqual([]);
    expect((await h.actions.pending.get(id))?.result).toMatch(/incident .* on api in staging, opened 30 min ago/);
  });

  it('does not run when the approver no longer holds the role (four-eyes counts at the run time too)', async () => {
    const h = harness();
    const id = await scheduledTonight(h);
    const alice = h.services.catalog.people.find((p) => p.id === 'alice')!;
    const roles = alice.roles;
    (alice as { roles: unknown }).roles = [];
    try {
      expect(await runDue(h)).toEqual(['refused']);
    } finally {
      (alice as { roles: unknown }).roles = roles;
    }
    expect(h.actions.queue.enqueued).toEqual([]);
    expect((await h.actions.pending.get(id))?.result).toMatch(/its approver Alice no longer has the operator role on shop\/prod/);
  });
});
