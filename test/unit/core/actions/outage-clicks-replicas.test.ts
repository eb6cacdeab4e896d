import { describe, expect, it } from 'vitest';
import { expireDue } from '../../../../src/core/actions/expire-due.js';
import { OutageClicks } from '../../../../src/core/actions/outage-clicks.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import type { NewPendingAction } from '../../../../src/core/ports/pending-action.port.js';
import { JOB_QUEUE } from '../../../../src/core/ports/store-errors.js';
import { MemorySharedOutageClicks } from '../../../fakes/memory-outage-clicks.js';
import { MemoryPendingActionStore, RecordingNotifier } from '../../../fakes/memory-stores.js';
import { unavailableWhile } from '../../../fakes/unavailable-store.js';
import { MemoryUnitOfWork } from '../../../fakes/memory-unit-of-work.js';

const T0 = new Date('2026-11-23T12:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1_000);
const request: NewPendingAction = {
  plan: { kind: 'restart', project: 'shop', env: 'prod', force: false, services: [] },
  requestedBy: 'alice',
  platform: 'telegram',
  chatId: '-100',
  needsApproval: false,
  createdAt: T0,
  expiresAt: at(300),
};

/** Two replicas over one database (behind a switch) and one shared click record. */
function replicas() {
  const rows = new MemoryPendingActionStore();
  const db = { down: false };
  const pending = unavailableWhile(rows, () => db.down);
  const shared = new MemorySharedOutageClicks();
  const queue = { down: false };
  const replica = () => new OutageClicks(silentLogger, { shared, probes: { [JOB_QUEUE]: async () => !queue.down } });
  const a = replica();
  const b = replica();
  const sweep = (clicks: OutageClicks, now: Date) => expireDue({ pendingActions: pending, unit: new MemoryUnitOfWork({ pendingActions: pending, notifier: new RecordingNotifier() }), clock: { now: () => now }, outageClicks: clicks });
  return { rows, db, pending, shared, queue, a, b, sweep };
}

describe('clicks refused during an outage are remembered for every replica', () => {
  it("lets another replica's sweep give the action its time back after a database outage", async () => {
    const r = replicas();
    const { id } = await r.rows.create(request);
    r.db.down = true;
    await r.a.note(id, at(60));
    expect(r.a.size).toBe(0);
    expect([...r.shared.rows.keys()]).toEqual([id]);

    r.db.down = false;
    expect(await r.sweep(r.b, at(400))).toBe(0);
    expect(await r.rows.get(id)).toMatchObject({ status: 'pending', expiresAt: at(400 + 240) });
    expect(r.shared.rows.size).toBe(0);
    expect(await r.sweep(r.a, at(400))).toBe(0);
    expect(await r.sweep(r.b, at(640))).toBe(1);
  });

  it('keeps a click in the process while the shared record is away too, and shares it at the first settle that reaches it', async () => {
    const r = replicas();
    const { id } = await r.rows.create(request);
    r.db.down = true;
    r.shared.down = true;
    await r.a.note(id, at(60));
    expect(r.a.size).toBe(1);
    await expect(r.sweep(r.a, at(90))).rejects.toThrow('cannot be reached');
    expect(r.a.size).toBe(1);

    r.shared.down = false;
    await expect(r.sweep(r.a, at(120))).rejects.toThrow('cannot be reached');
    expect(r.a.size).toBe(0);
    expect([...r.shared.rows.keys()]).toEqual([id]);

    r.db.down = false;
    expect(await r.sweep(r.b, at(500))).toBe(0);
    expect(await r.rows.get(id)).toMatchObject({ status: 'pending', expiresAt: at(500 + 240) });
  });

  it('holds the time of a click refused for the job queue on every replica until the queue answers again', async () => {
    const r = replicas();
    const { id } = await r.rows.create(request);
    r.queue.down = true;
    await r.a.note(id, at(60), JOB_QUEUE);
    expect(await r.sweep(r.b, at(400))).toBe(0);
    expect(await r.sweep(r.a, at(800))).toBe(0);
    expect(await r.rows.get(id)).toMatchObject({ status: 'pending', expiresAt: at(800 + 240) });
    expect(r.shared.rows.get(id)).toMatchObject({ store: JOB_QUEUE, leftMs: 240_000 });

    r.queue.down = false;
    expect(await r.sweep(r.b, at(900))).toBe(0);
    expect(await r.rows.get(id)).toMatchObject({ status: 'pending', expiresAt: at(900 + 240) });
    expect(r.shared.rows.size).toBe(0);
    expect(await r.sweep(r.a, at(900 + 240))).toBe(1);
  });
});
