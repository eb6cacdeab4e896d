/**
 * Once-only pages and handoff announcements with two replicas (each its own Prisma client) on one database.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { PrismaOncallOverrideStore } from '../../../src/adapters/prisma/oncall-override.repository.js';
import { createPrismaClient, type PrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { escalationSweeper } from '../../../src/jobs/escalation.sweeper.js';
import { handoffAnnouncer } from '../../../src/jobs/handoff.announcer.js';
import { RecordingNotifier } from '../../fakes/memory-stores.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { prismaUnit } from '../../support/prisma-unit.js';
import { incident, minutes, people, shopRotation, T0 } from '../../unit/core/oncall/oncall-fixture.js';

const AFTER = 10 * 60_000;
const clock = { now: () => T0 };

let db: TestDatabase;
let second: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase('oncall_once');
  second = createPrismaClient(db.url, { poolMax: 5 });
});
afterAll(async () => {
  await second?.$disconnect();
  await db?.drop();
});
beforeEach(() => db.pool.query('TRUNCATE incident, oncall_override, handoff_announcement'));

const mentioned = (reply: Reply) => reply.blocks.flatMap((b) => (b.type === 'mention' ? b.people.map((p) => p.name) : []));

/** One replica: its own client, stores and sweeper/announcer, all posting to the shared notifier. */
function replica(prisma: PrismaClient, notifier: RecordingNotifier) {
  const deps = { incidents: new PrismaIncidentStore(prisma), overrides: new PrismaOncallOverrideStore(prisma), unit: prismaUnit(prisma, notifier), clock, rotations: [shopRotation], people };
  return {
    ...deps,
    sweeper: escalationSweeper({ ...deps, escalateAfterMs: AFTER }),
    announcer: handoffAnnouncer(deps),
  };
}

describe('escalation with two replicas', () => {
  it('posts each page once: nothing before N, the primary at N, the secondary at 2N', async () => {
    const notifier = new RecordingNotifier();
    const [a, b] = [replica(db.prisma, notifier), replica(second, notifier)];
    const { id } = await a.incidents.open(incident());

    for (const at of [minutes(9), minutes(10), minutes(10.5), minutes(20), minutes(21), minutes(60)]) {
      await Promise.all([a.sweeper.tick(at), b.sweeper.tick(at), a.sweeper.tick(at), b.sweeper.tick(at)]);
    }

    expect(notifier.announcements.map((x) => mentioned(x.reply))).toEqual([['Alice'], ['Bob']]);
    const stored = await b.incidents.get(id);
    expect(stored!.escalationLevel).toBe(2);
    expect(stored!.timeline.filter((e) => e.kind === 'escalation').map((e) => e.text)).toEqual(['Paged Alice (primary on call)', 'Paged Bob (secondary on call)']);
  });

  it('pages nobody after the acknowledgement', async () => {
    const notifier = new RecordingNotifier();
    const [a, b] = [replica(db.prisma, notifier), replica(second, notifier)];
    const { id } = await a.incidents.open(incident());
    await Promise.all([a.sweeper.tick(minutes(10)), b.sweeper.tick(minutes(10))]);
    expect(await b.incidents.acknowledge(id, 'alice', minutes(11))).not.toBeNull();
    await Promise.all([a.sweeper.tick(minutes(30)), b.sweeper.tick(minutes(30))]);
    expect(notifier.announcements.map((x) => mentioned(x.reply))).toEqual([['Alice']]);
  });
});

describe('handoff announcements with two replicas', () => {
  const handoff = new Date('2026-11-23T08:00:00Z');
  const after = (m: number) => new Date(handoff.getTime() + m * 60_000);

  it('announces a handoff once, also after a restart within the window', async () => {
    const notifier = new RecordingNotifier();
    const [a, b] = [replica(db.prisma, notifier), replica(second, notifier)];
    const counts = await Promise.all([a.announcer.tick(after(1)), b.announcer.tick(after(1)), a.announcer.tick(after(2)), b.announcer.tick(after(2))]);
    expect(counts.reduce((x, y) => x + y)).toBe(1);
    const restarted = replica(db.prisma, notifier);
    expect(await restarted.announcer.tick(after(5))).toBe(0);
    expect(notifier.announcements.map((x) => x.reply.text)).toEqual(['@Alice On-call handoff for shop: Carol → Alice (secondary Bob) until Mon 30 Nov 09:00 GMT+1']);
  });

  it('does not announce an old handoff at start-up', async () => {
    const notifier = new RecordingNotifier();
    const fresh = replica(db.prisma, notifier);
    expect(await fresh.announcer.tick(after(16))).toBe(0);
    expect(notifier.announcements).toEqual([]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM handoff_announcement')).rows[0].n).toBe(0);
  });
});
