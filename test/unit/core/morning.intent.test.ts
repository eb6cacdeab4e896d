import { describe, expect, it } from 'vitest';
import type { Block, Reply } from '../../../src/core/messages/reply.js';
import type { Deployment, NewDeployment } from '../../../src/core/ports/deployment.port.js';
import { coreHarness, NOW } from '../../support/core-harness.js';
import { pendingIdOf } from '../../support/actions-stack.js';

/** The harness's stores and catalog with `morning` registered (until the lead adds it to allIntents), on a settable clock. */
function morningHarness() {
  const h = coreHarness();
  const say = (text: string, user = '1001', chat = user, chatType: 'private' | 'group' = 'private') => h.say(text, { user, chat, chatType });
  return { ...h, say };
}

type H = ReturnType<typeof morningHarness>;
let seq = 0;

/** Records a deployment the way the worker or the CI webhook would; `finished` omitted = still running. */
async function record(h: H, over: Partial<NewDeployment> & { started: string; finished?: string; status?: Exclude<Deployment['status'], 'running'> }): Promise<Deployment> {
  const { started, finished, status = 'succeeded', ...rest } = over;
  const d = await h.actions.deployments.start({
    actionId: `m${++seq}`,
    kind: 'deploy',
    project: 'shop',
    env: 'prod',
    service: 'api',
    version: `1.${seq}`,
    image: `reg/shop/api:1.${seq}`,
    previousVersion: `1.${seq - 1}`,
    previousImage: null,
    requestedBy: 'alice',
    approvedBy: null,
    startedAt: new Date(started),
    source: 'deckhand',
    ...rest,
  });
  if (finished) await h.actions.deployments.finish(d.id, status, new Date(finished));
  return d;
}

/** Every service of shop running and healthy. */
function healthyShop(h: H) {
  h.runtimes.get('docker-1').add({ name: 'shop-api-1', labels: { app: 'shop-api', env: 'prod' }, health: 'healthy' });
  h.runtimes.get('docker-1').add({ name: 'shop-api-s', labels: { app: 'shop-api', env: 'staging' } });
  h.runtimes.get('docker-2').add({ name: 'shop-web-prod' });
}

const texts = (reply: Reply) => reply.blocks.filter((b): b is Extract<Block, { type: 'text' }> => b.type === 'text').map((b) => b.text);

