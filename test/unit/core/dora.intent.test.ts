import { describe, expect, it } from 'vitest';
import { commitTimeStep } from '../../../src/core/domain/dora.js';
import type { Deployment, NewDeployment } from '../../../src/core/ports/deployment.port.js';
import type { Incident } from '../../../src/core/ports/incident.port.js';
import { coreHarness, NOW } from '../../support/core-harness.js';

/** The harness's stores and catalog with `dora` registered (until the lead adds it to allIntents). */
function doraHarness() {
  const h = coreHarness();
  const say = (text: string, user = '1001', chat = user, chatType: 'private' | 'group' = 'private') => h.say(text, { user, chat, chatType });
  return { ...h, say };
}

type H = ReturnType<typeof doraHarness>;
let seq = 0;

/** Records a finished deployment the way the worker or the CI webhook would. */
async function record(h: H, over: Partial<NewDeployment> & { finished: string; status?: Deployment['status']; committed?: string }): Promise<Deployment> {
  const { finished, status = 'succeeded', committed, ...rest } = over;
  const finishedAt = new Date(finished);
  const d = await h.actions.deployments.start({
    actionId: `a${++seq}`,
    kind: 'deploy',
    project: 'shop',
    env: 'prod',
    service: 'api',
    version: `1.${seq}`,
    image: `reg/shop/api:1.${seq}`,
    previousVersion: null,
    previousImage: null,
    requestedBy: 'alice',
    approvedBy: null,
    startedAt: new Date(finishedAt.getTime() - 10 * 60_000),
    source: 'deckhand',
    ...rest,
  });
  if (committed) await h.actions.deployments.step(d.id, commitTimeStep(new Date(committed)), d.startedAt);
  if (status !== 'running') await h.actions.deployments.finish(d.id, status, finishedAt);
  return d;
}

/** Opens an incident the way the Alertmanager processor would; `env` becomes the alerts' env label. */
async function incident(h: H, opts: { opened: string; resolved?: string; env?: string; deploymentId?: string }): Promise<Incident> {
  const openedAt = new Date(opts.opened);
  const labels: Record<string, string> = { alertname: 'HighErrorRate', project: 'shop', ...(opts.env ? { env: opts.env } : {}) };
  const i = await h.incidents.store.open({
    project: 'shop',
    groupKey: `g${++seq}`,
    title: 'HighErrorRate',
    openedAt,
    alerts: [{ fingerprint: `f${seq}`, name: 'HighErrorRate', status: 'firing', summary: '', startsAt: openedAt, endsAt: null, labels }],
    timeline: [],
  });
  if (opts.deploymentId) await h.incidents.store.linkDeployment(i.id, opts.deploymentId, { at: openedAt, kind: 'deploy', text: 'Linked', by: null });
  if (opts.resolved) await h.incidents.store.resolve(i.id, new Date(opts.resolved), i.alerts, []);
  return i;
}

const field = (reply: Awaited<ReturnType<H['say']>>, label: string) =>
  reply.blocks.flatMap((b) => (b.type === 'fields' ? b.fields : [])).find((f) => f.label === label)?.value;

