/**
 * Linking an opening incident to the deploy that finished shortly before it, through the real Alertmanager
 * processor over PrismaIncidentStore and PrismaDeploymentStore in a private schema.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { processAlertGroup, type AlertProcessorDeps } from '../../../src/core/incidents/alert-notification.js';
import { PrismaDeploymentStore } from '../../../src/adapters/prisma/deployment.repository.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import type { AlertGroup, GroupAlert } from '../../../src/core/domain/alert-group.js';
import { computeDora } from '../../../src/core/domain/dora.js';
import type { NewDeployment } from '../../../src/core/ports/deployment.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { RecordingNotifier } from '../../fakes/memory-stores.js';
import { MemoryAuditLog } from '../../fakes/memory-audit.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { prismaUnit } from '../../support/prisma-unit.js';
import { createPrismaClient } from '../../../src/adapters/prisma/prisma-client.js';

let db: TestDatabase;
let incidents: PrismaIncidentStore;
let deployments: PrismaDeploymentStore;

beforeAll(async () => {
  db = await createTestDatabase('deploy_link');
  incidents = new PrismaIncidentStore(db.prisma);
  deployments = new PrismaDeploymentStore(db.prisma);
});
afterAll(() => db?.drop());
beforeEach(() => db.pool.query('TRUNCATE deployment, incident RESTART IDENTITY'));

const T0 = new Date('2026-11-23T12:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);
let seq = 0;

/** A deployment record that finished `m` minutes from T0, as the worker or the CI webhook writes it. */
async function finished(m: number, over: Partial<NewDeployment> = {}, status: 'succeeded' | 'failed' = 'succeeded') {
  const d = await deployments.start({
    actionId: `act${++seq}`,
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
    startedAt: min(m - 4),
    source: 'deckhand',
    ...over,
  });
  await deployments.finish(d.id, status, min(m));
  return d;
}

function deps(now: Date): AlertProcessorDeps {
  const base: AlertProcessorDeps = {
    incidents,
    notifier: new RecordingNotifier(),
    unit: prismaUnit(db.prisma, new RecordingNotifier()),
    audit: new MemoryAuditLog(),
    clock: { now: () => now },
    logger: silentLogger,
    projectLabel: 'project',
    projects: new Set(['shop']),
    nameOf: (id: string) => (id === 'alice' ? 'Alice' : id),
    deployLink: { deployments, withinMs: 3_600_000, envLabel: 'env' },
    settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 },
    catalog: { projects: [] },
  };
  return base;
}

const alert = (fingerprint: string, env: string | undefined, startsAt = T0): GroupAlert => ({
  status: 'firing',
  labels: { alertname: 'HighErrorRate', project: 'shop', service: 'api', ...(env ? { env } : {}) },
  annotations: { summary: 'api 5xx above 5%' },
  startsAt,
  endsAt: null,
  fingerprint,
});

const group = (key: string, alerts: GroupAlert[]): AlertGroup => ({
  groupKey: key,
  status: 'firing',
  receiver: 'deckhand',
  groupLabels: { alertname: 'HighErrorRate' },
  commonLabels: { alertname: 'HighErrorRate', project: 'shop' },
  commonAnnotations: {},
  truncatedAlerts: 0,
  alerts,
});

describe('linking an opening incident to a recent deploy (PostgreSQL)', () => {
  it('links the newest deploy of the alerts environment finished within the window, once', async () => {
    await finished(-50);
    const prod = await finished(-12);
    await finished(-3, { env: 'staging' });
    await finished(-1, { kind: 'restart' });

    const out = await processAlertGroup(deps(min(1)), group('g1', [alert('a1', 'prod')]));
    const id = out.incidents[0]!.id!;

    const stored = await incidents.get(id);
    expect(stored!.deploymentId).toBe(prod.id);
    expect(stored!.timeline.filter((e) => e.kind === 'deploy')).toEqual([
      { at: T0, kind: 'deploy', text: 'Linked to deploy of api 1.4.2 to shop/prod by Alice, finished 12m before', by: null },
    ]);

    // A later notification of the same group folds into the incident; the link stays the first one.
    await finished(0.5);
    await processAlertGroup(deps(min(2)), group('g1', [alert('a1', 'prod'), alert('a2', 'prod', min(2))]));
    const again = await incidents.get(id);
    expect(again!.deploymentId).toBe(prod.id);
    expect(again!.timeline.filter((e) => e.kind === 'deploy')).toHaveLength(1);
  });

  it('opens and links alert groups arriving together on a one-connection pool: the unit waits for no second connection', async () => {
    const prod = await finished(-12);
    // The deploy is read before the incident's transaction; read inside it, each opening would hold the
    // only connection while waiting for another, and time out.
    const one = createPrismaClient(db.url, { poolMax: 1 });
    try {
      const tight: AlertProcessorDeps = {
        ...deps(min(1)),
        incidents: new PrismaIncidentStore(one),
        unit: prismaUnit(one, new RecordingNotifier()),
        deployLink: { deployments: new PrismaDeploymentStore(one), withinMs: 3_600_000, envLabel: 'env' },
      };
      const outs = await Promise.all(['p1', 'p2', 'p3'].map((key, i) => processAlertGroup(tight, group(key, [alert(`c${i}`, 'prod')]))));
      const ids = outs.map((o) => o.incidents[0]!.id!);
      for (const id of ids) expect((await incidents.get(id))!.deploymentId).toBe(prod.id);
    } finally {
      await one.$disconnect();
    }
  });

  it('takes any environment when the alerts name none, and links nothing outside the window', async () => {
    const staging = await finished(-3, { env: 'staging', source: 'external', requestedBy: 'github:carol', version: 'v2.0.0' });
    const any = await processAlertGroup(deps(T0), group('g2', [alert('b1', undefined)]));
    const linked = await incidents.get(any.incidents[0]!.id!);
    expect(linked!.deploymentId).toBe(staging.id);
    expect(linked!.timeline.at(-1)!.text).toBe('Linked to deploy of api v2.0.0 to shop/staging by carol via CI, finished 3m before');

    const late = await processAlertGroup(deps(min(70)), group('g3', [alert('c1', 'staging', min(70))]));
    expect((await incidents.get(late.incidents[0]!.id!))!.deploymentId).toBeNull();
  });

  it('feeds the change failure rate from the stored link', async () => {
    const bad = await finished(-10);
    await finished(-200, { service: 'web' });
    await processAlertGroup(deps(T0), group('g4', [alert('d1', 'prod')]));
    const all = await deployments.recent({ project: 'shop', limit: 10 });
    const opened = await incidents.between({ projects: ['shop'], from: min(-60 * 24), to: min(1) });
    expect(opened.map((i) => i.deploymentId)).toEqual([bad.id]);
    expect(computeDora(all, opened, { days: 1 }, min(1)).changeFailure).toEqual({ failed: 1, total: 2, rate: 0.5 });
  });
});
