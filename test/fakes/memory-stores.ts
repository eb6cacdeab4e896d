/**
 * In-memory fakes of the safe-actions ports, faithful to their contracts (atomic claim, expiry, leases),
 * for unit tests of the core and the job processors. Returned objects are copies, as a database would
 * return fresh rows, so tests cannot mutate stored state by accident.
 */
import { actionJobId, actionJobSchema, type ActionQueue } from '../../src/core/ports/action-queue.port.js';
import type { ActionScheduler } from '../../src/core/ports/action-scheduler.port.js';
import type {
  Deployment,
  DeploymentQuery,
  DeploymentStatus,
  DeploymentStore,
  NewDeployment,
} from '../../src/core/ports/deployment.port.js';
import type { FreezeStore, FreezeWindow } from '../../src/core/ports/freeze.port.js';
import { sameHolder, type AcquireResult, type Lock, type LockHolder, type LockStore } from '../../src/core/ports/lock.port.js';
import type { Notifier } from '../../src/core/ports/notifier.port.js';
import type {
  MessageRef,
  NewPendingAction,
  PendingAction,
  PendingActionStore,
  ScheduledQuery,
} from '../../src/core/ports/pending-action.port.js';
import type { Reply } from '../../src/core/messages/reply.js';

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryPendingActionStore implements PendingActionStore {
  readonly rows = new Map<string, PendingAction>();
  private seq = 0;

  async create(a: NewPendingAction): Promise<PendingAction> {
    if (a.expiresAt.getTime() <= a.createdAt.getTime()) throw new Error('expiresAt must be after createdAt');
    const id = `pa${(++this.seq).toString(36)}`;
    const row: PendingAction = {
      ...clone(a),
      id,
      status: 'pending',
      claimedBy: null,
      claimedAt: null,
      message: null,
      result: null,
      runAt: a.runAt ? new Date(a.runAt) : null,
    };
    this.rows.set(id, row);
    return clone(row);
  }

  async get(id: string): Promise<PendingAction | null> {
    const row = this.rows.get(id);
    return row ? clone(row) : null;
  }

  async claim(id: string, personId: string, now: Date): Promise<PendingAction | null> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending' || row.expiresAt.getTime() <= now.getTime()) return null;
    row.status = 'claimed';
    row.claimedBy = personId;
    row.claimedAt = new Date(now);
    return clone(row);
  }

  async unclaim(id: string, personId: string, claimedAt: Date): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || (row.status !== 'claimed' && row.status !== 'scheduled') || row.claimedBy !== personId || row.claimedAt?.getTime() !== claimedAt.getTime()) return false;
    row.status = 'pending';
    row.claimedBy = null;
    row.claimedAt = null;
    return true;
  }

  /** Like a claim: only a pending, unexpired action; the canceller is recorded in claimedBy/claimedAt. */
  async cancel(id: string, personId: string, now: Date): Promise<PendingAction | null> {
    const row = this.rows.get(id);
    const open = row && ((row.status === 'pending' && row.expiresAt.getTime() > now.getTime()) || row.status === 'scheduled');
    if (!row || !open) return null;
    row.status = 'cancelled';
    row.claimedBy = personId;
    row.claimedAt = new Date(now);
    return clone(row);
  }

  async schedule(id: string, personId: string, now: Date, runAt: Date): Promise<PendingAction | null> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending' || row.expiresAt.getTime() <= now.getTime()) return null;
    row.status = 'scheduled';
    row.claimedBy = personId;
    row.claimedAt = new Date(now);
    row.runAt = new Date(runAt);
    return clone(row);
  }

  async claimScheduled(id: string, runAt: Date, now: Date): Promise<PendingAction | null> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'scheduled' || row.runAt?.getTime() !== runAt.getTime()) return null;
    row.status = 'claimed';
    row.claimedAt = new Date(now);
    return clone(row);
  }

  async scheduled(): Promise<PendingAction[]> {
    return [...this.rows.values()].filter((r) => r.status === 'scheduled').sort(byRunAt).map(clone);
  }

  async scheduledBetween(q: ScheduledQuery): Promise<PendingAction[]> {
    const inRange = (r: PendingAction) => !!r.runAt && r.runAt >= q.from && r.runAt < q.to;
    return [...this.rows.values()].filter((r) => inRange(r) && (!q.project || r.plan.project === q.project)).sort(byRunAt).map(clone);
  }

  async refuse(id: string, result: string): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending') return false;
    row.status = 'refused';
    row.result = result;
    return true;
  }

  async refuseScheduled(id: string, runAt: Date, result: string): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'scheduled' || row.runAt?.getTime() !== runAt.getTime()) return false;
    row.status = 'refused';
    row.result = result;
    return true;
  }

  async finish(id: string, status: 'succeeded' | 'failed' | 'refused', result: string): Promise<void> {
    const row = this.rows.get(id);
    if (!row) throw new Error(`pending action ${id} not found`);
    if (row.status !== 'pending' && row.status !== 'claimed' && row.status !== 'scheduled') return;
    row.status = status;
    row.result = result;
  }

  async due(now: Date): Promise<PendingAction[]> {
    return [...this.rows.values()].filter((r) => r.status === 'pending' && r.expiresAt.getTime() <= now.getTime()).sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime()).map(clone);
  }

  async expire(id: string, now: Date): Promise<PendingAction | null> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending' || row.expiresAt.getTime() > now.getTime()) return null;
    row.status = 'expired';
    return clone(row);
  }

  async extendExpiry(id: string, until: Date): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending' || row.expiresAt.getTime() >= until.getTime()) return false;
    row.expiresAt = new Date(until);
    return true;
  }

  async attachMessage(id: string, message: MessageRef): Promise<void> {
    const row = this.rows.get(id);
    if (!row) throw new Error(`pending action ${id} not found`);
    row.message = clone(message);
  }

  async unfinished(): Promise<PendingAction[]> {
    return [...this.rows.values()]
      .filter((r) => r.status === 'claimed')
      .sort((a, b) => a.claimedAt!.getTime() - b.claimedAt!.getTime() || a.createdAt.getTime() - b.createdAt.getTime())
      .map(clone);
  }
}

