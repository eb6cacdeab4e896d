import { afterEach, describe, expect, it, vi } from 'vitest';
import { escalation } from '../../../../src/core/incidents/escalation.js';
import { escalationSweeper, type EscalationSweeper } from '../../../../src/jobs/escalation.sweeper.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import { MemoryAuditLog } from '../../../fakes/memory-audit.js';
import { MemoryUnitOfWork } from '../../../fakes/memory-unit-of-work.js';
import { incident, minutes, oncallFixture, people, shopRotation, T0 } from '../oncall/oncall-fixture.js';

const AFTER = 10 * 60_000;
const mentioned = (reply: Reply) => reply.blocks.flatMap((b) => (b.type === 'mention' ? b.people.map((p) => p.name) : []));

let running: EscalationSweeper | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
  vi.useRealTimers();
});

function setup() {
  const f = oncallFixture();
  const sweeper = escalation({ ...f, rotations: [shopRotation], people, escalateAfterMs: AFTER });
  return { ...f, sweeper };
}

describe('escalation sweeper', () => {
  it('pages nobody before N, the primary at N, the secondary at 2N, and nothing after that', async () => {
    const f = setup();
    const { id } = await f.incidents.open(incident());

    expect(await f.sweeper.run(new Date(minutes(10).getTime() - 1))).toBe(0);
    expect(f.notifier.announcements).toEqual([]);

    expect(await f.sweeper.run(minutes(10))).toBe(1);
    const primaryPage = f.notifier.announcements[0]!;
    expect(primaryPage.project).toBe('shop');
    expect(primaryPage.reply.text).toBe(
      `@Alice Incident ${id} in shop (HighErrorRate on api) is unacknowledged for 10m: paging the primary on call.\n\nPress Acknowledge on the alert message to stop the paging.`,
    );
    expect(primaryPage.reply.blocks[0]).toEqual({ type: 'mention', text: expect.any(String), people: [{ name: 'Alice', accounts: { telegram: '1001', slack: 'U0ALICE' } }] });

    expect(await f.sweeper.run(minutes(19))).toBe(0);
    expect(await f.sweeper.run(minutes(20))).toBe(1);
    expect(mentioned(f.notifier.announcements[1]!.reply)).toEqual(['Bob']);
    expect(f.notifier.announcements[1]!.reply.text).toContain('unacknowledged for 20m: paging the secondary on call.');

    expect(await f.sweeper.run(minutes(90))).toBe(0);
    const stored = await f.incidents.get(id);
    expect(stored!.escalationLevel).toBe(2);
    expect(stored!.timeline.filter((e) => e.kind === 'escalation').map((e) => [e.at, e.text])).toEqual([
      [minutes(10), 'Paged Alice (primary on call)'],
      [minutes(20), 'Paged Bob (secondary on call)'],
    ]);
  });

  it('stops once the incident is acknowledged', async () => {
    const f = setup();
    const { id } = await f.incidents.open(incident());
    await f.sweeper.run(minutes(10));
    await f.incidents.acknowledge(id, 'alice', minutes(12));
    expect(await f.sweeper.run(minutes(20))).toBe(0);
    expect(await f.sweeper.run(minutes(40))).toBe(0);
    expect(f.notifier.announcements).toHaveLength(1);
  });

  it('takes every due step in order when it comes late', async () => {
    const f = setup();
    await f.incidents.open(incident());
    expect(await f.sweeper.run(minutes(25))).toBe(2);
    expect(f.notifier.announcements.map((a) => mentioned(a.reply))).toEqual([['Alice'], ['Bob']]);
  });

  it('pages the override person as primary and keeps the rotation secondary', async () => {
    const f = setup();
    await f.overrides.create({ project: 'shop', personId: 'dave', startsAt: T0, endsAt: minutes(60), createdBy: 'alice', createdAt: T0 });
    await f.incidents.open(incident());
    await f.sweeper.run(minutes(20));
    expect(f.notifier.announcements.map((a) => mentioned(a.reply))).toEqual([['Dave'], ['Bob']]);
  });

  it('still escalates and says so when the project has no rotation', async () => {
    const f = setup();
    const { id } = await f.incidents.open(incident('billing'));
    expect(await f.sweeper.run(minutes(10))).toBe(1);
    const page = f.notifier.announcements[0]!;
    expect(page.project).toBe('billing');
    expect(mentioned(page.reply)).toEqual([]);
    expect(page.reply.text).toContain(`Incident ${id} in billing (HighErrorRate on api) is unacknowledged for 10m: no on-call rotation configured for billing, nobody to page.`);
    expect((await f.incidents.get(id))!.escalationLevel).toBe(1);
  });

  it('audits each page with deckhand as the actor, once per level even with two sweepers', async () => {
    const f = setup();
    const audit = new MemoryAuditLog();
    const sweepers = [0, 1].map(() => escalation({ ...f, audit, rotations: [shopRotation], people, escalateAfterMs: AFTER }));
    const { id } = await f.incidents.open(incident());
    await Promise.all(sweepers.map((s) => s.run(minutes(25))));
    expect(audit.entries.map((e) => [e.intent, e.platform, e.platformUserId, e.chatId, e.args, e.detail])).toEqual([
      ['incident.escalated', 'schedule', 'deckhand', 'shop', `shop incident ${id} level 1`, 'Paged Alice (primary on call)'],
      ['incident.escalated', 'schedule', 'deckhand', 'shop', `shop incident ${id} level 2`, 'Paged Bob (secondary on call)'],
    ]);
  });

  it('pages each level once when two sweepers tick at the same time', async () => {
    const f = setup();
    const other = escalation({ ...f, rotations: [shopRotation], people, escalateAfterMs: AFTER });
    await f.incidents.open(incident());
    const counts = await Promise.all([f.sweeper.run(minutes(25)), other.run(minutes(25))]);
    expect(counts.reduce((a, b) => a + b)).toBe(2);
    expect(f.notifier.announcements.map((a) => mentioned(a.reply))).toEqual([['Alice'], ['Bob']]);
  });

  it('records no step when its page cannot be queued, and pages on the next sweep', async () => {
    const f = setup();
    const { id } = await f.incidents.open(incident());
    f.notifier.failNext = true;
    expect(await f.sweeper.run(minutes(10))).toBe(0);
    expect((await f.incidents.get(id))!.escalationLevel).toBe(0);
    expect(f.notifier.announcements).toHaveLength(0);
    expect(await f.sweeper.run(minutes(10))).toBe(1);
    expect((await f.incidents.get(id))!.escalationLevel).toBe(1);
    expect(f.notifier.announcements.map((a) => mentioned(a.reply))).toEqual([['Alice']]);
  });

  it('runs on its timer and stop waits for the sweep in progress', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const f = oncallFixture();
    f.setNow(minutes(10));
    await f.incidents.open(incident());
    const audit = new MemoryAuditLog();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let paging!: () => void;
    const paged = new Promise<void>((r) => (paging = r));
    const slowNotifier = { ...f.notifier, announce: async () => (paging(), gate), edit: async () => {}, publish: async () => {} };
    running = escalationSweeper({ ...f, audit, unit: new MemoryUnitOfWork({ incidents: f.incidents, notifier: slowNotifier }), rotations: [shopRotation], people, escalateAfterMs: AFTER, intervalMs: 10 });
    running.start();
    await vi.advanceTimersByTimeAsync(10);
    await paged;
    expect((await f.incidents.get('inc1'))?.escalationLevel).toBe(1);

    // When stop is asked while the page is being posted, then a hundred intervals on the fake clock do not
    // end the stop, and it resolves only once the sweep has finished (its page audited).
    let stopped = false;
    const stopping = running.stop().then(() => {
      stopped = true;
      return audit.entries.length;
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped).toBe(false);
    release();
    expect(await stopping).toBe(1);
    expect(stopped).toBe(true);
  });
});
