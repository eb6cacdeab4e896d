import { cancelScheduled } from '../../../../src/core/actions/scheduled-actions.js';
import { describe, expect, it } from 'vitest';
import { coreHarness } from '../../../support/core-harness.js';
import { pendingIdOf } from '../../../support/actions-stack.js';
import { CALENDAR_MAX_CHARS } from '../../../../src/core/calendar/calendar.js';

const ALICE = { user: '1001' }; // admin of shop
const BOB = { user: '1002' }; // viewer of shop
const CAROL = { user: '1003' }; // operator of shop/staging
const DAVE = { user: '1004' }; // operator of shop

/** Monday 2026-11-23 13:00 Berlin; api 1.4.2 in staging and prod, web 2.0.0 in prod. */
function harness() {
  const h = coreHarness();
  h.runtimes.get('docker-1').add({ name: 'api-s', id: 'api-s-id', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  h.runtimes.get('docker-1').add({ name: 'api-1', id: 'api-1-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  h.runtimes.get('docker-2').add({ name: 'shop-web-prod', id: 'web-id', image: 'reg/shop/web:2.0.0', version: '2.0.0' });
  const schedule = async (text: string, who: { user: string }, approver = who) => {
    const r = await h.say(text, who);
    const id = pendingIdOf(r);
    if (!id) throw new Error(`no plan: ${r.text}`);
    await h.click(r, r.blocks.some((b) => b.type === 'buttons' && b.buttons.some((x) => x.label === 'Approve')) ? 'Approve' : 'Confirm', approver);
    return id;
  };
  return { h, schedule };
}

describe('calendar [project] [week]', () => {
  it('lists per Berlin day the past and the planned deploys, the freezes and locks, and the conflicts with a recommendation', async () => {
    const { h, schedule } = harness();
    // Given a deploy that ran this morning, two staging deploys within an hour by Carol and Dave, and a prod
    // deploy on Friday evening inside the weekend freeze.
    const done = await h.actions.deployments.start({ actionId: 'old1', kind: 'deploy', project: 'shop', env: 'prod', service: 'web', version: '2.0.0', image: 'reg/shop/web:2.0.0', previousVersion: '1.9.0', previousImage: 'reg/shop/web:1.9.0', requestedBy: 'dave', approvedBy: 'alice', startedAt: new Date('2026-11-23T08:10:00Z'), source: 'deckhand' });
    await h.actions.deployments.finish(done.id, 'succeeded', new Date('2026-11-23T08:12:00Z'));
    const carols = await schedule('deploy api staging 1.5.0 at 22:00', CAROL);
    const daves = await schedule('deploy api staging 1.5.1 at 22:40', DAVE);
    const frozen = await schedule('deploy web prod 2.1.0 at 2026-11-27 20:00', ALICE, DAVE);
    await h.say('lock shop prod db migration', DAVE);

    // When Dave asks for the coming week.
    const reply = await h.say('calendar shop', DAVE);

    // Then each day is there, with times in Berlin.
    expect(reply.tone).toBe('warning');
    expect(reply.text).toContain('Calendar: shop');
    expect(reply.text).toContain('Mon 23 Nov – Sun 29 Nov, times in Europe/Berlin');
    expect(reply.text).toContain('Mon 23 Nov\n❄️ until 09:00 Weekend freeze (prod)\n09:12 ✅ prod web 1.9.0→2.0.0 · Dave · succeeded\n22:00 ⏰ staging api 1.4.2→1.5.0 · Carol · scheduled · ' + carols + '\n22:40 ⏰ staging api 1.4.2→1.5.1 · Dave · scheduled · ' + daves);
    expect(reply.text).toContain('Tue 24 Nov: nothing planned');
    expect(reply.text).toContain(`Fri 27 Nov\n❄️ from 16:00 Weekend freeze (prod)\n20:00 ⏰ prod web 2.0.0→2.1.0 · Alice · scheduled · ${frozen}`);
    expect(reply.text).toContain('Sat 28 Nov\n❄️ all day Weekend freeze (prod)');
    expect(reply.text).toContain('🔒 prod locked by Dave since Mon 23 Nov 13:00 GMT+1 (db migration)');
    // And the conflicts, with whom to talk to from Dave's point of view.
    expect(reply.text).toContain(`Conflicts: 2\n⚠️ shop/staging api: ${carols} at Mon 22:00 and ${daves} at Mon 22:40 are within an hour → coordinate with @Carol, or move one an hour apart`);
    expect(reply.text).toContain(`⚠️ shop/prod web (${frozen}) at Fri 20:00 is inside the freeze Weekend freeze → it will be refused then: schedule it after Mon 30 Nov 09:00 (calendar cancel ${frozen})`);

    // Carol, an operator of staging only, sees staging only: no prod deploy, lock or freeze.
    const carolSees = await h.say('calendar shop', CAROL);
    expect(carolSees.text).not.toMatch(/prod/);
    expect(carolSees.text).toContain('→ coordinate with @Dave, or move one an hour apart');

    // Next week starts Monday 30 Nov: the freeze ends at 09:00, nothing is planned.
    const next = await h.say('calendar next', DAVE);
    expect(next.text).toContain('Mon 30 Nov\n❄️ until 09:00 Weekend freeze (prod)');
    expect(next.text).toContain('Conflicts: none');
    expect(next.tone).toBe('info');
  });

  it('answers bad weeks and unknown projects clearly', async () => {
    const { h } = harness();
    expect((await h.say('calendar shop soon', CAROL)).text).toContain('a week: this, next, last or a date YYYY-MM-DD');
    expect((await h.say('calendar shop 2026-02-30', CAROL)).text).toContain('must be a real date');
    expect((await h.say('calendar nope', CAROL)).text).toContain('Unknown project "nope"');
    expect((await h.say('calendar 2026-12-02', CAROL)).text).toContain('Mon 30 Nov – Sun 6 Dec');
  });

  it('summarises a busy week to fit one message: past deploys counted, then fewer lines a day', async () => {
    const { h, schedule } = harness();
    for (let i = 0; i < 60; i++) {
      const start = new Date(Date.parse('2026-11-23T06:00:00Z') + i * 5 * 60_000);
      const d = await h.actions.deployments.start({ actionId: `past${i}`, kind: 'deploy', project: 'shop', env: 'staging', service: 'api', version: `1.4.${i}`, image: `reg/shop/api:1.4.${i}`, previousVersion: '1.4.0', previousImage: 'reg/shop/api:1.4.0', requestedBy: 'dave', approvedBy: null, startedAt: start, source: 'deckhand' });
      await h.actions.deployments.finish(d.id, i % 10 === 0 ? 'failed' : 'succeeded', new Date(start.getTime() + 60_000));
    }
    for (let day = 24; day <= 27; day++) {
      for (let slot = 0; slot < 12; slot++) {
        const at = `${String(10 + Math.floor(slot / 2))}:${slot % 2 ? '30' : '00'}`;
        await schedule(`deploy api staging 1.5.${slot} at 2026-11-${day} ${at}`, slot % 2 ? CAROL : DAVE);
      }
    }
    const reply = await h.say('calendar shop', CAROL);
    expect(reply.text.length).toBeLessThanOrEqual(CALENDAR_MAX_CHARS);
    expect(reply.text).toContain('60 past deploys (6 failed or not run)');
    expect(reply.text).toMatch(/\+\d+ more planned/);
    expect(reply.text).toMatch(/\+\d+ more conflicts/);
    expect(reply.text).toContain('Summarised to fit one message.');
  });
});

describe('calendar cancel <id>', () => {
  it('the requester or an admin only; removes the delayed job, audits, and says why otherwise', async () => {
    const { h, schedule } = harness();
    const id = await schedule('deploy api staging 1.5.0 at 22:00', CAROL);
    expect(h.actions.scheduler.jobs.has(id)).toBe(true);

    // From a chat of other projects the id is unknown: nothing about it is told, so ids cannot be probed.
    const alice = h.services.catalog.people.find((p) => p.id === 'alice')!;
    const elsewhere = await cancelScheduled(h.services, id, alice, ['billing']);
    expect(elsewhere).toMatchObject({ ok: false });
    expect(elsewhere.reply.text).toContain(`No scheduled action ${id}.`);
    expect(elsewhere.reply.text).not.toContain('Carol');
    expect(h.actions.scheduler.jobs.has(id)).toBe(true);
    expect((await h.say(`calendar cancel ${id}`, DAVE)).text).toContain(`Only Carol (who asked) or an admin of shop/staging may cancel ${id}.`);
    expect((await h.say(`calendar cancel ${id}`, BOB)).text).toContain('Only Carol');
    expect(h.actions.scheduler.jobs.has(id)).toBe(true);
    expect((await h.actions.pending.get(id))?.status).toBe('scheduled');

    const cancelled = await h.say(`calendar cancel ${id}`, CAROL);
    expect(cancelled.text).toBe('Deploy shop/staging: api 1.4.2 → 1.5.0: Cancelled by Carol; it will not run at Mon 23 Nov 22:00 GMT+1.');
    expect(h.actions.scheduler.jobs.has(id)).toBe(false);
    expect((await h.actions.pending.get(id))?.status).toBe('cancelled');
    expect(h.audit.entries.map((e) => e.intent)).toContain('deploy.cancelled');
    expect((await h.say(`calendar cancel ${id}`, CAROL)).text).toContain(`${id} was cancelled already; nothing to cancel.`);

    // An admin may cancel anyone's; one that already ran cannot be; an unknown or malformed id is said so.
    const other = await schedule('deploy api staging 1.5.1 at 23:00', CAROL);
    expect((await h.say(`calendar cancel ${other}`, ALICE)).text).toContain('Cancelled by Alice');
    const ran = await schedule('deploy api staging 1.5.2 at 21:00', CAROL);
    await h.actions.pending.finish(ran, 'succeeded', 'Deployed.');
    expect((await h.say(`calendar cancel ${ran}`, CAROL)).text).toContain(`${ran} already ran (succeeded); nothing to cancel.`);
    expect((await h.say('calendar cancel nope42', CAROL)).text).toContain('No scheduled action nope42.');
    expect((await h.say('calendar cancel <b>', CAROL)).text).toContain('must be the id calendar shows');
    expect((await h.say('calendar cancel', CAROL)).text).toContain('which one?');
  });
});