describe('morning intent', () => {
  it('reports services, deploys since yesterday, on call, locks and freezes and DORA for one project', async () => {
    const h = morningHarness();
    h.runtimes.get('docker-1').add({ name: 'shop-api-1', labels: { app: 'shop-api', env: 'prod' }, health: 'healthy' });
    h.runtimes.get('docker-1').add({ name: 'shop-api-s', labels: { app: 'shop-api', env: 'staging' }, state: 'exited', startedAt: null });
    h.runtimes.get('docker-2').add({ name: 'shop-web-prod', health: 'unhealthy' });
    await record(h, { started: '2026-11-23T07:50:00Z', finished: '2026-11-23T08:00:00Z', version: '1.5.0', previousVersion: '1.4.2' });
    await record(h, { started: '2026-11-22T19:50:00Z', finished: '2026-11-22T20:00:00Z', status: 'failed', service: 'web', version: '2.1.0', previousVersion: '2.0.0', requestedBy: 'dave' });
    await record(h, { started: '2026-11-23T11:00:00Z', env: 'staging', version: '1.6.0-rc1', previousVersion: '1.5.0', source: 'external' });
    await record(h, { started: '2026-11-21T09:50:00Z', finished: '2026-11-21T10:00:00Z', version: '1.4.2', previousVersion: '1.4.1' }); // before the last 24 h
    await record(h, { started: '2026-11-23T09:00:00Z', finished: '2026-11-23T09:10:00Z', project: 'billing', service: 'worker' }); // another project
    await h.actions.locks.acquire({ project: 'shop', env: 'prod', kind: 'manual', holder: { kind: 'person', id: 'dave' }, reason: 'db migration', leaseUntil: null }, new Date('2026-11-23T10:00:00Z'));
    await h.actions.freezes.add({ project: 'shop', env: 'staging', from: new Date('2026-11-23T00:00:00Z'), until: new Date('2026-11-24T00:00:00Z'), reason: 'release prep', createdBy: 'alice' });

    const reply = await h.say('morning shop');

    expect(reply.tone).toBe('warning');
    expect(reply.blocks).toEqual([
      { type: 'header', text: 'Morning report: shop' },
      { type: 'context', text: 'Mon 23 Nov 13:00 GMT+1' },
      { type: 'text', text: 'Services: 2 of 3 need attention' },
      {
        type: 'table',
        columns: ['ENV', 'SERVICE', 'PROBLEM', 'HOST'],
        rows: [
          ['staging', 'api', 'exited', 'docker-1'],
          ['prod', 'web', 'unhealthy', 'docker-2'],
        ],
      },
      { type: 'text', text: 'Deploys since Sun 22 Nov 13:00 GMT+1: 3 (1 failed)' },
      {
        type: 'table',
        columns: ['WHEN', 'ENV', 'SERVICE', 'KIND', 'VERSION', 'STATUS', 'BY'],
        rows: [
          ['Sun 22 Nov 21:00 GMT+1', 'prod', 'web', 'deploy', '2.0.0 → 2.1.0', 'failed', 'Dave'],
          ['Mon 23 Nov 12:00 GMT+1', 'staging', 'api', 'deploy', '1.5.0 → 1.6.0-rc1', 'running', 'CI'],
          ['Mon 23 Nov 09:00 GMT+1', 'prod', 'api', 'deploy', '1.4.2 → 1.5.0', 'succeeded', 'Alice'],
        ],
      },
      { type: 'text', text: 'Open incidents: none' },
      {
        type: 'fields',
        fields: [
          { label: 'On call now', value: 'Alice' },
          { label: 'Next handoff', value: 'Bob at Mon 30 Nov 09:00 GMT+1' },
        ],
      },
      { type: 'text', text: 'Locks and freezes: 2' },
      {
        type: 'table',
        columns: ['ENV', 'STATE', 'DETAIL'],
        rows: [
          ['prod', 'locked', 'by Dave since Mon 23 Nov 11:00 GMT+1 (db migration)'],
          ['staging', 'frozen', 'until Tue 24 Nov 01:00 GMT+1 (release prep)'],
        ],
      },
      { type: 'text', text: 'DORA, last 30 days (prod)' },
      {
        type: 'fields',
        fields: [
          { label: 'Deployment frequency', value: '2 deploys (0.07/day)' },
          { label: 'Lead time', value: 'n/a' },
          { label: 'Change failure rate', value: '33.3% (1 of 3)' },
          { label: 'Time to restore', value: 'n/a' },
        ],
      },
    ]);
    expect(reply.text).not.toContain('billing');
    expect(h.audit.last()).toMatchObject({ outcome: 'ok', intent: 'morning', personId: 'alice' });
  });

  it('gives a quiet morning in a group chat for its only project', async () => {
    const h = morningHarness();
    healthyShop(h);
    await record(h, { started: '2026-11-20T09:50:00Z', finished: '2026-11-20T10:00:00Z' });

    const reply = await h.say('morning', '1002', '-100500', 'group');

    expect(reply.tone).toBe('info');
    expect(texts(reply)).toEqual([
      'Services: all 3 services healthy',
      'Deploys since Sun 22 Nov 13:00 GMT+1: none',
      'Open incidents: none',
      'Locks and freezes: none',
      'DORA, last 30 days (prod)',
    ]);
    expect(reply.blocks.filter((b) => b.type === 'table')).toEqual([]);
    expect(reply.text).toContain('Deployment frequency: 1 deploy (0.03/day)');
    expect(h.audit.last()).toMatchObject({ outcome: 'ok', intent: 'morning', personId: 'bob' });
  });

  it('shows the weekend freeze, a deploy lock and only the environments the person may see', async () => {
    const h = morningHarness();
    healthyShop(h);
    h.setNow('2026-11-28T08:00:00Z'); // Saturday: the weekend freeze of prod is on
    await h.actions.locks.acquire({ project: 'shop', env: 'staging', kind: 'deploy', holder: { kind: 'action', id: 'pa9' }, reason: 'deploy api', leaseUntil: new Date('2026-11-28T08:05:00Z') }, new Date('2026-11-28T07:59:00Z'));
    await record(h, { started: '2026-11-28T07:00:00Z', finished: '2026-11-28T07:05:00Z', env: 'staging', status: 'rolled_back' });
    await record(h, { started: '2026-11-28T06:00:00Z', finished: '2026-11-28T06:05:00Z' }); // prod: carol may not see it

    const admin = await h.say('morning shop');
    expect(admin.blocks).toContainEqual({
      type: 'table',
      columns: ['ENV', 'STATE', 'DETAIL'],
      rows: [
        ['staging', 'locked', 'by a running action pa9 since Sat 28 Nov 08:59 GMT+1 (deploy api)'],
        ['prod', 'frozen', 'until Mon 30 Nov 09:00 GMT+1 (Weekend freeze)'],
      ],
    });

    const carol = await h.say('morning', '1003');
    expect(carol.tone).toBe('warning');
    expect(texts(carol)).toEqual([
      'Services: all 1 service healthy',
      'Deploys since Fri 27 Nov 09:00 GMT+1: 1 (1 failed)',
      'Open incidents: none',
      'Locks and freezes: 1',
      'DORA, last 30 days (staging)',
    ]);
    expect(carol.text).not.toContain('prod');
    expect(carol.text).toContain('Change failure rate: 100% (1 of 1)');
  });

  it('lists open incidents of the environments the person may see and times restores in the DORA snapshot', async () => {
    const h = morningHarness();
    healthyShop(h);
    const open = async (title: string, opened: string, env?: string) => {
      const openedAt = new Date(opened);
      const labels = { alertname: title, project: 'shop', ...(env ? { env } : {}) };
      const alert = { fingerprint: title, name: title, status: 'firing' as const, summary: '', startsAt: openedAt, endsAt: null, labels };
      return h.incidents.store.open({ project: 'shop', groupKey: title, title, openedAt, alerts: [alert], timeline: [] });
    };
    const prodDown = await open('ApiDown', '2026-11-23T11:15:00Z', 'prod');
    const stagingSlow = await open('SlowQueries', '2026-11-22T09:00:00Z', 'staging');
    const restored = await open('DiskFull', '2026-11-20T10:00:00Z', 'prod');
    await h.incidents.store.resolve(restored.id, new Date('2026-11-20T10:40:00Z'), restored.alerts, []);
    await h.incidents.store.open({ project: 'billing', groupKey: 'b', title: 'BillingDown', openedAt: new Date('2026-11-23T11:00:00Z'), alerts: [], timeline: [] });

    const admin = await h.say('morning shop');
    expect(admin.tone).toBe('warning');
    expect(admin.blocks).toContainEqual({
      type: 'table',
      columns: ['INCIDENT', 'TITLE', 'OPEN FOR'],
      rows: [
        [prodDown.id, 'ApiDown', '45m'],
        [stagingSlow.id, 'SlowQueries', '1d 3h'],
      ],
    });
    expect(admin.text).toContain('Time to restore: median 40m');
    expect(admin.text).not.toContain('BillingDown');

    const carol = await h.say('morning', '1003');
    expect(texts(carol)).toContain('Open incidents: 1');
    expect(carol.text).toContain(stagingSlow.id);
    expect(carol.text).not.toContain(prodDown.id);
    expect(carol.text).toContain('Time to restore: n/a');
  });

  it('reports an unreachable host and a missing container as services needing attention', async () => {
    const h = morningHarness();
    h.runtimes.get('docker-1').add({ name: 'shop-api-1', labels: { app: 'shop-api', env: 'prod' } });
    h.runtimes.get('docker-2').unreachable = true;
    const reply = await h.say('morning shop');
    expect(reply.blocks[3]).toEqual({
      type: 'table',
      columns: ['ENV', 'SERVICE', 'PROBLEM', 'HOST'],
      rows: [
        ['staging', 'api', 'missing', 'docker-1'],
        ['prod', 'web', 'unreachable', 'docker-2'],
      ],
    });
    expect(reply.text).not.toMatch(/ECONNREFUSED|at .*\.ts/);
  });

  it('narrows to one environment, refuses unknown projects, extra words and projects without a role', async () => {
    const h = morningHarness();
    healthyShop(h);
    const prod = await h.say('morning prod', '1002', '-100500', 'group');
    expect(texts(prod)[0]).toBe('Services: all 2 services healthy');
    expect((await h.say('morning shpo')).text).toContain('Unknown project "shpo"');
    expect((await h.say('morning shop more')).text).toContain('too many arguments');
    expect((await h.say('morning sh$p')).text).toContain('must be a name');
    const denied = await h.say('morning billing');
    expect(denied.tone).toBe('error');
    expect(h.audit.last()).toMatchObject({ intent: 'morning', personId: 'alice' });
    expect(h.audit.last()?.outcome).not.toBe('ok');
  });

  it("lists today's planned deploys and their conflicts (only when something is planned)", async () => {
    const h = morningHarness();
    healthyShop(h);
    const schedule = async (text: string, user: string) => {
      const r = await h.say(text, user);
      await h.click(r, 'Confirm', { user });
      return pendingIdOf(r)!;
    };
    const carols = await schedule('deploy api staging 1.5.0 at 22:00', '1003');
    const daves = await schedule('deploy api staging 1.5.1 at 22:30', '1004');
    // Tomorrow's is not today's.
    await schedule('deploy api staging 1.5.2 at tomorrow 10:00', '1004');

    const reply = await h.say('morning shop');
    expect(reply.tone).toBe('warning');
    expect(reply.text).toContain(`Planned today: 2\n22:00 Deploy shop/staging: api 1.0.0 → 1.5.0 · Carol · ${carols}\n22:30 Deploy shop/staging: api 1.0.0 → 1.5.1 · Dave · ${daves}`);
    expect(reply.text).toContain(`Conflicts: 1\n⚠️ shop/staging api: ${carols} at Mon 22:00 and ${daves} at Mon 22:30 are within an hour → coordinate: @Carol, @Dave, or move one an hour apart`);
    expect(reply.text).not.toContain('1.5.2');

    await h.say(`calendar cancel ${daves}`, '1004');
    const after = await h.say('morning shop');
    expect(after.text).toContain('Planned today: 1');
    expect(after.text).not.toContain('Conflicts:');
  });
});
