import { beforeEach, describe, expect, it } from 'vitest';
import type { HandoffLog } from '../../src/core/ports/oncall.port.js';
import type { IncidentStore, NewIncident } from '../../src/core/ports/incident.port.js';
import type { PendingActionStore } from '../../src/core/ports/pending-action.port.js';
import type { UnitOfWork } from '../../src/core/ports/unit-of-work.port.js';
import type { Reply } from '../../src/core/messages/reply.js';
import { DeliveryQueue } from '../../src/adapters/notifier/delivery.queue.js';
import type { OutboxStore } from '../../src/adapters/notifier/outbox.port.js';
import { silentLogger } from '../../src/core/ports/logger.port.js';
import { MemoryPostedMessages } from '../fakes/memory-posted-messages.js';
import { request } from './pending-action-store.contract.js';

/** What the contract is run on: a unit of work and, outside any unit, what it committed. */
export interface UnitOfWorkSubject {
  unit: UnitOfWork;
  incidents: IncidentStore;
  pendingActions: PendingActionStore;
  handoffs: HandoffLog;
  /** Texts of the pushes queued (committed) for project `shop`, oldest first. */
  pushed(): Promise<string[]>;
}

const T0 = new Date('2026-12-02T12:00:00Z');
const reply = (text: string): Reply => ({ tone: 'info', text, blocks: [] });
const incident = (over: Partial<NewIncident> = {}): NewIncident => ({
  project: 'shop',
  groupKey: 'g1',
  title: 'HighErrorRate',
  openedAt: T0,
  alerts: [{ fingerprint: 'f1', name: 'HighErrorRate', status: 'firing', summary: 'errors', startsAt: T0, endsAt: null, labels: { project: 'shop' } }],
  timeline: [{ at: T0, kind: 'opened', text: 'opened', by: null }],
  ...over,
});

class Injected extends Error {}

/**
 * The UnitOfWork contract, run against the in-memory fake (unit) and PrismaUnitOfWork (integration). `make`
 * returns empty stores. What callers rely on: what a unit writes (state and pushes) is kept when it
 * resolves and none of it when it throws, the error reaching the caller; units racing for one conditional
 * write see each other's commits.
 */
export function unitOfWorkContract(make: () => Promise<UnitOfWorkSubject>): void {
  describe('UnitOfWork contract', () => {
    let s: UnitOfWorkSubject;
    beforeEach(async () => {
      s = await make();
    });

    it('keeps the state change and its push together when the unit resolves, and returns what the work returned', async () => {
      const id = await s.unit.run(async ({ incidents, notifier }) => {
        const opened = await incidents.open(incident());
        await notifier.publish('shop', `incident:${opened.id}`, reply(`FIRING ${opened.title}`));
        return opened.id;
      });
      expect((await s.incidents.get(id))?.status).toBe('open');
      expect(await s.pushed()).toEqual(['FIRING HighErrorRate']);
    });

    it('keeps neither when the work fails after writing both', async () => {
      // Given a unit that opens an incident, announces it, claims a handoff, stores an action, and then fails
      let actionId = '';
      const failing = s.unit.run(async ({ incidents, notifier, handoffs, pendingActions }) => {
        await incidents.open(incident());
        await notifier.announce('shop', reply('opened'));
        expect(await handoffs.claim('shop/main', T0, T0)).toBe(true);
        actionId = (await pendingActions.create(request())).id;
        throw new Injected('crash after the writes');
      });
      // Then the caller gets the error and nothing the unit wrote is there
      await expect(failing).rejects.toBeInstanceOf(Injected);
      expect(await s.incidents.findOpen('shop', 'g1')).toBeNull();
      expect(await s.pushed()).toEqual([]);
      expect(await s.handoffs.claim('shop/main', T0, T0)).toBe(true);
      expect(actionId).not.toBe('');
      expect(await s.pendingActions.get(actionId)).toBeNull();
    });

    it('lets a failed unit be run again: the retry queues its keyed push once', async () => {
      let tries = 0;
      const work = () =>
        s.unit.run(async ({ incidents, notifier }) => {
          const opened = await incidents.open(incident());
          await notifier.announce('shop', reply(`page ${opened.title}`), { key: 'page:g1:1' });
          if (++tries === 1) throw new Injected('first try fails');
        });
      await expect(work()).rejects.toBeInstanceOf(Injected);
      await work();
      await s.unit.run(async ({ notifier }) => notifier.announce('shop', reply('page again'), { key: 'page:g1:1' }));
      expect(await s.pushed()).toEqual(['page HighErrorRate']);
    });

    it('decides a race of units for one conditional write once: one opens the group and pushes, the other sees it', async () => {
      const open = () =>
        s.unit.run(async ({ incidents, notifier }) => {
          const claim = await incidents.openOrGet(incident());
          if (claim.opened) await notifier.publish('shop', `incident:${claim.incident.id}`, reply('FIRING'));
          return claim;
        });
      const claims = await Promise.all([open(), open()]);
      expect(claims.map((c) => c.opened).sort()).toEqual([false, true]);
      expect(claims[0]!.incident.id).toBe(claims[1]!.incident.id);
      expect(await s.pushed()).toEqual(['FIRING']);
    });
  });
}

/** `pushed()` over an outbox: the texts of the rows waiting for telegram chat `chatId`. */
export const waitingTexts = (outbox: OutboxStore, chatId: string) => async (): Promise<string[]> =>
  (await outbox.waiting('telegram', chatId, 100)).map((r) => r.payload.reply.text);

/** A telegram delivery queue (not started) whose project `shop` is bound to chat `chatId`; it never calls a chat. */
export function shopQueue(outbox: OutboxStore, chatId: string): DeliveryQueue {
  const refuse = async (): Promise<never> => {
    throw new Error('not delivering in this test');
  };
  return new DeliveryQueue({
    platform: 'telegram',
    target: { send: refuse, edit: refuse },
    outbox,
    chatsFor: (project) => (project === 'shop' ? [chatId] : []),
    posted: new MemoryPostedMessages(),
    fits: () => true,
    logger: silentLogger,
  });
}
