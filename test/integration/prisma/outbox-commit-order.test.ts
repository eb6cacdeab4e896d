/**
 * A chat's outbox rows are numbered in commit order: a lane holder reading row n must already see every row
 * of the chat that goes before it, however long the transactions that wrote them stayed open.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaOutbox } from '../../../src/adapters/prisma/outbox.repository.js';
import { PrismaUnitOfWork } from '../../../src/adapters/prisma/unit-of-work.js';
import { systemClock } from '../../../src/core/ports/clock.port.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import type { Notifier } from '../../../src/core/ports/notifier.port.js';
import { entry } from '../../contracts/outbox.contract.js';
import { shopQueue } from '../../contracts/unit-of-work.contract.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;
let plain: PrismaOutbox;
let unit: PrismaUnitOfWork;

beforeAll(async () => {
  db = await createTestDatabase('outbox_commit_order');
  plain = new PrismaOutbox(db.prisma);
  const queue = shopQueue(plain, '-1001');
  unit = new PrismaUnitOfWork(db.prisma, { clock: systemClock, notifierFor: (tx, afterCommit) => queue.within(tx, afterCommit) });
});
afterAll(() => db?.drop());
beforeEach(async () => {
  await db.pool.query('TRUNCATE outbox_message, outbox_lane');
  await db.pool.query('DROP TRIGGER IF EXISTS slow_insert ON outbox_message');
});

const reply = (text: string): Reply => ({ tone: 'info', text, blocks: [] });
const say = (text: string) => entry({ chatId: '-1001', payload: { reply: reply(text) } });
const order = async (chatId = '-1001') => (await plain.waiting('telegram', chatId, 50)).map((r) => r.payload.reply.text);
const tellIn = (notifier: Notifier, chatId: string, r: Reply, options: { key: string }) => notifier.tell!({ platform: 'telegram', chatId }, r, options);
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

/** A unit that has written its row to chat -1001 and stays open until `commit()`. */
async function heldOpen(text: string): Promise<{ commit: () => Promise<void> }> {
  const inserted = gate();
  const release = gate();
  const run = unit.run(async ({ notifier }) => {
    await tellIn(notifier, '-1001', reply(text), { key: text });
    inserted.open();
    await release.opened;
  });
  await inserted.opened;
  return {
    commit: async () => {
      release.open();
      await run;
    },
  };
}

describe('outbox numbering follows commit order', () => {
  it('a row put while a unit holds an earlier row open goes first: it committed first', async () => {
    const slow = await heldOpen('unit, committed second');
    await plain.put(say('plain, committed first'));
    // A lane holder reading now sees the plain row alone, and may send it.
    expect(await order()).toEqual(['plain, committed first']);
    await slow.commit();
    // The unit's row goes after it; numbered at insert it would sort before the row already sent.
    expect(await order()).toEqual(['plain, committed first', 'unit, committed second']);
  });

  it('of two units writing one chat, the one that commits first goes first', async () => {
    const first = await heldOpen('inserted first, committed last');
    await unit.run(({ notifier }) => tellIn(notifier, '-1001', reply('inserted last, committed first'), { key: 'b' }));
    await first.commit();
    expect(await order()).toEqual(['inserted last, committed first', 'inserted first, committed last']);
  });

  it('a unit committing while a plain put of its chat is still in flight goes after that put', async () => {
    // The plain put draws its number, then stays uncommitted for a while (a slow statement).
    await db.pool.query(`
      CREATE OR REPLACE FUNCTION slow_insert() RETURNS trigger AS $$
      BEGIN IF NEW.key = 'slow-plain' THEN PERFORM pg_sleep(0.6); END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.pool.query('CREATE TRIGGER slow_insert BEFORE INSERT ON outbox_message FOR EACH ROW EXECUTE FUNCTION slow_insert()');
    const inFlight = plain.put({ ...say('plain, drew its number first'), key: 'slow-plain' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await unit.run(({ notifier }) => tellIn(notifier, '-1001', reply('unit'), { key: 'u' }));
    // Once the unit has committed, everything before its row is visible: the unit waited for the plain put.
    expect(await order()).toEqual(['plain, drew its number first', 'unit']);
    await inFlight;
  });

  it('units writing the same chats in opposite orders both commit (no lock is held while a unit works)', async () => {
    const firstWrote = gate();
    const secondWrote = gate();
    const tell = (notifier: Notifier, chatId: string, text: string) => tellIn(notifier, chatId, reply(text), { key: `${text}:${chatId}` });
    const one = unit.run(async ({ notifier }) => {
      await tell(notifier, '-1001', 'one');
      firstWrote.open();
      await secondWrote.opened;
      await tell(notifier, '-1002', 'one');
    });
    const two = unit.run(async ({ notifier }) => {
      await firstWrote.opened;
      await tell(notifier, '-1002', 'two');
      secondWrote.open();
      await tell(notifier, '-1001', 'two');
    });
    await Promise.all([one, two]);
    expect((await order('-1001')).sort()).toEqual(['one', 'two']);
    expect((await order('-1002')).sort()).toEqual(['one', 'two']);
  });
});

describe('a plain put waiting on a unit that holds the same key', () => {
  it('is tried again after PostgreSQL breaks the deadlock, and finds the unit\'s row: the unit commits, nothing is lost', async () => {
    const e = say('same key from two writers');
    const inserted = gate();
    const release = gate();
    const run = db.prisma.$transaction(
      async (tx) => {
        const mine = new PrismaOutbox(tx as never, { unit: true });
        expect(await mine.put(e)).toBe('queued');
        inserted.open();
        await release.opened;
        // Waits for the chat lock the plain put holds while that put waits on this unit's row.
        await mine.numberForCommit();
      },
      { timeout: 15_000 },
    );
    await inserted.opened;
    const second = plain.put(e);
    await new Promise((resolve) => setTimeout(resolve, 200));
    release.open();
    await run;
    expect(await second).toBe('duplicate');
    expect(await order()).toEqual(['same key from two writers']);
  });
});
