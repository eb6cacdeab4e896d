/**
 * Cost and health of Kubernetes workloads on the real stores: the cost sampler reads a Deployment's use
 * from the metrics API of the fake API server (through @kubernetes/client-node) into PostgreSQL, the
 * readings are compacted, and `cost` and `health` answer through the chat pipeline. A second cluster has
 * no metrics-server: the sampler reads nothing there and does not fail, and its environment shows as not
 * measured enough to compare. The readings are taken "yesterday" (the sampler's fire times), so the
 * complete days the reports read include them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesRuntime } from '../../../src/adapters/kubernetes/kubernetes.runtime.js';
import { Runtimes } from '../../../src/adapters/runtimes.js';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import { PrismaDeploymentStore } from '../../../src/adapters/prisma/deployment.repository.js';
import { PrismaFreezeStore } from '../../../src/adapters/prisma/freeze.repository.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { PrismaLockStore } from '../../../src/adapters/prisma/lock.repository.js';
import { PrismaOncallOverrideStore } from '../../../src/adapters/prisma/oncall-override.repository.js';
import { PrismaPendingActionStore } from '../../../src/adapters/prisma/pending-action.repository.js';
import { PrismaUsageStore } from '../../../src/adapters/prisma/usage.repository.js';
import { parseConfig } from '../../../src/bot/config.js';
import { compactUsage, sampleUsage, type SamplerDeps } from '../../../src/core/cost/usage-sampler.js';
import { allIntents } from '../../../src/core/intents/index.js';
import type { InboundEvent } from '../../../src/core/messages/inbound.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { createCore } from '../../../src/core/pipeline/core.js';
import type { ChatCore } from '../../../src/core/pipeline/chat-core.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { noopMetrics } from '../../../src/core/ports/metrics.port.js';
import { MemoryActionQueue, RecordingNotifier } from '../../fakes/memory-stores.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { FakeKubernetes } from '../../support/fake-kubernetes.js';
import { prismaUnit } from '../../support/prisma-unit.js';
import { recordingLogger } from '../../unit/adapters/telegram/recording-core.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const clock = { now: () => new Date() };
const yesterday = (hour: number) => new Date(Math.floor(Date.now() / DAY) * DAY - DAY + hour * HOUR);

let cluster: FakeKubernetes;
let bare: FakeKubernetes;
let db: TestDatabase;
let core: ChatCore;
let usage: PrismaUsageStore;
const log = recordingLogger();
const runs: Awaited<ReturnType<typeof sampleUsage>>[] = [];

const runtimeOf = (host: string, fake: FakeKubernetes, dir: string, now: () => Date) =>
  new KubernetesRuntime(host, { kubeconfig: fake.kubeconfig(dir), context: 'fake' }, { namespace: 'shop', logger: log.logger, now });

const say = (text: string): Promise<Reply> =>
  core.handle({ kind: 'command', text, platform: 'telegram', platformUserId: '2001', chatId: '2001', chatType: 'private', receivedAt: clock.now() } as InboundEvent);
const table = (r: Reply) => (r.blocks.find((b) => b.type === 'table') as { rows: string[][] }).rows;

beforeAll(async () => {
  [cluster, bare] = await Promise.all([FakeKubernetes.start(), FakeKubernetes.start()]);
  bare.metricsServer = 'absent';
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-kube-usage-'));
  // prod: two replicas, each 500m CPU and 512 MiB, mounting one 10 GiB claim; staging on a cluster without metrics-server.
  cluster.addClaim('shop', 'api-data', '10Gi');
  cluster.addDeployment({ namespace: 'shop', name: 'api', image: 'registry.test/shop/api:1.4', replicas: 2, podSpec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'api-data' } }] } });
  bare.addDeployment({ namespace: 'shop', name: 'api', image: 'registry.test/shop/api:1.5', replicas: 1 });
  const pods = cluster.pods('shop', 'api').map((p) => p.metadata.name as string).sort();
  for (const pod of pods) cluster.setUsage(pod, { app: { cpu: '500m', memory: '512Mi' } });

  const config = parseConfig(`
hosts:
  eu-cluster: { kind: kubernetes, kubeconfig: ${cluster.kubeconfig(dir)}, context: fake, namespace: shop }
  bare-cluster: { kind: kubernetes, kubeconfig: ${bare.kubeconfig(dir)}, context: fake, namespace: shop }
cost:
  prices: { currency: USD, cpuCoreHour: 0.04, memoryGbHour: 0.005, storageGbMonth: 0.10 }
projects:
  shop:
    environments:
      staging: { services: { api: { host: bare-cluster, container: deployment/api } } }
      prod: { production: true, services: { api: { host: eu-cluster, container: deployment/api } } }
people:
  - { id: vic, name: Vic, telegram: 2001, roles: [{ role: viewer, project: shop }] }
`);
  const runtimes = new Runtimes(config.hosts, { defaultTimeoutMs: 10_000, logger: silentLogger });
  db = await createTestDatabase('kube_usage');
  usage = new PrismaUsageStore(db.prisma);
  core = createCore({
    catalog: config.catalog, limits: config.limits, runtimes, audit: new PrismaAuditLog(db.prisma), clock, logger: silentLogger, metrics: noopMetrics, intents: allIntents,
    actions: {
      pending: new PrismaPendingActionStore(db.prisma, clock), deployments: new PrismaDeploymentStore(db.prisma), locks: new PrismaLockStore(db.prisma, clock), freezes: new PrismaFreezeStore(db.prisma),
      queue: new MemoryActionQueue(), notifier: new RecordingNotifier(), recurringFreezes: config.recurringFreezes, confirmTtlMs: config.actions.confirmTtlMs,
    },
    incidents: { store: new PrismaIncidentStore(db.prisma), overrides: new PrismaOncallOverrideStore(db.prisma), settings: config.incidents },
    unit: prismaUnit(db.prisma, new RecordingNotifier(), { clock }),
    cost: { usage, settings: config.cost },
  });

  // Three hourly fires yesterday: quiet; after the first pod's container crashed twice; while the second
  // pod has lost its readiness. The sampler's runtimes read at the fire time (their clock), as they
  // would have then; the chat's runtimes are the configured ones.
  let fire = yesterday(10);
  const at = () => fire;
  const sampled = { 'eu-cluster': runtimeOf('eu-cluster', cluster, dir, at), 'bare-cluster': runtimeOf('bare-cluster', bare, dir, at) };
  const sampler: SamplerDeps = { catalog: config.catalog, runtimes: { get: (h) => sampled[h as keyof typeof sampled], hosts: () => Object.keys(sampled) }, usage, sampleEveryMs: HOUR, logger: log.logger, timeoutMs: 10_000 };
  runs.push(await sampleUsage(sampler, fire));
  cluster.crash('shop', pods[0]!, 2);
  fire = yesterday(11);
  runs.push(await sampleUsage(sampler, fire));
  cluster.failReadiness('shop', pods[1]!);
  fire = yesterday(12);
  runs.push(await sampleUsage(sampler, fire));
  expect(await compactUsage(usage, new Date())).toBe(3);
}, 60_000);

afterAll(async () => {
  await Promise.all([cluster?.close(), bare?.close()]);
  await db?.drop();
});

describe('cost and health of Kubernetes workloads', () => {
  it('the sampler writes the workload\'s readings, and reads nothing without failing where metrics-server is missing', async () => {
    expect(runs).toEqual([
      { sampled: 1, skipped: [], failed: [] },
      { sampled: 1, skipped: [], failed: [] },
      { sampled: 1, skipped: [], failed: [] },
    ]);
    const [day] = await usage.daily({ projects: ['shop'], from: yesterday(0), to: new Date() });
    expect(day).toMatchObject({ env: 'prod', service: 'api', seconds: 3 * 3600, restarts: 2, unhealthySeconds: 3600, imageCreatedAt: null });
    // 2 × 500m for 3 hours; 2 × 512 MiB; the claim's 10 GiB.
    expect(day!.cpuCoreSeconds).toBeCloseTo(3 * 3600, 6);
    expect(day!.memoryByteSeconds).toBe(3 * 3600 * 2 ** 30);
    expect(day!.storageByteSeconds).toBe(3 * 3600 * 10 * 2 ** 30);
    // Said once for the cluster without the metrics API, over three fires.
    expect(log.entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual(['usage not measured: the cluster does not serve the metrics API (metrics.k8s.io): install metrics-server']);
  });

  it('cost shows the Kubernetes environment with its use and money', async () => {
    const reply = await say('cost shop');
    expect(reply.tone).not.toBe('error');
    const rows = table(reply);
    const prod = rows.find((r) => r[0] === 'prod')!;
    expect(prod.slice(0, 2)).toEqual(['prod', '3.00']); // CPU core-hours
    expect(prod[2]).toBe('3.00'); // memory GB-hours
    expect(prod[4]).toMatch(/^\$0\.1\d$/);
    // Neither environment is "cannot report use": the runtime can, the bare cluster just has no readings.
    expect(reply.text).not.toContain('runtime cannot report use');
    expect(rows.map((r) => r[0])).not.toContain('staging');
  });

  it('health of the Kubernetes service reflects its restarts and unhealthy time, and says image age is unknown', async () => {
    const reply = await say('health shop');
    // staging, then prod: 100 - 6 (2 restarts × 3) - 5 (one hour unhealthy); staging has no readings at all.
    const tables = reply.blocks.filter((b) => b.type === 'table') as { rows: string[][] }[];
    expect(tables.map((t) => t.rows)).toEqual([[['api', '100', 'none yet', '-']], [['api', '89', 'none yet', 'restarts -6, unhealthy -5']]]);
    expect(reply.text).toContain('2 restarts in 7 days (-6 of 15)');
    expect(reply.text).toContain('Image age not measured (their runtime does not say when an image was built): api (prod).');
    expect(reply.text).toContain('No sampler readings in 7 days of: api (staging).');
  });
});
