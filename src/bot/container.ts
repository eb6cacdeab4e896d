/**
 * The composition root: the list of modules the app is made of, each wired by its own function in
 * ./wire/. Modules start in stages, in list order, and stop in reverse (see wire/module.ts).
 */
import { createNotifier } from '../adapters/notifier/notifier.router.js';
import { allIntents } from '../core/intents/index.js';
import type { ChatCore } from '../core/pipeline/chat-core.js';
import { createCore, type CoreDeps } from '../core/pipeline/core.js';
import type { HttpServer } from '../adapters/http/http-server.js';
import type { DeckhandConfig } from './config.js';
import type { Env } from './env.js';
import type { Logger } from './logger.js';
import { wireActions } from './wire/actions.js';
import { wireFreezeFeeds } from './wire/freeze-feeds.js';
import { wireBugs } from './wire/bugs.js';
import { wireChanges } from './wire/changes.js';
import { wireCost } from './wire/cost.js';
import { wireDeploys } from './wire/deploys.js';
import { wireHttp } from './wire/http.js';
import { wireIncidents } from './wire/incidents.js';
import { wireInfrastructure } from './wire/infrastructure.js';
import { lifecycle, type Lifecycle, type Module } from './wire/module.js';
import { platformsModule, wirePlatforms, type WiredPlatforms } from './wire/platforms.js';
import { wirePromotion } from './wire/promotion.js';
import { wireReports } from './wire/reports.js';
import { wireRuntimes } from './wire/runtimes.js';
import { wireScheduled } from './wire/scheduled.js';
import { sloServices, wireSloAlerts } from './wire/slo.js';
import { wireStores, wireUnitOfWork } from './wire/stores.js';

export interface App extends Lifecycle {
  core: ChatCore;
  /** The HTTP server (not in the shell). */
  http?: HttpServer;
  /** The connected chat platforms (their adapters, routes, readiness). */
  platforms: WiredPlatforms;
}

export interface BuildOptions {
  /** The shell REPL: the core, its jobs and the shell's pushes; no HTTP server, no chat platforms, no reports. */
  shellOnly?: boolean;
}

export async function buildApp(env: Env, config: DeckhandConfig, logger: Logger, options: BuildOptions = {}): Promise<App> {
  const server = !options.shellOnly;
  const infra = await wireInfrastructure(env, logger, { server });
  const stores = wireStores(infra, { server });
  // Every wired platform adds its delivery to the notifier; jobs and use cases push through it.
  const notifier = createNotifier({}, infra.logger);
  const unit = wireUnitOfWork(infra, notifier);
  const runtimes = wireRuntimes(config, infra, { server });
  const freezeFeeds = wireFreezeFeeds(config, infra);
  const actions = wireActions(config, infra, stores, runtimes.runtimes, notifier, unit, {
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    ...(freezeFeeds.feeds ? { freezeFeeds: freezeFeeds.feeds } : {}),
    changes: wireChanges(env, config, infra.logger),
    promotion: wirePromotion(env, config, infra.prisma, infra.logger),
  });
  const incidents = wireIncidents(env, config, infra, stores, notifier, unit, { server });
  const cost = wireCost(config, infra, runtimes.runtimes, notifier, { server });
  const bugs = wireBugs(env, config, infra);
  const coreDeps: CoreDeps = {
    catalog: config.catalog,
    limits: config.limits,
    runtimes: runtimes.runtimes,
    audit: stores.audit,
    clock: infra.clock,
    logger: infra.logger,
    metrics: infra.metrics,
    intents: allIntents,
    actions: actions.services,
    incidents: incidents.services,
    unit,
    ...(config.faq ? { faq: { catalog: config.faq, votes: stores.faqVotes } } : {}),
    cost: cost.services,
    slo: sloServices(config),
    bugs: bugs.services,
  };
  const core = createCore(coreDeps);
  // Chat SDKs are loaded only when their platform is configured (Bolt alone is ~30 MB of resident memory).
  const platforms = await wirePlatforms(env, config, core, {
    mode: server ? 'server' : 'shell',
    logger: infra.logger,
    notifier,
    posted: stores.posted,
    outbox: stores.outbox,
    isFirstSeen: (platform, key) => stores.processed.firstSeen(platform, key),
    lease: infra.lease,
    rateGate: infra.rateGate,
    metricsRegistry: infra.metricsRegistry,
  });
  // After the connections and stores, the modules start together: each only needs those two (jobs one
  // module queues for another wait in Redis until its worker runs), and one slow start (a freeze feed that
  // is away, actions recovered after a crash) then does not hold up the others.
  const modules: Module[] = [runtimes, freezeFeeds.module, actions, incidents, cost, wireScheduled(infra, coreDeps, actions.scheduler, { server }), bugs];
  if (!server) return { core, platforms, ...lifecycle([infra, stores, modules], infra.logger) };

  const served: Module[] = [
    ...modules,
    wireDeploys(env, config, infra, stores, notifier, bugs.services),
    wireReports(config, infra, coreDeps, platforms),
    wireSloAlerts(config, infra, coreDeps.slo, incidents.alertDeps),
  ];
  const chats = platformsModule(platforms, infra.logger, { drainMs: 3_000 });
  const http = wireHttp(env, logger, infra, [infra, stores, ...served, chats]);
  // The chat platforms last: updates arrive once everything they reach has started.
  return { core, http: http.server, platforms, ...lifecycle([infra, stores, served, http, chats], infra.logger) };
}
