/**
 * The safe-actions stack as production wires it (src/bot/container.ts), for one test file: a private
 * PostgreSQL schema with the Prisma stores, BullMQ on real Redis under a unique prefix, the real
 * the runtimes registry (Docker kind) on the Podman socket, the real action processor and worker, and the real core
 * from a YAML config. Only the chat side is replaced: a RecordingNotifier keeps every edit and
 * announcement, and `say`/`click` feed InboundEvents the way an adapter would.
 */
import { PrismaIncidentStore } from '../../src/adapters/prisma/incident.repository.js';
import { PrismaOncallOverrideStore } from '../../src/adapters/prisma/oncall-override.repository.js';
import type Docker from 'dockerode';
import { Redis } from 'ioredis';
import { Runtimes } from '../../src/adapters/runtimes.js';
import { BullActionQueue } from '../../src/adapters/bullmq/bull-action.queue.js';
import { startActionWorker, type ActionWorker } from '../../src/adapters/bullmq/action.worker.js';
import { PrismaAuditLog } from '../../src/adapters/prisma/audit.repository.js';
import { PrismaDeploymentStore } from '../../src/adapters/prisma/deployment.repository.js';
import { PrismaFreezeStore } from '../../src/adapters/prisma/freeze.repository.js';
import { PrismaLockStore } from '../../src/adapters/prisma/lock.repository.js';
import { PrismaPendingActionStore } from '../../src/adapters/prisma/pending-action.repository.js';
import type { PrismaClient } from '../../src/adapters/prisma/prisma-client.js';
import { parseConfig, type DeckhandConfig } from '../../src/bot/config.js';
import { allIntents } from '../../src/core/intents/index.js';
import { findService } from '../../src/core/domain/catalog.js';
import type { InboundEvent } from '../../src/core/messages/inbound.js';
import type { Reply } from '../../src/core/messages/reply.js';
import { createCore, type CoreDeps } from '../../src/core/pipeline/core.js';
import { BullActionScheduler } from '../../src/adapters/bullmq/bull-action-scheduler.js';
import type { ChatCore } from '../../src/core/pipeline/chat-core.js';
import type { Clock } from '../../src/core/ports/clock.port.js';
import { silentLogger, type Logger } from '../../src/core/ports/logger.port.js';
import { noopMetrics } from '../../src/core/ports/metrics.port.js';
import type { Notifier } from '../../src/core/ports/notifier.port.js';
import type { MessageRef, PendingAction, PendingStatus } from '../../src/core/ports/pending-action.port.js';
import type { RuntimeRegistry } from '../../src/core/ports/runtime.port.js';
import type { PromotionServices } from '../../src/core/services.js';
import type { ChangeSources } from '../../src/core/deploys/deploy-changes.js';
import { createActionProcessor, type ActionProcessor } from '../../src/core/actions/action.processor.js';
import type { ActionRunDeps, ActionSettings } from '../../src/core/actions/action-deps.js';
import { recoverUnfinished } from '../../src/core/actions/action-recovery.js';
import { connection, obliterate, uniquePrefix } from '../integration/bullmq/redis-test.support.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { dockerHostUrl, PodmanFixture, requireEngine } from './podman.js';
import { ensureTestImages, WEB_REPO } from './registry.js';
import { prismaUnit } from './prisma-unit.js';

/** Who may do what (telegram user ids): two admins, two operators and a viewer of project `shop`. */
export const PEOPLE = { alice: '1001', dave: '1002', bob: '1003', carol: '1004', vic: '1005' } as const;
export type PersonName = keyof typeof PEOPLE;
export const REPLICAS = 3;

