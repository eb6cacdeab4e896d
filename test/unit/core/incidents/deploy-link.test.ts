import { describe, expect, it } from 'vitest';
import { linkDeploy, recentDeployFor, type DeployLinkSettings } from '../../../../src/core/incidents/deploy-link.js';
import { processAlertGroup, type AlertProcessorDeps } from '../../../../src/core/incidents/alert-notification.js';
import { externalDeployEntry, linkedDeployEntry } from '../../../../src/core/domain/incident-deploys.js';
import type { Deployment, NewDeployment } from '../../../../src/core/ports/deployment.port.js';
import type { Incident, IncidentAlert } from '../../../../src/core/ports/incident.port.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { MemoryIncidentStore } from '../../../fakes/memory-incidents.js';
import { MemoryDeploymentStore, RecordingNotifier } from '../../../fakes/memory-stores.js';
import { MemoryAuditLog } from '../../../fakes/memory-audit.js';
import { MemoryUnitOfWork } from '../../../fakes/memory-unit-of-work.js';

const OPENED = new Date('2026-11-23T12:00:00Z');
const min = (m: number) => new Date(OPENED.getTime() + m * 60_000);
const HOUR = 3_600_000;

function setup() {
  const incidents = new MemoryIncidentStore();
  const deployments = new MemoryDeploymentStore();
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (_o: object, msg: string) => void warnings.push(msg), child: () => logger };
  const settings: DeployLinkSettings = { deployments, withinMs: HOUR, envLabel: 'env' };
  const deps = { incidents, logger, nameOf: (id: string) => ({ alice: 'Alice', bob: 'Bob' })[id] ?? id };
  let seq = 0;
  /** A deployment that finished `finishedMin` minutes from the incident's opening (negative: before). */
  const deployed = async (finishedMin: number | null, over: Partial<NewDeployment> & { status?: Exclude<Deployment['status'], 'running'> } = {}) => {
    const { status = 'succeeded', ...rest } = over;
    const finishedAt = finishedMin === null ? null : min(finishedMin);
    const d = await deployments.start({
      actionId: `a${++seq}`,
      kind: 'deploy',
      project: 'shop',
      env: 'prod',
      service: 'api',
      version: `1.4.${seq}`,
      image: `reg/shop/api:1.4.${seq}`,
      previousVersion: null,
      previousImage: null,
      requestedBy: 'alice',
      approvedBy: null,
      startedAt: new Date((finishedAt ?? OPENED).getTime() - 5 * 60_000),
      source: 'deckhand',
      ...rest,
    });
    if (finishedAt) await deployments.finish(d.id, status, finishedAt);
    return d;
  };
  // Each call opens a new incident: a group has at most one open incident, so each gets its own group.
  let groups = 0;
  const open = async (envs: (string | undefined)[] = [undefined]): Promise<Incident> => {
    const alerts: IncidentAlert[] = envs.map((env, i) => ({
      fingerprint: `f${i}`,
      name: 'HighErrorRate',
      status: 'firing',
      summary: '',
      startsAt: OPENED,
      endsAt: null,
      labels: { alertname: 'HighErrorRate', project: 'shop', ...(env ? { env } : {}) },
    }));
    return incidents.open({ project: 'shop', groupKey: `g${++groups}`, title: 'HighErrorRate', openedAt: OPENED, alerts, timeline: [] });
  };
  // Found before the incident's unit of work, linked inside it, as alert intake does.
  const link = async (incident: Incident, over: Partial<DeployLinkSettings> = {}) => {
    const deploy = await recentDeployFor(deps, { ...settings, ...over }, incident);
    return deploy ? linkDeploy(deps, deploy, incident) : incident;
  };
  return { incidents, deployments, deployed, open, link, warnings };
}

