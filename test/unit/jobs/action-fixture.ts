import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { ActionKind, ActionPlan, PendingAction } from '../../../src/core/ports/pending-action.port.js';
import type { ActionRunDeps } from '../../../src/core/actions/action-deps.js';
import { MemoryAuditLog } from '../../fakes/memory-audit.js';
import {
  MemoryDeploymentStore,
  MemoryLockStore,
  MemoryPendingActionStore,
  RecordingNotifier,
} from '../../fakes/memory-stores.js';
import { MemoryRuntime, MemoryRuntimeRegistry } from '../../fakes/memory-runtime.js';
import { MemoryUnitOfWork } from '../../fakes/memory-unit-of-work.js';

export const IMAGE = 'localhost:5000/shop/api';
export const MESSAGE = { platform: 'telegram' as const, chatId: '-100', messageId: '42' };

export interface ClaimOptions {
  replicas?: number;
  force?: boolean;
  from?: string;
  to?: string;
  requestedBy?: string;
  claimedBy?: string;
}

/** In-memory stores, a runtime whose every call takes one second, and helpers to claim actions. */
export function actionFixture() {
  let now = new Date('2026-11-23T12:00:00Z');
  const clock = { now: () => now, advance: (ms: number) => void (now = new Date(now.getTime() + ms)) };
  const runtime = new MemoryRuntime('docker-1', () => clock.advance(1000));
  const pendingActions = new MemoryPendingActionStore();
  const deployments = new MemoryDeploymentStore();
  const locks = new MemoryLockStore(clock);
  const notifier = new RecordingNotifier();
  const audit = new MemoryAuditLog();
  const names: Record<string, string> = { alice: 'Alice', bob: 'Bob', dave: 'Dave' };
  const deps: ActionRunDeps = {
    pendingActions,
    deployments,
    locks,
    runtimes: new MemoryRuntimeRegistry([runtime]),
    notifier,
    unit: new MemoryUnitOfWork({ pendingActions, notifier, audit }),
    clock,
    logger: silentLogger,
    settings: { lockLeaseMs: 60_000, healthTimeoutMs: 5_000, healthGraceMs: 1_000 },
    audit,
    personName: (id) => names[id] ?? id,
  };

  /** Creates the pending action of `plan` (its confirm message posted), then claims it as the confirmer. */
  async function claimedPlan(plan: ActionPlan, o: Pick<ClaimOptions, 'requestedBy' | 'claimedBy'> = {}): Promise<PendingAction> {
    const created = await pendingActions.create({
      plan,
      requestedBy: o.requestedBy ?? 'alice',
      platform: 'telegram',
      chatId: MESSAGE.chatId,
      needsApproval: true,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 300_000),
    });
    await pendingActions.attachMessage(created.id, MESSAGE);
    const action = await pendingActions.claim(created.id, o.claimedBy ?? 'dave', now);
    if (!action) throw new Error('claim failed in fixture');
    return action;
  }

  /** A claimed action on `api` (o.replicas containers on docker-1, added now). */
  async function claimed(kind: ActionKind, o: ClaimOptions = {}): Promise<PendingAction> {
    const from = o.from ?? '1.4.1';
    const to = kind === 'restart' ? from : (o.to ?? '1.4.2');
    const boxes = Array.from({ length: o.replicas ?? 3 }, (_, i) => runtime.add({ name: `api-${i + 1}`, id: `api-${i + 1}-v0`, image: `${IMAGE}:${from}` }));
    const service = {
      service: 'api',
      host: 'docker-1',
      currentImage: `${IMAGE}:${from}`,
      currentVersion: from,
      targetImage: `${IMAGE}:${to}`,
      targetVersion: to,
      revision: boxes.map((b) => b.imageId).sort(),
      units: boxes.map((b) => b.name),
    };
    return claimedPlan({ kind, project: 'shop', env: 'prod', force: o.force ?? false, services: [service] }, o);
  }

  return { deps, clock, runtime, pendingActions, deployments, locks, notifier, audit, claimed, claimedPlan };
}