/** The config: service `web` in `shop/prod` (production, four-eyes) and `shop/staging`, labelled per run. */
export function actionsConfigYaml(runId: string, dockerUrl = dockerHostUrl()): string {
  // Staging names its host the newer way (`target:`), production the way older configs do (`host:`).
  const svc = (env: string) => `web: { ${env === 'staging' ? 'target' : 'host'}: local, labels: { app: web, env: ${env}, deckhand.it: ${runId} }, image: ${WEB_REPO} }`;
  return `
hosts:
  local: { url: "${dockerUrl}", timeoutMs: 30000 }
projects:
  shop:
    environments:
      prod: { production: true, services: { ${svc('prod')} } }
      staging: { services: { ${svc('staging')} } }
people:
  - { id: alice, name: Alice, telegram: ${PEOPLE.alice}, roles: [{ role: admin, project: shop }] }
  - { id: dave, name: Dave, telegram: ${PEOPLE.dave}, roles: [{ role: admin, project: shop }] }
  - { id: bob, name: Bob, telegram: ${PEOPLE.bob}, roles: [{ role: operator, project: shop }] }
  - { id: carol, name: Carol, telegram: ${PEOPLE.carol}, roles: [{ role: operator, project: shop }] }
  - { id: vic, name: Vic, telegram: ${PEOPLE.vic}, roles: [{ role: viewer, project: shop }] }
chats:
  - { platform: telegram, id: -100777, projects: [shop] }
limits: { hostTimeoutMs: 30000 }
actions: { confirmTtl: 5m, healthTimeout: 20s, healthGrace: 1s, lockLease: 30s }
`;
}

/** A Notifier that records every edit and announcement (the chat side of the stack). */
export class RecordingNotifier implements Notifier {
  readonly edits: { ref: MessageRef; reply: Reply }[] = [];
  readonly announcements: { project: string; reply: Reply }[] = [];

  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    this.edits.push({ ref: { ...ref }, reply: structuredClone(reply) });
  }

  async announce(project: string, reply: Reply): Promise<void> {
    this.announcements.push({ project, reply: structuredClone(reply) });
  }

  /** A keyed publish shows in the chat like an announcement (then edited in place); recorded as one. */
  async publish(project: string, _key: string, reply: Reply): Promise<void> {
    this.announcements.push({ project, reply: structuredClone(reply) });
  }

  /** Messages to one chat (Notifier.tell), with the chat and the push key. */
  readonly told: { platform: string; chatId: string; reply: Reply; key?: string }[] = [];

  async tell(chat: { platform: string; chatId: string }, reply: Reply, options?: { key?: string }): Promise<void> {
    this.told.push({ platform: chat.platform, chatId: chat.chatId, reply: structuredClone(reply), ...(options?.key ? { key: options.key } : {}) });
  }

  /** Texts of the edits of one message, oldest first. */
  editsOf(messageId: string): string[] {
    return this.edits.filter((e) => e.ref.messageId === messageId).map((e) => e.reply.text);
  }

  announced(project: string): string[] {
    return this.announcements.filter((a) => a.project === project).map((a) => a.reply.text);
  }
}

/** The ports the processor, the worker and recovery run on (shared with the crash test's child process). */
export function buildRunDeps(prisma: PrismaClient, config: DeckhandConfig, o: { notifier: Notifier; clock: Clock; logger: Logger; settings: ActionSettings; runtimes?: RuntimeRegistry }): ActionRunDeps {
  const runtimes = o.runtimes ?? new Runtimes(config.hosts, { defaultTimeoutMs: config.limits.hostTimeoutMs, logger: o.logger });
  return {
    pendingActions: new PrismaPendingActionStore(prisma, o.clock),
    deployments: new PrismaDeploymentStore(prisma),
    locks: new PrismaLockStore(prisma, o.clock),
    runtimes,
    notifier: o.notifier,
    unit: prismaUnit(prisma, o.notifier, { clock: o.clock }),
    clock: o.clock,
    logger: o.logger,
    settings: o.settings,
    audit: new PrismaAuditLog(prisma),
    personName: (id) => config.catalog.people.find((p) => p.id === id)?.name ?? id,
    probeFor: (project, env, service) => findService(config.catalog, project, env, service)?.probe,
  };
}

