import { describe, expect, it } from 'vitest';
import { recordExternalDeploy, type ExternalDeploy } from '../../../../src/core/deploys/external-deploy.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import type { Incident, TimelineEntry } from '../../../../src/core/ports/incident.port.js';
import { auditAction } from '../../../../src/core/actions/action-audit.js';
import { createActionProcessor } from '../../../../src/core/actions/action.processor.js';
import { MemoryIncidentStore } from '../../../fakes/memory-incidents.js';
import { MemoryDeploymentStore } from '../../../fakes/memory-stores.js';
import { actionFixture, IMAGE } from '../../jobs/action-fixture.js';

/** The action fixture with an incident store holding one open incident of shop, one of billing and one resolved of shop. */
async function withIncidents() {
  const f = actionFixture();
  const incidents = new MemoryIncidentStore();
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (_o: object, msg: string) => void warnings.push(msg), child: () => logger };
  f.deps.incidents = incidents;
  f.deps.logger = logger;
  const open = (project: string, groupKey: string): Promise<Incident> =>
    incidents.open({ project, groupKey, title: 'HighErrorRate', openedAt: new Date('2026-11-23T11:50:00Z'), alerts: [], timeline: [] });
  const shop = await open('shop', 'a');
  const billing = await open('billing', 'b');
  const resolved = await open('shop', 'c');
  await incidents.resolve(resolved.id, new Date('2026-11-23T11:55:00Z'), [], []);
  const entries = async (i: Incident): Promise<TimelineEntry[]> => (await incidents.get(i.id))!.timeline.filter((e) => e.kind !== 'closed');
  return { ...f, incidents, warnings, shop, billing, resolved, entries };
}

describe('actions on the incident timeline', () => {
  it('notes the start and the success of a deploy on each open incident of the project only', async () => {
    const f = await withIncidents();
    const action = await f.claimed('deploy');

    await createActionProcessor(f.deps)(action.id);

    expect(await f.entries(f.shop)).toEqual([
      { at: new Date('2026-11-23T12:00:00Z'), kind: 'action', text: 'Deploy of api 1.4.2 to shop/prod started', by: 'alice' },
      { at: new Date('2026-11-23T12:00:10Z'), kind: 'action', text: 'Deploy of api 1.4.2 to shop/prod succeeded', by: 'alice' },
    ]);
    expect(await f.entries(f.billing)).toEqual([]);
    expect(await f.entries(f.resolved)).toEqual([]);
  });

  it('notes a failed rollback, and only the end of a restart', async () => {
    const f = await withIncidents();
    f.runtime.pullFailures.set(`${IMAGE}:1.4.0`, 'manifest unknown');
    const rollback = await f.claimed('rollback', { from: '1.4.2', to: '1.4.0', requestedBy: 'dave', claimedBy: 'alice' });
    await createActionProcessor(f.deps)(rollback.id);
    const restart = await f.claimed('restart', { replicas: 1 });
    await createActionProcessor(f.deps)(restart.id);

    expect((await f.entries(f.shop)).map((e) => [e.text, e.by])).toEqual([
      ['Rollback of api to 1.4.0 in shop/prod started', 'dave'],
      ['Rollback of api to 1.4.0 in shop/prod failed', 'dave'],
      ['Restart of api in shop/prod succeeded', 'alice'],
    ]);
  });

  it('never fails an action because the incident store is down, and notes nothing for refused actions', async () => {
    const f = await withIncidents();
    f.incidents.openIncidents = async () => {
      throw new Error('database down');
    };
    const action = await f.claimed('deploy');
    await createActionProcessor(f.deps)(action.id);
    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(f.warnings.filter((w) => w === 'could not add an entry to the open incidents')).toHaveLength(2);

    const g = await withIncidents();
    await g.locks.acquire({ project: 'shop', env: 'prod', kind: 'manual', holder: { kind: 'person', id: 'bob' }, reason: 'db migration', leaseUntil: null }, g.clock.now());
    const refused = await g.claimed('deploy');
    await createActionProcessor(g.deps)(refused.id);
    expect((await g.pendingActions.get(refused.id))?.status).toBe('refused');
    expect(await g.entries(g.shop)).toEqual([]);
  });

  it('notes an action cut short by a restart as failed, and nothing for an expired one', async () => {
    const f = await withIncidents();
    const action = await f.claimed('deploy');
    await auditAction(f.deps, action, 'recovered', 'Deckhand restarted while this ran');
    await auditAction(f.deps, action, 'expired', 'expired, nothing ran');
    expect((await f.entries(f.shop)).map((e) => e.text)).toEqual(['Deploy of api 1.4.2 to shop/prod failed']);
  });
});

describe('CI deploys on the incident timeline', () => {
  const deploy: ExternalDeploy = {
    target: { project: 'shop', env: 'prod', service: 'api' },
    repo: 'acme/api',
    actionId: 'github-deployment:77',
    version: 'v1.5.0',
    startedAt: new Date('2026-11-23T11:58:00Z'),
    finishedAt: new Date('2026-11-23T12:01:00Z'),
    status: 'failed',
    committedAt: null,
    requestedBy: 'github:carol',
    note: 'GitHub deployment 77: failure',
  };

  it('adds a deploy entry to the open incidents of the project once per CI deployment', async () => {
    const incidents = new MemoryIncidentStore();
    const store = new MemoryDeploymentStore();
    const open = await incidents.open({ project: 'shop', groupKey: 'g', title: 'HighErrorRate', openedAt: new Date('2026-11-23T11:50:00Z'), alerts: [], timeline: [] });
    const other = await incidents.open({ project: 'billing', groupKey: 'g', title: 'Down', openedAt: new Date('2026-11-23T11:50:00Z'), alerts: [], timeline: [] });
    const notes = { incidents, logger: silentLogger };

    expect(await recordExternalDeploy(store, deploy, notes)).not.toBeNull();
    expect(await recordExternalDeploy(store, deploy, notes)).toBeNull(); // a re-sent status

    expect((await incidents.get(open.id))!.timeline).toEqual([
      { at: deploy.finishedAt, kind: 'deploy', text: 'CI deploy of api v1.5.0 to shop/prod failed (carol via CI)', by: null },
    ]);
    expect((await incidents.get(other.id))!.timeline).toEqual([]);
  });
});
