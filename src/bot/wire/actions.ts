/**
 * Safe actions: the pending-action services the confirm flow uses, and the jobs that run confirmed
 * actions in this process. At start, what a previous run left half-done is recovered before new jobs are
 * taken; unconfirmed actions expire on a sweep.
 */
import { projectTimeZone } from '../../core/domain/time-zone.js';
import { startActionWorker, type ActionWorker } from '../../adapters/bullmq/action.worker.js';
import { BullActionQueue } from '../../adapters/bullmq/bull-action.queue.js';
import { BullActionScheduler } from '../../adapters/bullmq/bull-action-scheduler.js';
import { outageClicksKey, RedisOutageClicks } from '../../adapters/redis/outage-clicks.js';
import type { ActionRunDeps } from '../../core/actions/action-deps.js';
import { recoverUnfinished } from '../../core/actions/action-recovery.js';
import { createActionProcessor } from '../../core/actions/action.processor.js';
import { OutageClicks } from '../../core/actions/outage-clicks.js';
import { findService } from '../../core/domain/catalog.js';
import { personName } from '../../core/domain/people.js';
import type { ActionServices, PromotionServices } from '../../core/services.js';
import type { ChangeSources } from '../../core/deploys/deploy-changes.js';
import type { FreezeFeeds } from '../../core/ports/freeze.port.js';
import type { Notifier } from '../../core/ports/notifier.port.js';
import type { UnitOfWork } from '../../core/ports/unit-of-work.port.js';
import type { RuntimeRegistry } from '../../core/ports/runtime.port.js';
import { JOB_QUEUE } from '../../core/ports/store-errors.js';
import { startExpirySweeper, type ExpirySweeper } from '../../jobs/expiry.sweeper.js';
import type { DeckhandConfig } from '../config.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { Stores } from './stores.js';

export interface ActionsOptions {
  /**
   * SHUTDOWN_TIMEOUT_MS: how long, from the start of a shutdown, a running action gets to finish its unit,
   * put back what it changed and report. Past it the worker closes without it and recovery finishes it.
   */
  shutdownTimeoutMs?: number;
  /** Where deploy plans find the commits a deploy brings (see wire/changes.ts). */
  changes?: ChangeSources;
  /** What `promote` needs beyond a deploy (see wire/promotion.ts). */
  promotion?: PromotionServices;
  /** Freeze periods from the projects' iCalendar feeds (see wire/freeze-feeds.ts). */
  freezeFeeds?: FreezeFeeds;
}

export function wireActions(
  config: DeckhandConfig,
  infra: Infrastructure,
  stores: Stores,
  runtimes: RuntimeRegistry,
  notifier: Notifier,
  unit: UnitOfWork,
  options: ActionsOptions = {},
): Module & { services: ActionServices; scheduler: BullActionScheduler } {
  const { clock, logger, connection, prefix } = infra;
  const queue = new BullActionQueue({ connection, prefix });
  const scheduler = new BullActionScheduler({ connection, prefix });
  const run: ActionRunDeps = {
    pendingActions: stores.pendingActions,
    deployments: stores.deployments,
    locks: stores.locks,
    runtimes,
    notifier,
    unit,
    clock,
    logger,
    settings: config.actions,
    audit: stores.audit,
    personName: (id) => personName(config.catalog.people, id),
    timeZone: (project) => projectTimeZone(config.catalog, project),
    incidents: stores.incidents,
    probeFor: (project, env, service) => findService(config.catalog, project, env, service)?.probe,
  };
  // Shared by the confirm flow (which notes clicks refused during a database or job queue outage) and the expiry sweep.
  const shared = infra.redis ? new RedisOutageClicks(infra.redis, outageClicksKey(prefix)) : undefined;
  const outageClicks = new OutageClicks(logger, { probes: { [JOB_QUEUE]: () => queue.reachable() }, shared });
  const recovery = () => recoverUnfinished({ ...run, isQueued: (id, claimedAt) => queue.isQueued(id, claimedAt), graceMs: 30_000 });
  let worker: ActionWorker | undefined;
  let sweeper: ExpirySweeper | undefined;
  let closing: Promise<void> | undefined;
  // Begun at drain, the first pass of a shutdown, so the running action's budget starts with the shutdown.
  const closeWorker = () => (closing ??= worker?.close({ withinMs: options.shutdownTimeoutMs ?? 10_000 }) ?? Promise.resolve());
  return {
    name: 'actions',
    scheduler,
    services: {
      pending: stores.pendingActions,
      deployments: stores.deployments,
      locks: stores.locks,
      freezes: stores.freezes,
      queue,
      notifier,
      recurringFreezes: config.recurringFreezes,
      confirmTtlMs: config.actions.confirmTtlMs,
      outageClicks,
      ...(options.changes ? { changes: options.changes } : {}),
      ...(options.promotion ? { promotion: options.promotion } : {}),
      scheduler,
      audit: stores.audit,
      ...(options.freezeFeeds ? { freezeFeeds: options.freezeFeeds } : {}),
    },
    async start() {
      const recovered = await recovery();
      if (recovered.length) logger.warn({ recovered: recovered.map((r) => r.actionId) }, 'finished actions interrupted by a restart');
      worker = startActionWorker({ prefix, connection, processor: createActionProcessor(run), logger, onAbandoned: async () => void (await recovery()) });
      sweeper = startExpirySweeper({ pendingActions: stores.pendingActions, unit, audit: stores.audit, clock, logger, outageClicks, intervalMs: 15_000 });
    },
    async drain() {
      void closeWorker().catch(() => undefined);
    },
    async stop() {
      await sweeper?.stop();
      await closeWorker();
      await queue.close();
    },
  };
}