export interface ActionsStackOptions {
  /** Names the schema, queue prefix and container labels. */
  name: string;
  /** Overrides of the processor's settings (below the config's 1 s minimum allowed). */
  settings?: Partial<ActionSettings>;
  /** Wraps the real processor (count calls, time the start). */
  wrapProcessor?: (real: ActionProcessor) => ActionProcessor;
  /** Wraps the runtime registry (the benchmark times health waits). */
  wrapRuntimes?: (real: RuntimeRegistry) => RuntimeRegistry;
  /** Start the in-process worker (default true). */
  worker?: boolean;
  logger?: Logger;
  /** Another config than actionsConfigYaml's (labels may use the fixture's run id). */
  yaml?: (runId: string, dockerUrl: string) => string;
  /** What `promote` needs (built with the stack's PostgreSQL client). */
  promotion?: (prisma: PrismaClient) => PromotionServices;
  /** Where plans find the commits between versions. */
  changes?: ChangeSources;
}

/** Fails with a clear message (never skips) when Redis does not answer. */
async function requireRedis(): Promise<void> {
  const probe = new Redis({ host: connection.host, port: connection.port, lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new Error(`Redis does not answer at ${connection.host}:${connection.port} (${(error as Error).message}); start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`);
  } finally {
    probe.disconnect();
  }
}

export type ActionsStack = Awaited<ReturnType<typeof createActionsStack>>;

export async function createActionsStack(opts: ActionsStackOptions) {
  const docker = await requireEngine();
  await requireRedis();
  await ensureTestImages(docker);
  const db: TestDatabase = await createTestDatabase(`actions_${opts.name}`);
  const fixture = new PodmanFixture(docker, opts.name);
  const prefix = uniquePrefix(opts.name);
  const yaml = opts.yaml ? opts.yaml(fixture.runId, dockerHostUrl()) : actionsConfigYaml(fixture.runId);
  const config = parseConfig(yaml);
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const notifier = new RecordingNotifier();
  const logger = opts.logger ?? silentLogger;
  const settings: ActionSettings = { ...config.actions, ...opts.settings };
  const real = new Runtimes(config.hosts, { defaultTimeoutMs: config.limits.hostTimeoutMs, logger });
  const runtimes = opts.wrapRuntimes?.(real) ?? real;
  const deps = buildRunDeps(db.prisma, config, { notifier, clock, logger, settings, runtimes });
  const queue = new BullActionQueue({ connection, prefix });
  const freezes = new PrismaFreezeStore(db.prisma);
  const incidents = new PrismaIncidentStore(db.prisma);
  // Scheduled actions' delayed jobs on the same Redis prefix (the workers are the test's to start).
  const scheduler = new BullActionScheduler({ connection, prefix });
  const coreDeps: CoreDeps = {
    catalog: config.catalog,
    limits: config.limits,
    runtimes,
    audit: deps.audit!,
    clock,
    logger,
    metrics: noopMetrics,
    intents: allIntents,
    actions: {
      pending: deps.pendingActions, deployments: deps.deployments, locks: deps.locks, freezes, queue, notifier, recurringFreezes: config.recurringFreezes, confirmTtlMs: config.actions.confirmTtlMs,
      ...(opts.promotion ? { promotion: opts.promotion(db.prisma) } : {}),
      ...(opts.changes ? { changes: opts.changes } : {}),
      scheduler,
      audit: deps.audit!,
    },
    incidents: { store: incidents, overrides: new PrismaOncallOverrideStore(db.prisma), settings: config.incidents },
    unit: deps.unit,
  };
  const core: ChatCore = createCore(coreDeps);
  const recovery = () => recoverUnfinished({ ...deps, isQueued: (id, claimedAt) => queue.isQueued(id, claimedAt), graceMs: 0 });
  const processor = opts.wrapProcessor?.(createActionProcessor(deps)) ?? createActionProcessor(deps);
  const startWorker = (): ActionWorker =>
    startActionWorker({ connection, prefix, processor, logger, lockDurationMs: 5_000, stalledIntervalMs: 500, onAbandoned: async () => void (await recovery()) });
  let worker: ActionWorker | undefined = opts.worker === false ? undefined : startWorker();
  let messages = 0;

  const event = (user: PersonName) => ({ platform: 'telegram' as const, platformUserId: PEOPLE[user], chatId: PEOPLE[user], chatType: 'private' as const, receivedAt: clock.now() });

  /** A command as the user typed it; a reply with buttons is "posted" and its message attached, as adapters do. */
  async function say(text: string, user: PersonName): Promise<Reply & { messageId?: string }> {
    const reply = await core.handle({ kind: 'command', text, ...event(user) } as InboundEvent);
    const pendingId = pendingIdOf(reply);
    if (!pendingId) return reply;
    const messageId = String(++messages);
    await core.attachMessage(pendingId, { platform: 'telegram', chatId: PEOPLE[user], messageId });
    return { ...reply, messageId };
  }

  function click(reply: Reply, label: string, user: PersonName): Promise<Reply> {
    const button = reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : [])).find((b) => b.label === label);
    if (!button) throw new Error(`no button "${label}" in reply: ${reply.text}`);
    return core.handle({ kind: 'action', actionId: button.actionId, pendingId: button.pendingId, ...event(user) } as InboundEvent);
  }

  /** Polls the store until the action has `status`; fails early when it settles on another final status. */
  async function waitForAction(id: string, status: PendingStatus, timeoutMs = 60_000): Promise<PendingAction> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const action = await deps.pendingActions.get(id);
      if (action?.status === status) return action;
      const settled = action && !['pending', 'scheduled', 'claimed'].includes(action.status);
      if (settled || Date.now() > until) throw new Error(`action ${id} is ${action?.status ?? 'missing'} (${action?.result ?? 'no result'}), expected ${status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Creates `count` replicas of web in `env` from `image`, named web-<env>-<n>-<runId>. */
  async function createReplicas(env: 'prod' | 'staging', image: string, count = REPLICAS): Promise<string[]> {
    const ids: string[] = [];
    for (let n = 1; n <= count; n++) {
      const c = await fixture.create({ name: fixture.name(`web-${env}-${n}`), image, labels: { app: 'web', env, 'deckhand.it': fixture.runId } });
      ids.push(c.id);
    }
    return ids;
  }

  /** Every container of web in `env` (any state), inspected, sorted by name. */
  async function containers(env: 'prod' | 'staging'): Promise<Docker.ContainerInspectInfo[]> {
    const listed = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`app=web`, `env=${env}`, `deckhand.it=${fixture.runId}`] }) });
    const inspected = await Promise.all(listed.map((c) => docker.getContainer(c.Id).inspect()));
    return inspected.sort((a, b) => a.Name.localeCompare(b.Name));
  }

  return {
    docker, db, fixture, prefix, yaml, config, clock, notifier, deps, queue, freezes, incidents, core, coreDeps, scheduler, settings, recovery, processor,
    say, click, waitForAction, createReplicas, containers,
    /** Moves the stack's clock (expiry tests); 0 puts it back. */
    setClockOffset: (ms: number) => void (offsetMs = ms),
    startWorker: () => (worker ??= startWorker()),
    async close(): Promise<void> {
      await worker?.close();
      worker = undefined;
      await queue.close();
      await scheduler.close();
      await obliterate(prefix).catch(() => undefined);
      await fixture.cleanup();
      await db.drop();
    },
  };
}

/** The pending action id behind a reply's buttons, if it has any. */
export function pendingIdOf(reply: Reply): string | undefined {
  return reply.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []))[0]?.pendingId;
}
