import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { DockerRuntimeRegistry } from '../adapters/docker/docker-hosts.js';
import type { MountedRoute, ReadinessCheck } from '../adapters/http/http-server.js';
import { createHttpServer, type HttpServer } from '../adapters/http/http-server.js';
import { PrismaAuditLog } from '../adapters/prisma/audit.repository.js';
import { assertMigrationsApplied } from '../adapters/prisma/migration-check.js';
import { createPrismaClient, type PrismaClient } from '../adapters/prisma/prisma-client.js';
import { PrismaProcessedEvents } from '../adapters/prisma/processed-event.repository.js';
import type { SlackAdapter } from '../adapters/slack/slack.adapter.js';
import type { TelegramAdapter } from '../adapters/telegram/telegram.adapter.js';
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
import { chatsForPlatform } from '../adapters/notifier/chat-bindings.js';
import { createNotifier } from '../adapters/notifier/notifier.router.js';
import { ShellNotifier } from '../adapters/shell/shell.notifier.js';
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
import { republishOpenIncidents } from '../jobs/incident-posts.js';

/** How long a processed platform event (update id, event id, signed request) is remembered. */
const PROCESSED_EVENT_TTL_MS = 24 * 60 * 60_000;

/** The composition root: the only place that knows every piece. */
export interface App {
  core: ChatCore;
  http?: HttpServer;
  telegram?: TelegramAdapter;
  slack?: SlackAdapter;
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
function githubWebhook(secret: string, config: DeckhandConfig, deps: ActionRunDeps, processed: PrismaProcessedEvents) {
  const repos = config.github?.repos ?? {};
  return createGitHubWebhookHandler({
    secret,
    clock: deps.clock,
    deployments: deps.deployments,
    notifier: deps.notifier,
    logger: deps.logger,
    incidents: deps.incidents,
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
  const runtimes = new DockerRuntimeRegistry(config.hosts, { defaultTimeoutMs: config.limits.hostTimeoutMs });
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
  // Paging of unacknowledged incidents and handoff announcements: clock-driven sweeps whose steps are claimed
  // by conditional updates, so with several replicas each page and each announcement is posted once.
  const oncallDeps = { overrides, notifier, clock, logger: coreLogger, rotations: config.catalog.rotations, people: config.catalog.people };
  const escalation = escalationSweeper({ ...oncallDeps, incidents, escalateAfterMs: config.incidents.escalateAfterMs });
  const handoffs = handoffAnnouncer({ ...oncallDeps, handoffs: new PrismaHandoffLog(prisma) });
  const personName = (id: string) => config.catalog.people.find((p) => p.id === id)?.name ?? id;
  // Alerts that resolve while silenced send no notification (Alertmanager mutes and drops it): ask it which
  // alerts of silenced incidents still exist and close the rest (conditional updates, so posted once).
  const reconciler = config.alertmanager.url
    ? incidentReconciler({
        incidents,
        alerts: createAlertmanagerAlertSource({ url: config.alertmanager.url }),
        notifier,
        clock,
        logger: coreLogger,
        nameOf: personName,
        catalog: config.catalog,
        settings: config.incidents,
      })
    : undefined;
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

  if (options.shellOnly) {
    notifier.use('shell', new ShellNotifier({ output: process.stdout, color: Boolean(process.stdout.isTTY) }));
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
  const processed = new PrismaProcessedEvents(prisma);
  // Dedupe keys only need to outlive redeliveries: Slack signs for 5 minutes, Telegram keeps an update 24 h.
  const pruneProcessed = periodic('processed-event prune', 10 * 60_000, () => processed.prune(PROCESSED_EVENT_TTL_MS), coreLogger);
  // Chat SDKs are loaded only when their platform is configured (Bolt alone is ~30 MB of resident memory).
  const telegram = env.TELEGRAM_BOT_TOKEN
    ? (await import('../adapters/telegram/telegram.adapter.js')).createTelegramAdapter({
        token: env.TELEGRAM_BOT_TOKEN,
        apiRoot: env.TELEGRAM_API_ROOT,
        core,
        logger: coreLogger,
        mode: env.TELEGRAM_WEBHOOK_URL ? { kind: 'webhook', url: env.TELEGRAM_WEBHOOK_URL, secretToken: env.TELEGRAM_WEBHOOK_SECRET! } : { kind: 'polling' },
        isFirstSeen: (id) => processed.firstSeen('telegram', String(id)),
      })
    : undefined;
  const slack = env.SLACK_BOT_TOKEN
    ? (await import('../adapters/slack/slack.adapter.js')).createSlackAdapter({
        botToken: env.SLACK_BOT_TOKEN,
        signingSecret: env.SLACK_SIGNING_SECRET,
        appToken: env.SLACK_APP_TOKEN,
        commandName: env.SLACK_COMMAND,
        apiUrl: env.SLACK_API_URL,
        core,
        logger: coreLogger,
        isFirstSeen: (id) => processed.firstSeen('slack', id),
      })
    : undefined;

  // Pushes (progress edits, announcements, alerts) go through per-chat queues that keep each platform's limits,
  // coalesce edits, group bursts and retry 429s/5xx; direct replies keep using the adapter's own client.
  const telegramDelivery = env.TELEGRAM_BOT_TOKEN
    ? (await import('../adapters/notifier/delivery.telegram.js')).createTelegramDelivery({
        token: env.TELEGRAM_BOT_TOKEN,
        apiRoot: env.TELEGRAM_API_ROOT,
        chatsFor: chatsForPlatform(config.catalog.chats, 'telegram'),
        posted,
        logger: coreLogger,
      })
    : undefined;
  if (telegramDelivery) notifier.use('telegram', telegramDelivery.queue);
  const slackDelivery = env.SLACK_BOT_TOKEN
    ? (await import('../adapters/notifier/delivery.slack.js')).createSlackDelivery({
        token: env.SLACK_BOT_TOKEN,
        apiUrl: env.SLACK_API_URL,
        chatsFor: chatsForPlatform(config.catalog.chats, 'slack'),
        posted,
        logger: coreLogger,
      })
    : undefined;
  if (slackDelivery) notifier.use('slack', slackDelivery.queue);

  // Scheduled morning reports: one BullMQ job scheduler per report, so replicas send each one once.
  const sendTo = async (platform: string, chatId: string, reply: Reply): Promise<void> => {
    if (platform === 'telegram' && telegramDelivery) return telegramDelivery.queue.send(chatId, reply);
    if (platform === 'slack' && slackDelivery) return slackDelivery.queue.send(chatId, reply);
    throw new Error(`no ${platform} connection is configured for this report`);
  };
  const runReport = createMorningReportRun({ services: { ...coreDeps, intents: () => coreDeps.intents }, sendTo, previousFire: previousFireTime });
  let reports: ReportScheduler | undefined;

  const routes: MountedRoute[] = [];
  if (env.GITHUB_WEBHOOK_SECRET && config.github) {
    routes.push({ method: 'POST', path: '/webhooks/github', handler: githubWebhook(env.GITHUB_WEBHOOK_SECRET, config, runDeps, processed) });
  } else if (config.github) {
    logger.warn('github repositories are configured but GITHUB_WEBHOOK_SECRET is not set; /webhooks/github is off');
  }
  const amAuth = alertmanagerAuth(env);
  if (amAuth) {
    const handler = createAlertmanagerWebhookHandler({
      auth: amAuth,
      incidents,
      notifier,
      clock,
      logger: coreLogger,
      projects: new Set(config.catalog.projects.map((p) => p.name)),
      nameOf: personName,
      projectLabel: config.alertmanager.projectLabel,
      catalog: config.catalog,
      settings: config.incidents,
      deployLink: { deployments: runDeps.deployments, withinMs: config.incidents.linkDeployWithinMs, envLabel: config.incidents.envLabel },
    });
    routes.push({ method: 'POST', path: ALERTMANAGER_WEBHOOK_PATH, handler });
  }
  if (telegram && env.TELEGRAM_WEBHOOK_URL) routes.push({ method: 'POST', path: '/telegram/webhook', handler: telegram.webhookHandler });
  if (slack?.requestListener) routes.push({ method: 'POST', path: '/slack/events', handler: slack.requestListener });

  const readiness: ReadinessCheck[] = [
    { name: 'database', check: async () => void (await prisma.$queryRaw`SELECT 1`) },
    { name: 'redis', check: async () => void (await redis.ping()) },
    ...runtimes.hosts().map((host) => ({ name: `docker:${host}`, check: (signal: AbortSignal) => runtimes.get(host).ping({ signal }) })),
    ...(telegram ? [telegram.readiness] : []),
  ];
  const http = createHttpServer({ logger, metricsRegistry: registry, readiness, routes, shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS });

  return {
    core,
    http,
    telegram,
    slack,
    async start() {
      await redis.connect().catch((err: Error) => logger.warn({ err: { message: err.message } }, 'redis not reachable yet; /readyz will say so'));
      await startJobs();
      pruneProcessed.start();
      // Alert messages whose last push was still queued when the previous process stopped catch up here.
      const postDeps = { incidents, notifier, logger: coreLogger, nameOf: personName, catalog: config.catalog, settings: config.incidents };
      await republishOpenIncidents(postDeps, config.catalog.projects.map((p) => p.name), clock.now()).catch((err: unknown) =>
        logger.warn({ err }, 'could not republish the messages of open incidents'),
      );
      reports = await startReportScheduler({ connection, prefix, schedules: config.reports, run: runReport, logger: coreLogger });
      const address = await http.listen(env.HTTP_PORT, env.HTTP_HOST);
      logger.info({ port: address.port }, 'http server listening');
      await telegram?.start();
      await slack?.start();
      if (!telegram && !slack) logger.warn('no chat platform configured (TELEGRAM_BOT_TOKEN / SLACK_BOT_TOKEN); try `npm run shell`');
    },
    async stop() {
      http.drain();
      await Promise.allSettled([telegram?.stop(), slack?.stop()]);
      await Promise.all([stopJobs(), pruneProcessed.stop()]);
      await reports?.close();
      // Queued pushes get a bounded chance to go out; what is left is lost, and said so.
      await Promise.race([Promise.all([telegramDelivery?.queue.drain(), slackDelivery?.queue.drain()]), new Promise((r) => setTimeout(r, 3_000).unref())]);
      const left = { telegram: telegramDelivery?.queue.pending() ?? 0, slack: slackDelivery?.queue.pending() ?? 0 };
      if (left.telegram + left.slack > 0) logger.warn({ left }, 'pushes still queued at shutdown were dropped');
      await http.close();
      await Promise.allSettled([prisma.$disconnect(), redis.quit()]);
    },
  };
}
