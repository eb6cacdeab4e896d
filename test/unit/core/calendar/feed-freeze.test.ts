/**
 * A freeze from an iCalendar feed (a weekly RRULE in the fixture .ics) counts wherever the YAML's windows
 * count: a deploy is refused, a scheduled deploy is refused at its run time, the calendar shows it and the
 * conflict; a restart still goes.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IcalFreezeFeeds } from '../../../../src/adapters/ical/ical-freeze-feeds.js';
import { runScheduledAction } from '../../../../src/core/actions/scheduled-actions.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { pendingIdOf } from '../../../support/actions-stack.js';
import { coreHarness } from '../../../support/core-harness.js';

const CAROL = { user: '1003' }; // operator of shop/staging
const FIXTURE = fileURLToPath(new URL('../../../fixtures/ical/release-calendar.ics', import.meta.url));

async function harness() {
  let now = new Date('2026-11-23T12:00:00Z');
  const feeds = new IcalFreezeFeeds([{ project: 'shop', envs: [], source: { kind: 'file', path: FIXTURE }, refreshMs: 3_600_000, timeoutMs: 1_000, timezone: 'Europe/Berlin' }], { clock: { now: () => now }, logger: silentLogger });
  await feeds.refreshAll();
  const h = coreHarness({ freezeFeeds: feeds });
  h.runtimes.get('docker-1').add({ name: 'api-s', id: 'api-s-id', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  const setNow = (iso: string) => {
    now = new Date(iso);
    h.setNow(iso);
  };
  return { h, setNow };
}

describe('a freeze from an iCalendar feed', () => {
  it('refuses a deploy inside the RRULE occurrence and lets it through after; a restart still goes', async () => {
    const { h, setNow } = await harness();
    setNow('2026-11-24T10:00:00Z'); // Tuesday 11:00 Berlin, inside the 10:00–14:00 release train freeze
    const refused = await h.say('deploy api staging 1.5.0', CAROL);
    expect(refused.text).toContain('shop/staging is frozen until Tue 24 Nov 14:00 GMT+1 (Release train freeze)');
    expect(refused.blocks.some((b) => b.type === 'buttons')).toBe(false);
    expect(pendingIdOf(await h.say('restart api staging', CAROL))).toBeTruthy();

    setNow('2026-11-24T13:00:00Z'); // 14:00: the occurrence is over
    expect(pendingIdOf(await h.say('deploy api staging 1.5.0', CAROL))).toBeTruthy();
  });

  it('a scheduled deploy whose run time falls in the next occurrence is shown as a conflict and refused at its run time', async () => {
    const { h, setNow } = await harness();
    const request = await h.say('deploy api staging 1.5.0 at 2026-12-08 10:30', CAROL);
    // 8 Dec was moved to the 9th in the feed: no freeze then.
    expect(request.text).not.toContain('Freeze then: frozen');
    const inFreeze = await h.say('deploy api staging 1.5.1 at tomorrow 12:00', CAROL);
    expect(inFreeze.text).toContain('Freeze then: frozen until Tue 24 Nov 14:00 GMT+1 (Release train freeze)');
    await h.click(inFreeze, 'Confirm', CAROL);
    const id = pendingIdOf(inFreeze)!;

    const calendar = await h.say('calendar shop', CAROL);
    expect(calendar.text).toContain('Tue 24 Nov\n❄️ 10:00–14:00 Release train freeze\n12:00 ⏰ staging api 1.4.2→1.5.1 · Carol · scheduled');
    expect(calendar.text).toContain('Thu 26 Nov\n❄️ all day Company day');
    expect(calendar.text).toContain(`(${id}) at Tue 12:00 is inside the freeze Release train freeze → it will be refused then: schedule it after Tue 24 Nov 14:00`);

    setNow('2026-11-24T11:00:00Z');
    const due = h.actions.scheduler.take(h.now());
    expect(await Promise.all(due.map((j) => runScheduledAction(h.services, j.actionId, j.runAt)))).toEqual(['refused']);
    expect((await h.actions.pending.get(id))?.result).toContain('shop/staging is frozen until Tue 24 Nov 14:00 GMT+1 (Release train freeze)');
    expect(h.actions.queue.enqueued).toEqual([]);
  });

  it('freeze lists the feed freezes of the next two weeks', async () => {
    const { h } = await harness();
    const list = await h.say('freeze', CAROL);
    expect(list.text).toContain('Release train freeze');
    expect(list.text).toContain('Company day');
    expect(list.text).not.toContain('Release train freeze (moved)');
  });

  it('a deploy plan says when a feed cannot be read: "Freeze: none" is only as good as the copy it comes from', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'feed-')), 'release.ics');
    copyFileSync(FIXTURE, file);
    const now = new Date('2026-11-23T12:00:00Z');
    const feeds = new IcalFreezeFeeds([{ project: 'shop', envs: [], source: { kind: 'file', path: file }, refreshMs: 3_600_000, timeoutMs: 1_000, timezone: 'Europe/Berlin' }], { clock: { now: () => now }, logger: silentLogger });
    await feeds.refreshAll();
    const h = coreHarness({ freezeFeeds: feeds });
    h.runtimes.get('docker-1').add({ name: 'api-s', id: 'api-s-id', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
    expect((await h.say('deploy api staging 1.5.0', CAROL)).text).not.toContain('Freeze feed');

    writeFileSync(file, 'not a calendar');
    await feeds.refreshAll();
    const plan = await h.say('deploy api staging 1.5.0', CAROL);
    expect(plan.text).toContain('⚠️ Freeze feed release.ics cannot be read since Mon 23 Nov 13:00 GMT+1 (not valid iCalendar); its freezes are from the copy read Mon 23 Nov 13:00 GMT+1.');
    expect(pendingIdOf(plan)).toBeTruthy();
  });
});