function byRunAt(a: PendingAction, b: PendingAction): number {
  return (a.runAt?.getTime() ?? 0) - (b.runAt?.getTime() ?? 0) || a.createdAt.getTime() - b.createdAt.getTime();
}

/** Ids are decimal text, as PostgreSQL's BIGSERIAL renders them; ties in time are broken by id, newest last. */
export class MemoryDeploymentStore implements DeploymentStore {
  readonly rows: Deployment[] = [];
  private seq = 0;

  async start(d: NewDeployment): Promise<Deployment> {
    if (this.rows.some((r) => r.actionId === d.actionId && r.service === d.service)) {
      throw new Error(`deployment for action ${d.actionId} and service ${d.service} already exists`);
    }
    const row: Deployment = { ...clone(d), id: String(++this.seq), finishedAt: null, status: 'running', steps: [] };
    this.rows.push(row);
    return clone(row);
  }

  async step(id: string, text: string, at: Date): Promise<void> {
    this.byId(id).steps.push({ at: new Date(at), text });
  }

  /** The first finish wins: a repeated finish (a retried job) changes nothing. */
  async finish(id: string, status: Exclude<DeploymentStatus, 'running'>, at: Date, text?: string): Promise<void> {
    const row = this.byId(id);
    if (row.status !== 'running') return;
    row.status = status;
    row.finishedAt = new Date(at);
    if (text !== undefined) row.steps.push({ at: new Date(at), text });
  }

  async recent(q: DeploymentQuery): Promise<Deployment[]> {
    return this.rows
      .filter((r) => (!q.project || r.project === q.project) && (!q.env || r.env === q.env) && (!q.service || r.service === q.service))
      .sort(newestStartedFirst)
      .slice(0, q.limit)
      .map(clone);
  }

  async previousSucceeded(project: string, env: string, service: string, notVersion: string): Promise<Deployment | null> {
    const hit = this.rows
      .filter((r) => r.project === project && r.env === env && r.service === service && r.status === 'succeeded' && r.version !== notVersion)
      .sort(newestStartedFirst)[0];
    return hit ? clone(hit) : null;
  }

  async lastSucceededBefore(q: Parameters<DeploymentStore['lastSucceededBefore']>[0]): Promise<Deployment | null> {
    const hit = this.rows
      .filter((r) => r.project === q.project && r.env === q.env && r.service === q.service && r.status === 'succeeded' && r.kind !== 'restart' && r.startedAt.getTime() < q.before.getTime())
      .sort(newestStartedFirst)[0];
    return hit ? clone(hit) : null;
  }

  async running(): Promise<Deployment[]> {
    return this.rows
      .filter((r) => r.status === 'running')
      .sort((a, b) => -newestStartedFirst(a, b))
      .map(clone);
  }

