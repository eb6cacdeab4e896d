import { beforeEach, describe, expect, it } from 'vitest';
import type { ActionQueue } from '../../src/core/ports/action-queue.port.js';

/** A queue under test and its consumer: `drain` runs every job that is queued now and returns their action ids. */
export interface ActionQueueUnderTest {
  queue: ActionQueue;
  drain(): Promise<string[]>;
}

/**
 * The ActionQueue contract, run against MemoryActionQueue (unit) and BullActionQueue with the action worker
 * (integration). `make` returns an empty queue. What callers rely on: a confirmed action runs once however
 * often it is enqueued (double click, two replicas, a late retry after it ran), and an id that is not
 * URL-safe never reaches the queue.
 */
export function actionQueueContract(make: () => Promise<ActionQueueUnderTest>): void {
  describe('ActionQueue contract', () => {
    let q: ActionQueueUnderTest;
    beforeEach(async () => {
      q = await make();
    });

    it('runs every enqueued action', async () => {
      await q.queue.enqueue('a1');
      await q.queue.enqueue('a2');
      expect((await q.drain()).sort()).toEqual(['a1', 'a2']);
      expect(await q.drain()).toEqual([]);
    });

    it('runs an action enqueued twice, or concurrently, once', async () => {
      await q.queue.enqueue('twice');
      await q.queue.enqueue('twice');
      await Promise.all(Array.from({ length: 5 }, () => q.queue.enqueue('racing')));
      expect((await q.drain()).sort()).toEqual(['racing', 'twice']);
    });

    it('does not run an action again when it is enqueued after it ran (a late double click)', async () => {
      await q.queue.enqueue('late');
      expect(await q.drain()).toEqual(['late']);
      await q.queue.enqueue('late');
      expect(await q.drain()).toEqual([]);
    });

    it('refuses an action id that is not URL-safe, and queues nothing for it', async () => {
      await expect(q.queue.enqueue('a b:c')).rejects.toThrow(/URL-safe/);
      await expect(q.queue.enqueue('')).rejects.toThrow();
      await expect(q.queue.enqueue('x'.repeat(65))).rejects.toThrow();
      expect(await q.drain()).toEqual([]);
    });
  });
}
