import { beforeEach, describe, expect, it } from 'vitest';
import type { ActionQueue } from '../../src/core/ports/action-queue.port.js';

/** A queue under test and its consumer: `drain` runs every job that is queued now and returns their action ids. */
export interface ActionQueueUnderTest {
  queue: ActionQueue;
  drain(): Promise<string[]>;
}

/**
 * The ActionQueue contract, run against MemoryActionQueue (unit) and BullActionQueue with the action worker
 * (integration). `make` returns an empty queue. What callers rely on: a claim of an action gets one job
 * however often it is enqueued (two replicas, a late retry after it ran), a later claim of the same action
 * (after an undone one) gets a job of its own, and an id that is not URL-safe never reaches the queue.
 */
export function actionQueueContract(make: () => Promise<ActionQueueUnderTest>): void {
  describe('ActionQueue contract', () => {
    const claimed = new Date('2026-12-03T10:00:00.123Z');
    let q: ActionQueueUnderTest;
    beforeEach(async () => {
      q = await make();
    });

    it('runs every enqueued action', async () => {
      await q.queue.enqueue('a1', claimed);
      await q.queue.enqueue('a2', claimed);
      expect((await q.drain()).sort()).toEqual(['a1', 'a2']);
      expect(await q.drain()).toEqual([]);
    });

    it('runs a claim enqueued twice, or concurrently, once', async () => {
      await q.queue.enqueue('twice', claimed);
      await q.queue.enqueue('twice', claimed);
      await Promise.all(Array.from({ length: 5 }, () => q.queue.enqueue('racing', claimed)));
      expect((await q.drain()).sort()).toEqual(['racing', 'twice']);
    });

    it('does not run a claim again when it is enqueued after it ran (a late retry)', async () => {
      await q.queue.enqueue('late', claimed);
      expect(await q.drain()).toEqual(['late']);
      await q.queue.enqueue('late', claimed);
      expect(await q.drain()).toEqual([]);
    });

    it('runs the job of a later claim of an action whose earlier claim had a job', async () => {
      await q.queue.enqueue('again', claimed);
      expect(await q.drain()).toEqual(['again']);
      await q.queue.enqueue('again', new Date(claimed.getTime() + 1));
      await q.queue.enqueue('again', claimed); // the earlier claim's job is kept: still no second one
      expect(await q.drain()).toEqual(['again']);
    });

    it('refuses an action id that is not URL-safe, and queues nothing for it', async () => {
      await expect(q.queue.enqueue('a b:c', claimed)).rejects.toThrow(/URL-safe/);
      await expect(q.queue.enqueue('', claimed)).rejects.toThrow();
      await expect(q.queue.enqueue('x'.repeat(65), claimed)).rejects.toThrow();
      expect(await q.drain()).toEqual([]);
    });
  });
}