  async finishedBetween(q: Parameters<DeploymentStore['finishedBetween']>[0]): Promise<Deployment[]> {
    const inRange = (at: Date | null): at is Date => at !== null && at >= q.from && at <= q.to;
    return this.rows
      .filter((r) => r.project === q.project && (!q.envs || q.envs.includes(r.env)) && (!q.kinds || q.kinds.includes(r.kind)) && inRange(r.finishedAt))
      .sort((a, b) => b.finishedAt!.getTime() - a.finishedAt!.getTime() || Number(b.id) - Number(a.id))
      .slice(0, q.limit)
      .map(clone);
  }

  private byId(id: string): Deployment {
    const row = this.rows.find((r) => r.id === id);
    if (!row) throw new Error(`deployment ${id} not found`);
    return row;
  }
}

function newestStartedFirst(a: Deployment, b: Deployment): number {
  return b.startedAt.getTime() - a.startedAt.getTime() || Number(b.id) - Number(a.id);
}

export class MemoryLockStore implements LockStore {
  private readonly rows = new Map<string, Lock>();

  /** `clock` decides lease expiry in `renew`, as in PrismaLockStore (the port gives it no `now`). */
  constructor(private readonly clock: { now(): Date } = { now: () => new Date() }) {}

  private static key(project: string, env: string): string {
    return `${project}/${env}`;
  }

  private static live(lock: Lock, now: Date): boolean {
    return lock.kind === 'manual' || (lock.leaseUntil !== null && lock.leaseUntil.getTime() > now.getTime());
  }

  async acquire(lock: Omit<Lock, 'since'>, now: Date): Promise<AcquireResult> {
    const key = MemoryLockStore.key(lock.project, lock.env);
    const held = this.rows.get(key);
    if (held && !sameHolder(held.holder, lock.holder) && MemoryLockStore.live(held, now)) return { ok: false, heldBy: clone(held) };
    const since = held && sameHolder(held.holder, lock.holder) && MemoryLockStore.live(held, now) ? held.since : new Date(now);
    const row: Lock = { ...clone(lock), since };
    this.rows.set(key, row);
    return { ok: true, lock: clone(row) };
  }

  async renew(project: string, env: string, holder: LockHolder, leaseUntil: Date): Promise<boolean> {
    const held = this.rows.get(MemoryLockStore.key(project, env));
    if (!held || !sameHolder(held.holder, holder) || held.kind !== 'deploy' || !MemoryLockStore.live(held, this.clock.now())) return false;
    held.leaseUntil = new Date(leaseUntil);
    return true;
  }

  async release(project: string, env: string, holder: LockHolder | null): Promise<Lock | null> {
    const key = MemoryLockStore.key(project, env);
    const held = this.rows.get(key);
    if (!held || (holder !== null && !sameHolder(held.holder, holder))) return null;
    this.rows.delete(key);
    return clone(held);
  }

  async get(project: string, env: string, now: Date): Promise<Lock | null> {
    const held = this.rows.get(MemoryLockStore.key(project, env));
    return held && MemoryLockStore.live(held, now) ? clone(held) : null;
  }

  async list(now: Date): Promise<Lock[]> {
    return [...this.rows.values()].filter((l) => MemoryLockStore.live(l, now)).map(clone);
  }

  /** Raw row including expired leases (tests inspect leases and releases). */
  peek(project: string, env: string): Lock | null {
    const held = this.rows.get(MemoryLockStore.key(project, env));
    return held ? clone(held) : null;
  }
}

export class MemoryFreezeStore implements FreezeStore {
  readonly rows: FreezeWindow[] = [];
  private seq = 0;

  async add(w: Omit<FreezeWindow, 'id'>): Promise<FreezeWindow> {
    if (!w.project || w.env === '' || !w.createdBy) throw new Error('a freeze names its project and creator');
    if (w.until.getTime() <= w.from.getTime()) throw new Error('a freeze must end after it starts');
    const row: FreezeWindow = { ...clone(w), id: `fz${++this.seq}` };
    this.rows.push(row);
    return clone(row);
  }

  async active(project: string, env: string, at: Date): Promise<FreezeWindow[]> {
    const t = at.getTime();
    return this.rows
      .filter((w) => w.project === project && (w.env === null || w.env === env) && w.from.getTime() <= t && t < w.until.getTime())
      .sort(byStart)
      .map(clone);
  }

  async upcoming(now: Date): Promise<FreezeWindow[]> {
    return this.rows
      .filter((w) => w.until.getTime() > now.getTime())
      .sort(byStart)
      .map(clone);
  }