describe('recentDeployFor + linkDeploy', () => {
  it('links the newest deploy finished within the window before the incident opened, with a timeline entry', async () => {
    const { incidents, deployed, open, link } = setup();
    await deployed(-50);
    const latest = await deployed(-12);
    await deployed(2); // finished after the incident opened: cannot be the cause
    await deployed(null); // still running
    await deployed(-5, { kind: 'restart' }); // a restart changes no version
    const incident = await open();

    const linked = await link(incident);

    const entry = { at: OPENED, kind: 'deploy', text: 'Linked to deploy of api 1.4.2 to shop/prod by Alice, finished 12m before', by: null };
    expect(linked.deploymentId).toBe(latest.id);
    expect(linked.timeline.at(-1)).toEqual(entry);
    const stored = await incidents.get(incident.id);
    expect(stored!.deploymentId).toBe(latest.id);
    expect(stored!.timeline).toEqual([entry]);
    // A CI deploy noted later is a 'deploy' entry too; the link entry is still the one found.
    await incidents.addEntry(incident.id, externalDeployEntry({ ...latest, source: 'external', requestedBy: 'github:carol' }, min(3)));
    expect(linkedDeployEntry((await incidents.get(incident.id))!)).toEqual(entry);
    expect(linkedDeployEntry(incident)).toBeUndefined();
  });

  it('links nothing when the newest deploy finished before the window', async () => {
    const { deployed, open, link, incidents } = setup();
    await deployed(-61);
    const incident = await open();
    expect(await link(incident)).toEqual(incident);
    expect((await incidents.get(incident.id))!.deploymentId).toBeNull();
    // The window is inclusive at both ends.
    const edge = await deployed(-60);
    expect((await link(incident)).deploymentId).toBe(edge.id);
  });

  it('prefers the environment the alerts name, and takes any environment when an alert names none', async () => {
    const { deployed, open, link } = setup();
    const prod = await deployed(-30, { env: 'prod' });
    const staging = await deployed(-3, { env: 'staging' });
    expect((await link(await open(['prod']))).deploymentId).toBe(prod.id);
    expect((await link(await open(['staging', 'staging']))).deploymentId).toBe(staging.id);
    expect((await link(await open(['prod', undefined]))).deploymentId).toBe(staging.id);
    expect((await link(await open(['qa']))).deploymentId).toBeNull();
  });

  it('links failed, rolled back, CI and rollback deploys and says how they ended', async () => {
    const { deployed, open, link } = setup();
    await deployed(-20, { status: 'failed' });
    expect((await link(await open())).timeline.at(-1)!.text).toBe('Linked to deploy of api 1.4.1 to shop/prod by Alice, failed 20m before');
    await deployed(-15, { status: 'rolled_back', requestedBy: 'bob' });
    expect((await link(await open())).timeline.at(-1)!.text).toBe('Linked to deploy of api 1.4.2 to shop/prod by Bob, failed and was rolled back 15m before');
    await deployed(-10, { kind: 'rollback', version: '1.4.0' });
    expect((await link(await open())).timeline.at(-1)!.text).toBe('Linked to rollback of api to 1.4.0 in shop/prod by Alice, finished 10m before');
    await deployed(-1, { source: 'external', requestedBy: 'github:carol', version: 'v1.5.0' });
    expect((await link(await open())).timeline.at(-1)!.text).toBe('Linked to deploy of api v1.5.0 to shop/prod by carol via CI, finished 1m before');
  });

  it('keeps the first link and survives a store failure', async () => {
    const { deployments, deployed, open, link, incidents, warnings } = setup();
    const first = await deployed(-40);
    const incident = await open();
    await link(incident);
    await deployed(-5);
    const again = await link(incident);
    expect(again.deploymentId).toBeNull(); // the returned copy is unchanged: nothing new was linked
    expect((await incidents.get(incident.id))!.deploymentId).toBe(first.id);
    expect((await incidents.get(incident.id))!.timeline).toHaveLength(1);

    deployments.finishedBetween = async () => {
      throw new Error('database down');
    };
    const other = await open();
    expect(await link(other)).toEqual(other);
    expect(warnings).toEqual(['could not read the recent deploys to link to an incident']);
  });
});

describe('processAlertGroup with deploy linking', () => {
  it('links on opening only, at the time the first alert started, and without deployLink links nothing', async () => {
    const { incidents, deployments, deployed } = setup();
    const before = await deployed(-8);
    let now = min(2); // Alertmanager's group_wait: the notification arrives after the alert started
    const deps: AlertProcessorDeps = {
      incidents,
      notifier: new RecordingNotifier(),
      unit: new MemoryUnitOfWork({ incidents }),
      audit: new MemoryAuditLog(),
      clock: { now: () => now },
      logger: silentLogger,
      projectLabel: 'project',
      projects: new Set(['shop']),
      nameOf: (id: string) => id,
      deployLink: { deployments, withinMs: HOUR, envLabel: 'env' },
      settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: HOUR },
      catalog: { projects: [] },
    };
    const alert = (fingerprint: string, startsAt: Date) => ({
      status: 'firing' as const,
      labels: { alertname: 'HighErrorRate', project: 'shop', env: 'prod' },
      annotations: {},
      startsAt,
      endsAt: null,
      fingerprint,
    });
    const group = (alerts: ReturnType<typeof alert>[]) => ({
      groupKey: 'g',
      status: 'firing' as const,
      receiver: 'deckhand',
      groupLabels: {},
      commonLabels: { project: 'shop' },
      commonAnnotations: {},
      truncatedAlerts: 0,
      alerts,
    });

    const out = await processAlertGroup(deps, group([alert('a1', OPENED)]));
    const id = out.incidents[0]!.id!;
    expect((await incidents.get(id))!.deploymentId).toBe(before.id);
    expect((await incidents.get(id))!.timeline.at(-1)!.text).toBe('Linked to deploy of api 1.4.1 to shop/prod by alice, finished 8m before');

    // A deploy after the opening is no suspect, and updates of the open incident never link again.
    await deployed(3);
    now = min(5);
    await processAlertGroup(deps, group([alert('a1', OPENED), alert('a2', min(4))]));
    expect((await incidents.get(id))!.timeline.filter((e) => e.kind === 'deploy')).toHaveLength(1);

    const unlinked = await processAlertGroup({ ...deps, deployLink: undefined }, { ...group([alert('b1', min(5))]), groupKey: 'other' });
    expect((await incidents.get(unlinked.incidents[0]!.id!))!.deploymentId).toBeNull();
  });
});
