import { describe, expect, it } from 'vitest';
import { handoffAnnouncements, rotationKey } from '../../../../src/core/oncall/handoff.js';
import { oncallFixture, people, shopRotation } from './oncall-fixture.js';
import { MemoryAuditLog } from '../../../fakes/memory-audit.js';

// shopRotation hands over on Mon 23 Nov 2026 at 09:00 Berlin = 08:00Z, from carol to alice.
const HANDOFF = new Date('2026-11-23T08:00:00Z');
const after = (ms: number) => new Date(HANDOFF.getTime() + ms);

function setup() {
  const f = oncallFixture();
  return { ...f, announcer: handoffAnnouncements({ ...f, rotations: [shopRotation], people }) };
}

describe('handoff announcer', () => {
  it('announces a fresh handoff once, with previous, new primary, secondary and the next handoff', async () => {
    const f = setup();
    expect(await f.announcer.run(after(5 * 60_000))).toBe(1);
    expect(await f.announcer.run(after(6 * 60_000))).toBe(0);
    expect(f.notifier.announcements).toEqual([
      { project: 'shop', reply: expect.objectContaining({ text: '@Alice On-call handoff for shop: Carol → Alice (secondary Bob) until Mon 30 Nov 09:00 GMT+1' }) },
    ]);
  });

  it('announces once when two announcers share the log', async () => {
    const f = setup();
    const other = handoffAnnouncements({ ...f, rotations: [{ ...shopRotation }], people });
    const counts = await Promise.all([f.announcer.run(after(1000)), other.run(after(2000))]);
    expect(counts.sort()).toEqual([0, 1]);
    expect(f.notifier.announcements).toHaveLength(1);
  });

  it('does not announce a handoff older than the window (start-up after downtime)', async () => {
    const f = setup();
    expect(await f.announcer.run(after(15 * 60_000))).toBe(0);
    expect(await f.announcer.run(after(4 * 3_600_000))).toBe(0);
    expect(f.notifier.announcements).toEqual([]);
    expect(f.handoffs.claimed.size).toBe(0);
    expect(await f.announcer.run(after(15 * 60_000 - 1))).toBe(1);
  });

  it('announces nothing before the rotation starts, and the start itself as the first handoff', async () => {
    const f = setup();
    expect(await f.announcer.run(new Date('2026-11-02T07:59:00Z'))).toBe(0);
    expect(await f.announcer.run(new Date('2026-11-02T08:01:00Z'))).toBe(1);
    expect(f.notifier.announcements[0]!.reply.text).toBe('@Alice On-call handoff for shop: nobody → Alice (secondary Bob) until Mon 9 Nov 09:00 GMT+1');
  });

  it('mentions an override in effect', async () => {
    const f = setup();
    await f.overrides.create({ project: 'shop', personId: 'dave', startsAt: HANDOFF, endsAt: after(3_600_000), createdBy: 'bob', createdAt: HANDOFF });
    await f.announcer.run(after(60_000));
    expect(f.notifier.announcements[0]!.reply.text).toContain('Override in effect: Dave is primary until Mon 23 Nov 10:00 GMT+1.');
  });

  it('audits the announcement with deckhand as the actor', async () => {
    const f = setup();
    const audit = new MemoryAuditLog();
    await handoffAnnouncements({ ...f, audit, rotations: [shopRotation], people }).run(after(60_000));
    expect(audit.entries).toHaveLength(1);
    expect(audit.last()).toMatchObject({ platform: 'schedule', platformUserId: 'deckhand', chatId: 'shop', intent: 'oncall.handoff', args: 'shop', outcome: 'ok' });
    expect(audit.last().detail).toBe(f.notifier.announcements[0]!.reply.text);
  });

  it('keys rotations by their content, not their position in the config', () => {
    expect(rotationKey({ ...shopRotation })).toBe(rotationKey(shopRotation));
    expect(rotationKey(shopRotation)).toMatch(/^shop:[0-9a-f]{16}$/);
    expect(rotationKey({ ...shopRotation, members: ['bob', 'alice'] })).not.toBe(rotationKey(shopRotation));
  });
});
