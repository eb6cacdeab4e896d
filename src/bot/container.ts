import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { Runtimes } from '../adapters/runtimes.js';
import type { MountedRoute, ReadinessCheck } from '../adapters/http/http-server.js';
import { createHttpServer, type HttpServer } from '../adapters/http/http-server.js';
import { PrismaAuditLog } from '../adapters/prisma/audit.repository.js';
import type { AuditLog } from '../core/ports/audit.port.js';
import { assertMigrationsApplied } from '../adapters/prisma/migration-check.js';
import { createPrismaClient, type PrismaClient } from '../adapters/prisma/prisma-client.js';
import { PrismaProcessedEvents } from '../adapters/prisma/processed-event.repository.js';
import { allIntents } from '../core/intents/index.js';
import { findService } from '../core/domain/catalog.js';
import { createCore, type CoreDeps } from '../core/pipeline/core.js';
import type { ChatCore } from '../core/pipeline/chat-core.js';
import { systemClock } from '../core/ports/clock.port.js';
import type { DeckhandConfig } from './config.js';
import { alertmanagerAuth, type Env } from './env.js';
import { asCoreLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { redisOptions } from './redis-connection.js';
import { BullActionQueue } from '../adapters/bullmq/bull-action.queue.js';
import { startActionWorker } from '../adapters/bullmq/action.worker.js';
import { PrismaDeploymentStore } from '../adapters/prisma/deployment.repository.js';
import { PrismaFreezeStore } from '../adapters/prisma/freeze.repository.js';
import { PrismaLockStore } from '../adapters/prisma/lock.repository.js';
import { PrismaPendingActionStore } from '../adapters/prisma/pending-action.repository.js';
import { createNotifier } from '../adapters/notifier/notifier.router.js';
import { wirePlatforms, type WiredPlatforms } from './wire/platforms.js';
import { createActionProcessor } from '../core/actions/action.processor.js';
import type { ActionRunDeps } from '../core/actions/action-deps.js';
import { recoverUnfinished } from '../core/actions/action-recovery.js';
import { periodic } from '../jobs/periodic.js';
import { startExpirySweeper } from '../jobs/expiry.sweeper.js';
import { previousFireTime, startReportScheduler, type ReportScheduler } from '../adapters/bullmq/report-scheduler.js';
import { createMorningReportRun } from '../jobs/morning-report.schedule.js';
import type { Reply } from '../core/messages/reply.js';
import { createGitHubWebhookHandler } from '../adapters/http/github-webhook.handler.js';
import { ALERTMANAGER_WEBHOOK_PATH, createAlertmanagerWebhookHandler } from '../adapters/http/alertmanager.handler.js';
import { PrismaIncidentStore } from '../adapters/prisma/incident.repository.js';
import { PrismaPostedMessages } from '../adapters/prisma/posted-message.repository.js';
import { PrismaOncallOverrideStore } from '../adapters/prisma/oncall-override.repository.js';
import { PrismaHandoffLog } from '../adapters/prisma/handoff-log.repository.js';
import { createAlertmanagerSilencer } from '../adapters/http/alertmanager.silencer.js';
import { escalationSweeper } from '../jobs/escalation.sweeper.js';
import { handoffAnnouncer } from '../jobs/handoff.announcer.js';
import { createAlertmanagerAlertSource } from '../adapters/http/alertmanager.alerts.js';
import { incidentReconciler } from '../jobs/incident-reconciler.js';
import { createIncidentServices } from '../core/incidents/incident-services.js';

/** How long a processed platform event (update id, event id, signed request) is remembered. */
const PROCESSED_EVENT_TTL_MS = 24 * 60 * 60_000;

/** The composition root: the only place that knows every piece. */
export interface App {
  core: ChatCore;
  http?: HttpServer;
  /** The connected chat platforms (their adapters, routes, readiness). */
  platforms?: WiredPlatforms;
  /** Starts chat adapters (and the HTTP server unless `withHttp` is false). */
  start(): Promise<void>;
  /** Graceful shutdown: stop taking work, finish what is in flight, close connections. */
  stop(): Promise<void>;
}

export interface BuildOptions {
  /** The shell REPL needs the core only: no HTTP server and no chat adapters. */
  shellOnly?: boolean;
}

/** CI webhooks: GitHub deployments and workflow runs, mapped through `github.repos` in the config. */
function githubWebhook(secret: string, config: DeckhandConfig, deps: ActionRunDeps, audit: AuditLog, processed: PrismaProcessedEvents) {
  const repos = config.github?.repos ?? {};
  return createGitHubWebhookHandler({
    secret,
    clock: deps.clock,
    deployments: deps.deployments,
    notifier: deps.notifier,
    logger: deps.logger,
    incidents: deps.incidents,
    audit,
    isFirstSeen: (id) => processed.firstSeen('github', id),
    resolveService: (repo, ghEnv) => {
      const r = repos[repo];
      if (!r) return null;
      const t = ghEnv ? r.environments[ghEnv] : Object.values(r.environments)[0];
      return t ? { ...t, image: findService(config.catalog, t.project, t.env, t.service)?.image } : null;
    },
    deployWorkflow: (repo, wf) => repos[repo]?.deployWorkflows[wf.path] ?? null,
  });
}

export async function buildApp(env: Env, config: DeckhandConfig, logger: Logger, options: BuildOptions = {}): Promise<App> {
  const coreLogger = asCoreLogger(logger);
  const prisma = createPrismaClient(env.DATABASE_URL, { onPoolError: (err) => logger.warn({ err }, 'idle database connection failed') });
  try {
    await assertMigrationsApplied(prisma);
  } catch (err) {
    await prisma.$disconnect();
    throw err;
  }
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const runtimes = new Runtimes(config.hosts, { defaultTimeoutMs: config.limits.hostTimeoutMs, logger: coreLogger });
  const clock = systemClock;
  const audit = new PrismaAuditLog(prisma);
  const notifier = createNotifier({}, coreLogger);
  const connection = redisOptions(env.REDIS_URL);
  // Replicas of one deployment share QUEUE_PREFIX; deployments sharing a Redis database need different ones.
  const prefix = env.QUEUE_PREFIX;
  const queue = new BullActionQueue({ connection, prefix });
  const incidents = new PrismaIncidentStore(prisma);
  const posted = new PrismaPostedMessages(prisma);
  const overrides = new PrismaOncallOverrideStore(prisma);
  const silencer = config.alertmanager.url ? createAlertmanagerSilencer({ url: config.alertmanager.url }) : undefined;
  const personName = (id: string) => config.catalog.people.find((p) => p.id === id)?.name ?? id;
  const runDeps: ActionRunDeps = {
    pendingActions: new PrismaPendingActionStore(prisma, clock),
    deployments: new PrismaDeploymentStore(prisma),
    locks: new PrismaLockStore(prisma, clock),
    runtimes,
    notifier,
    clock,
    logger: coreLogger,
    settings: config.actions,
    audit,
    personName,
    incidents,
    probeFor: (project, env, service) => findService(config.catalog, project, env, service)?.probe,
  };
  // The incident use cases share one set of post dependencies (alert notifications, reconciliation, paging).
  const incidentServices = createIncidentServices({
    incidents,
    overrides,
    notifier,
    clock,
    logger: coreLogger,
    audit,
    catalog: config.catalog,
    settings: config.incidents,
    deployments: runDeps.deployments,
    alerts: config.alertmanager.url ? createAlertmanagerAlertSource({ url: config.alertmanager.url }) : undefined,
  });
  // Paging of unacknowledged incidents and handoff announcements: clock-driven sweeps whose steps are claimed
  // by conditional updates, so with several replicas each page and each announcement is posted once.
  const escalation = escalationSweeper(incidentServices.escalation);
  const handoffs = handoffAnnouncer({
    overrides,
    notifier,
    clock,
    logger: coreLogger,
    audit,
    rotations: config.catalog.rotations,
    people: config.catalog.people,
    handoffs: new PrismaHandoffLog(prisma),
  });
  // Alerts that resolve while silenced send no notification (Alertmanager mutes and drops it): ask it which
  // alerts of silenced incidents still exist and close the rest (conditional updates, so posted once).
  const reconciler = incidentServices.reconciliation ? incidentReconciler(incidentServices.reconciliation) : undefined;
  const coreDeps: CoreDeps = {
    catalog: config.catalog,
    limits: config.limits,
    runtimes,
    audit,
    clock,
    logger: coreLogger,
    metrics,
    intents: allIntents,
    actions: {
      pending: runDeps.pendingActions,
      deployments: runDeps.deployments,
      locks: runDeps.locks,
      freezes: new PrismaFreezeStore(prisma),
      queue,
      notifier,
      recurringFreezes: config.recurringFreezes,
      confirmTtlMs: config.actions.confirmTtlMs,
    },
    incidents: { store: incidents, overrides, silencer, settings: config.incidents },
  };
  const core = createCore(coreDeps);

  // Action jobs run in this process: recover what a previous run left half-done, then take new jobs.
  const recovery = () => recoverUnfinished({ ...runDeps, isQueued: (id) => queue.isQueued(id), graceMs: 30_000 });
  let worker: ReturnType<typeof startActionWorker> | undefined;
  let sweeper: ReturnType<typeof startExpirySweeper> | undefined;
  const startJobs = async () => {
    const recovered = await recovery();
    if (recovered.length) logger.warn({ recovered: recovered.map((r) => r.actionId) }, 'finished actions interrupted by a restart');
    worker = startActionWorker({
      prefix,
      connection,
      processor: createActionProcessor(runDeps),
      logger: coreLogger,
      onAbandoned: async () => void (await recovery()),
    });
    sweeper = startExpirySweeper({ pendingActions: runDeps.pendingActions, notifier, audit, clock, logger: coreLogger, intervalMs: 15_000 });
    escalation.start();
    handoffs.start();
    reconciler?.start();
  };
  const stopJobs = async () => {
    await Promise.all([escalation.stop(), handoffs.stop(), reconciler?.stop()]);
    sweeper?.stop();
    await worker?.close();
    await queue.close();
  };

  const processed = new PrismaProcessedEvents(prisma);
  // Chat SDKs are loaded only when their platform is configured (Bolt alone is ~30 MB of resident memory).
  const platforms = await wirePlatforms(env, config, core, {
    mode: options.shellOnly ? 'shell' : 'server',
    logger: coreLogger,
    notifier,
    posted,
    isFirstSeen: (platform, key) => processed.firstSeen(platform, key),
  });
  if (options.shellOnly) {
    return {
      core,
      start: startJobs,
      stop: async () => {
        await stopJobs();
        await prisma.$disconnect();
      },
    };
  }

  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  // Dedupe keys only need to outlive redeliveries: Slack signs for 5 minutes, Telegram keeps an update 24 h.
  const pruneProcessed = periodic('processed-event prune', 10 * 60_000, () => processed.prune(PROCESSED_EVENT_TTL_MS), coreLogger);
  // Scheduled morning reports: one BullMQ job scheduler per report, so replicas send each one once.
  const sendTo = (platform: string, chatId: string, reply: Reply) => platforms.send(platform, chatId, reply);
  const runReport = createMorningReportRun({ services: { ...coreDeps, intents: () => coreDeps.intents }, sendTo, previousFire: previousFireTime });
  let reports: ReportScheduler | undefined;

  const routes: MountedRoute[] = [];
  if (env.GITHUB_WEBHOOK_SECRET && config.github) {
    routes.push({ method: 'POST', path: '/webhooks/github', handler: githubWebhook(env.GITHUB_WEBHOOK_SECRET, config, runDeps, audit, processed) });
  } else if (config.github) {
    logger.warn('github repositories are configured but GITHUB_WEBHOOK_SECRET is not set; /webhooks/github is off');
  }
  const amAuth = alertmanagerAuth(env);
  if (amAuth) {
    const handler = createAlertmanagerWebhookHandler({ ...incidentServices.alertDeps, auth: amAuth });
    routes.push({ method: 'POST', path: ALERTMANAGER_WEBHOOK_PATH, handler });
  }
  routes.push(...platforms.routes);

  const readiness: ReadinessCheck[] = [
    { name: 'database', check: async () => void (await prisma.$queryRaw`SELECT 1`) },
    { name: 'redis', check: async () => void (await redis.ping()) },
    ...runtimes.hosts().map((host) => ({ name: `docker:${host}`, check: (signal: AbortSignal) => runtimes.get(host).ping({ signal }) })),
    ...platforms.readiness,
  ];
  const http = createHttpServer({ logger, metricsRegistry: registry, readiness, routes, shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS });

  return {
    core,
    http,
    platforms,
    async start() {
      await redis.connect().catch((err: Error) => logger.warn({ err: { message: err.message } }, 'redis not reachable yet; /readyz will say so'));
      await startJobs();
      pruneProcessed.start();
      // Alert messages whose last push was still queued when the previous process stopped catch up here.
      await incidentServices.republishOpen(clock.now()).catch((err: unknown) =>
        logger.warn({ err }, 'could not republish the messages of open incidents'),
      );
      reports = await startReportScheduler({ connection, prefix, schedules: config.reports, run: runReport, logger: coreLogger });
      const address = await http.listen(env.HTTP_PORT, env.HTTP_HOST);
      logger.info({ port: address.port }, 'http server listening');
      await platforms.start();
      if (platforms.platforms.length === 0) logger.warn('no chat platform configured (TELEGRAM_BOT_TOKEN / SLACK_BOT_TOKEN); try `npm run shell`');
    },
    async stop() {
      http.drain();
      await platforms.stop();
      await Promise.all([stopJobs(), pruneProcessed.stop()]);
      await reports?.close();
      // Queued pushes get a bounded chance to go out; what is left is lost, and said so.
      const left = await platforms.drain(3_000);
      if (Object.values(left).some((n) => n > 0)) logger.warn({ left }, 'pushes still queued at shutdown were dropped');
      await http.close();
      await Promise.allSettled([prisma.$disconnect(), redis.quit()]);
    },
  };
}
