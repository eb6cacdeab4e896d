/**
 * `health` on the real stores: the cost sampler reads a Podman container (its image's build date comes
 * from the engine) into PostgreSQL, deploys and an incident are recorded in PostgreSQL, and the command goes
 * through the chat pipeline. The clock runs 100 days ahead of the engine, so the image built today is 100
 * days old to Deckhand; a second reading 30 days before gives the trend from the same stored rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { renderTelegram, TELEGRAM_TEXT_LIMIT } from '../../../src/adapters/telegram/telegram.renderer.js';
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
import { DEFAULT_COST_SETTINGS } from '../../../src/core/cost/prices.js';
import { compactUsage, sampleUsage } from '../../../src/core/cost/usage-sampler.js';
import { allIntents } from '../../../src/core/intents/index.js';
import type { InboundEvent } from '../../../src/core/messages/inbound.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { createCore } from '../../../src/core/pipeline/core.js';
import type { ChatCore } from '../../../src/core/pipeline/chat-core.js';
import type { Deployment } from '../../../src/core/ports/deployment.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { noopMetrics } from '../../../src/core/ports/metrics.port.js';
import { MemoryActionQueue, RecordingNotifier } from '../../fakes/memory-stores.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { dockerHostUrl, PodmanFixture, requireEngine } from '../../support/podman.js';
import { prismaUnit } from '../../support/prisma-unit.js';

const DAY = 86_400_000;
const AHEAD = 100 * DAY;
const clock = { now: () => new Date(Date.now() + AHEAD) };

let docker: Docker;
let fx: PodmanFixture;
let db: TestDatabase;
let core: ChatCore;
let deployments: PrismaDeploymentStore;
let incidents: PrismaIncidentStore;

const yaml = (container: string) => `
hosts:
  podman: { url: "${dockerHostUrl()}", timeoutMs: 15000 }
projects:
  lab:
    environments:
      prod: { production: true, services: { api: { host: podman, container: ${container} } } }
people:
  - { id: vic, name: Vic, telegram: 2001, roles: [{ role: viewer, project: lab }] }
  - { id: eve, name: Eve, telegram: 2002, roles: [] }
`;

const say = (text: string, user: string): Promise<Reply> =>
  core.handle({ kind: 'command', text, platform: 'telegram', platformUserId: user, chatId: user, chatType: 'private', receivedAt: clock.now() } as InboundEvent);

async function deployed(version: string, at: Date, status: Deployment['status']): Promise<void> {
  const d = await deployments.start({
    actionId: `a-${version}-${status}`, kind: 'deploy', project: 'lab', env: 'prod', service: 'api', version, image: `busybox:${version}`,
    previousVersion: null, previousImage: null, requestedBy: 'vic', approvedBy: null, startedAt: new Date(at.getTime() - 60_000), source: 'deckhand',
  });
  await deployments.finish(d.id, status as 'succeeded', at);
}

beforeAll(async () => {
  docker = await requireEngine();
  fx = new PodmanFixture(docker, 'health');
  db = await createTestDatabase('health');
  await fx.create({ name: fx.name('api'), Cmd: ['sleep', '3600'] });
  const config = parseConfig(yaml(fx.name('api')));
  const runtimes = new Runtimes(config.hosts, { defaultTimeoutMs: 15_000, logger: silentLogger });
  const usage = new PrismaUsageStore(db.prisma);
  deployments = new PrismaDeploymentStore(db.prisma);
  incidents = new PrismaIncidentStore(db.prisma);
  const audit = new PrismaAuditLog(db.prisma);
  core = createCore({
    catalog: config.catalog, limits: config.limits, runtimes, audit, clock, logger: silentLogger, metrics: noopMetrics, intents: allIntents,
    actions: {
      pending: new PrismaPendingActionStore(db.prisma, clock), deployments, locks: new PrismaLockStore(db.prisma, clock), freezes: new PrismaFreezeStore(db.prisma),
      queue: new MemoryActionQueue(), notifier: new RecordingNotifier(), recurringFreezes: config.recurringFreezes, confirmTtlMs: config.actions.confirmTtlMs,
    },
    incidents: { store: incidents, overrides: new PrismaOncallOverrideStore(db.prisma), settings: config.incidents },
    unit: prismaUnit(db.prisma, new RecordingNotifier(), { clock }),
    cost: { usage, settings: DEFAULT_COST_SETTINGS },
  });
  // The sampler reads the running container now and "30 days ago" (both in the clock's time), and the
  // readings are compacted into the hourly rows health reads.
  const sampler = { catalog: config.catalog, runtimes, usage, sampleEveryMs: 60_000, logger: silentLogger, timeoutMs: 15_000 };
  const now = clock.now();
  for (const at of [new Date(now.getTime() - 30 * DAY), now]) expect(await sampleUsage(sampler, at)).toEqual({ sampled: 1, skipped: [], failed: [] });
  expect(await compactUsage(usage, new Date(now.getTime() + 3_600_000))).toBe(2);
  // A failed deploy and a good one in the last week; an incident of api resolved after 45 minutes.
  await deployed('1.1', new Date(now.getTime() - 5 * DAY), 'failed');
  await deployed('1.1', new Date(now.getTime() - 4 * DAY), 'succeeded');
  const openedAt = new Date(now.getTime() - 2 * DAY);
  const alert = { fingerprint: 'f1', name: 'ApiDown', status: 'firing' as const, summary: '', startsAt: openedAt, endsAt: null, labels: { service: 'api', env: 'prod' } };
  const incident = await incidents.open({ project: 'lab', groupKey: 'g1', title: 'api down', openedAt, alerts: [alert], timeline: [] });
  const resolvedAt = new Date(openedAt.getTime() + 45 * 60_000);
  expect(await incidents.resolve(incident.id, resolvedAt, [{ ...alert, status: 'resolved', endsAt: resolvedAt }], [])).not.toBeNull();
}, 90_000);

afterAll(async () => {
  await fx?.cleanup();
  await db?.drop();
});

describe('health on PostgreSQL and Podman', () => {
  it('scores the service from the stored readings, deploys and incidents, with the trend against 30 days ago', async () => {
    const reply = await say('health lab', '2001');

    const table = reply.blocks.find((b) => b.type === 'table') as { rows: string[][] };
    // 100 - 15 (1 of 2 deploys failed) - 5 (one incident) - 3 (45m to restore) - 4 (image 100 days old);
    // 30 days ago only the image's age (70 days: -2) cost points.
    expect(table.rows).toEqual([['api', '73', '-25', 'failed deploys -15, incidents -5, image age -4 +1 more']]);
    expect(reply.text).toContain('image built 100 days ago (-4 of 10)');
    expect(reply.text).toContain('1 of 2 deploys failed (50%) (-15 of 15)');
    expect(reply.text).toContain("1. api: find why api's deploys fail: deploys lab prod (1 of 2 deploys failed (50%), -15)");
    expect(reply.text).not.toContain('No sampler readings');
    const messages = renderTelegram(reply);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
  });

  it('does not show the project to a person without a role on it, and audits both requests', async () => {
    const reply = await say('health lab', '2002');
    expect(reply.tone).toBe('error');
    expect(reply.text).not.toContain('73');
    const { rows } = await db.pool.query<{ outcome: string }>("SELECT outcome FROM audit_log WHERE intent = 'health' ORDER BY at");
    expect(rows.map((r) => r.outcome)).toEqual(['ok', 'not_found']);
  });
});