describe('dora intent', () => {
  it('reports the four metrics over the production environments of the last 30 days', async () => {
    const h = doraHarness();
    await record(h, { finished: '2026-11-22T12:00:00Z', committed: '2026-11-22T10:00:00Z', source: 'external' });
    await record(h, { finished: '2026-11-20T12:00:00Z', committed: '2026-11-20T08:00:00Z', service: 'web' });
    await record(h, { finished: '2026-11-18T12:00:00Z', status: 'rolled_back' });
    await record(h, { finished: '2026-11-15T12:00:00Z' });
    await record(h, { finished: '2026-11-22T09:00:00Z', env: 'staging' }); // not production
    await record(h, { finished: '2026-09-01T12:00:00Z' }); // outside the window
    await record(h, { finished: '2026-11-22T12:00:00Z', project: 'billing', service: 'worker' }); // another project

    const reply = await h.say('dora shop 30d');

    expect(reply.blocks[0]).toEqual({ type: 'header', text: 'DORA metrics of shop, last 30 days' });
    expect(field(reply, 'Deployment frequency')).toBe('3 deploys (0.1/day, 0.7/week)');
    expect(field(reply, 'Lead time for changes')).toBe('median 3h (2 of 3 deploys with a known commit time)');
    expect(field(reply, 'Change failure rate')).toBe('25% (1 of 4 deploys)');
    expect(field(reply, 'Time to restore')).toBe('n/a (no resolved incidents)');
    expect(field(reply, 'Incidents still open')).toBe('0');
    expect(reply.text).toContain('Environments: prod · 2026-10-24 to 2026-11-23 (UTC)');
    expect(h.audit.last()).toMatchObject({ outcome: 'ok', intent: 'dora', personId: 'alice' });
  });

  it('takes the window alone, defaults the project and counts a later rollback as a failure', async () => {
    const h = doraHarness();
    await record(h, { finished: '2026-11-22T12:00:00Z' });
    await record(h, { finished: '2026-11-22T12:30:00Z', kind: 'rollback' });
    await record(h, { finished: '2026-11-10T12:00:00Z' }); // outside 7 days

    const reply = await h.say('dora 7d', '1002', '-100500', 'group');

    expect(reply.blocks[0]).toEqual({ type: 'header', text: 'DORA metrics of shop, last 7 days' });
    expect(field(reply, 'Deployment frequency')).toBe('1 deploy (0.14/day, 1/week)');
    expect(field(reply, 'Change failure rate')).toBe('100% (1 of 1 deploy)');
    expect(field(reply, 'Lead time for changes')).toBe('n/a (no commit times known)');
  });

  it('shows an empty history as not measurable and uses the environments the person may see', async () => {
    const h = doraHarness();
    await record(h, { finished: '2026-11-22T12:00:00Z' }); // prod: carol may not see it
    const reply = await h.say('dora shop', '1003');
    expect(field(reply, 'Deployment frequency')).toBe('0 deploys (0/day, 0/week)');
    expect(field(reply, 'Change failure rate')).toBe('n/a (no finished deploys)');
    expect(reply.text).toContain('Environments: staging');
  });

  it('counts deploys linked to incidents as change failures and times restores from the incident store', async () => {
    const h = doraHarness();
    const bad = await record(h, { finished: '2026-11-20T12:00:00Z' });
    await record(h, { finished: '2026-11-21T12:00:00Z', service: 'web' });
    await record(h, { finished: '2026-11-22T12:00:00Z' });
    await incident(h, { opened: '2026-11-20T12:10:00Z', resolved: '2026-11-20T12:55:00Z', env: 'prod', deploymentId: bad.id }); // 45m
    await incident(h, { opened: '2026-11-21T09:00:00Z', resolved: '2026-11-21T11:00:00Z' }); // no env label: counts, 2h
    await incident(h, { opened: '2026-11-22T15:00:00Z', env: 'prod' }); // still open
    await incident(h, { opened: '2026-11-22T16:00:00Z', resolved: '2026-11-22T16:05:00Z', env: 'staging' }); // not production
    await incident(h, { opened: '2026-09-01T10:00:00Z', resolved: '2026-09-01T11:00:00Z', env: 'prod' }); // before the window

    const reply = await h.say('dora shop 30d');

    expect(field(reply, 'Change failure rate')).toBe('33.3% (1 of 3 deploys)');
    expect(field(reply, 'Time to restore')).toBe('median 1h 22m (2 incidents)');
    expect(field(reply, 'Incidents still open')).toBe('1');
  });

  it('refuses bad windows, unknown projects and extra words', async () => {
    const h = doraHarness();
    expect((await h.say('dora shop 400d')).text).toContain('window must be days or weeks');
    expect((await h.say('dora 5x')).text).toContain('window must be days or weeks');
    expect((await h.say('dora shpo')).text).toContain('Unknown project "shpo"');
    expect((await h.say('dora shop 30d more')).text).toContain('too many arguments');
    expect((await h.say('dora billing', '1001')).tone).toBe('error');
  });
});

describe('dora chart: deploys per week', () => {
  it('charts the last 8 calendar weeks (Monday, UTC) of the production deploys, whatever the window', async () => {
    const h = doraHarness();
    // NOW is Monday 2026-11-23 12:00Z: the current week began at 00:00 that day, the oldest on 2026-10-05.
    await record(h, { finished: '2026-11-23T08:00:00Z' });
    await record(h, { finished: '2026-11-22T23:59:00Z' }); // Sunday: the week before
    await record(h, { finished: '2026-11-18T12:00:00Z', status: 'rolled_back' });
    await record(h, { finished: '2026-11-17T12:00:00Z', status: 'failed' });
    await record(h, { finished: '2026-10-05T00:00:00Z' }); // the oldest week's first instant
    await record(h, { finished: '2026-10-04T23:59:00Z' }); // before the chart
    await record(h, { finished: '2026-11-20T12:00:00Z', env: 'staging' }); // not production
    await record(h, { finished: '2026-11-20T12:00:00Z', kind: 'restart' }); // not a deploy

    const reply = await h.say('dora shop 7d');

    expect(reply.chart).toEqual({
      kind: 'bar',
      title: 'Deploys per week, shop',
      labels: ['10-05', '10-12', '10-19', '10-26', '11-02', '11-09', '11-16', '11-23'],
      series: [
        { name: 'succeeded', values: [1, 0, 0, 0, 0, 0, 1, 1] },
        { name: 'failed or rolled back', values: [0, 0, 0, 0, 0, 0, 2, 0] },
      ],
      unit: 'deploys',
    });
  });

  it('leaves weeks the records read may not cover as gaps, not as too few deploys', async () => {
    const { weeklyDeploys } = await import('../../../src/core/domain/dora-weekly.js');
    const h = doraHarness();
    const a = await record(h, { finished: '2026-11-10T12:00:00Z' });
    const b = await record(h, { finished: '2026-11-20T12:00:00Z' });
    const rows = await h.actions.deployments.finishedBetween({ project: 'shop', from: new Date('2026-10-01T00:00:00Z'), to: new Date(NOW), limit: 10 });
    expect(rows.map((r) => r.id)).toEqual([b.id, a.id]);
    const cut = weeklyDeploys(rows, new Date(NOW), { truncated: true });
    expect(cut.succeeded).toEqual([null, null, null, null, null, null, 1, 0]);
    expect(weeklyDeploys(rows, new Date(NOW)).succeeded).toEqual([0, 0, 0, 0, 0, 1, 1, 0]);
  });

  it('charts only the environments the person may see', async () => {
    const h = doraHarness();
    await record(h, { finished: '2026-11-20T12:00:00Z' }); // prod: carol may not see it
    await record(h, { finished: '2026-11-21T12:00:00Z', env: 'staging' });
    const reply = await h.say('dora shop', '1003');
    expect(reply.chart?.series[0]?.values).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
  });
});