  async remove(id: string): Promise<boolean> {
    const i = this.rows.findIndex((w) => w.id === id);
    if (i < 0) return false;
    this.rows.splice(i, 1);
    return true;
  }
}

/** Earliest start first, then earliest end (PrismaFreezeStore breaks a last tie by its random id; here by creation). */
function byStart(a: FreezeWindow, b: FreezeWindow): number {
  return a.from.getTime() - b.from.getTime() || a.until.getTime() - b.until.getTime() || Number(a.id.slice(2)) - Number(b.id.slice(2));
}

/**
 * Records every edit, announcement and publish; `failNext` makes the next call reject (a chat API outage).
 * A publish is recorded among the announcements with its `key` (what a chat would show: one more message,
 * or the living message of that key edited), so `published(key)` lists the states of one living message.
 */
export class RecordingNotifier implements Notifier {
  readonly edits: { ref: MessageRef; reply: Reply }[] = [];
  readonly announcements: { project: string; reply: Reply; key?: string }[] = [];
  failNext = false;

  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    this.maybeFail();
    this.edits.push({ ref: clone(ref), reply: clone(reply) });
  }

  async announce(project: string, reply: Reply): Promise<void> {
    this.maybeFail();
    this.announcements.push({ project, reply: clone(reply) });
  }

  async publish(project: string, key: string, reply: Reply): Promise<void> {
    this.maybeFail();
    this.announcements.push({ project, reply: clone(reply), key });
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

  /** Texts published under one key, oldest first. */
  published(key: string): string[] {
    return this.announcements.filter((a) => a.key === key).map((a) => a.reply.text);
  }

  private maybeFail(): void {
    if (!this.failNext) return;
    this.failNext = false;
    throw new Error('notifier unavailable');
  }
}

/** Delayed jobs kept in memory, one per action id as the BullMQ job id makes it; `due` runs what is due. */
export class MemoryActionScheduler implements ActionScheduler {
  readonly jobs = new Map<string, { runAt: Date; delayMs: number }>();

  async schedule(actionId: string, runAt: Date, now: Date): Promise<void> {
    if (this.jobs.get(actionId)?.runAt.getTime() === runAt.getTime()) return;
    this.jobs.set(actionId, { runAt: new Date(runAt), delayMs: Math.max(0, runAt.getTime() - now.getTime()) });
  }

  async unschedule(actionId: string): Promise<void> {
    this.jobs.delete(actionId);
  }

  async isScheduled(actionId: string, runAt: Date): Promise<boolean> {
    return this.jobs.get(actionId)?.runAt.getTime() === runAt.getTime();
  }

  /** Takes (removes) the jobs due at `now`, soonest first. */
  take(now: Date): { actionId: string; runAt: Date }[] {
    const due = [...this.jobs].filter(([, j]) => j.runAt <= now).sort((a, b) => a[1].runAt.getTime() - b[1].runAt.getTime());
    for (const [id] of due) this.jobs.delete(id);
    return due.map(([actionId, j]) => ({ actionId, runAt: j.runAt }));
  }
}

/**
 * Records one job per claim, keyed like the BullMQ job id: enqueueing the same claim twice is a no-op (a
 * finished job is kept, so a late enqueue after the run is a no-op too), a later claim of the same action
 * adds a job. `enqueued` is each job's action id in the order added; `drain` stands for the worker.
 */
export class MemoryActionQueue implements ActionQueue {
  readonly enqueued: string[] = [];
  /** Each job's claim, in the same order as `enqueued`. */
  readonly claims: Date[] = [];
  private readonly jobIds = new Set<string>();
  private ran = 0;

  async enqueue(actionId: string, claimedAt: Date): Promise<void> {
    actionJobSchema.parse({ actionId, claimedAt: claimedAt.toISOString() });
    const jobId = actionJobId(actionId, claimedAt);
    if (this.jobIds.has(jobId)) return;
    this.jobIds.add(jobId);
    this.enqueued.push(actionId);
    this.claims.push(new Date(claimedAt));
  }

  /** Runs every job not yet run, in the order enqueued, and returns their action ids. */
  async drain(run: (actionId: string, claimedAt: Date) => void | Promise<void> = () => {}): Promise<string[]> {
    const due = this.enqueued.slice(this.ran);
    const claims = this.claims.slice(this.ran);
    this.ran = this.enqueued.length;
    for (const [i, id] of due.entries()) await run(id, claims[i]!);
    return due;
  }
}
