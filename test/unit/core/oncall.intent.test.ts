import { describe, expect, it } from 'vitest';
import { findPerson } from '../../../src/core/domain/access.js';
import type { Catalog } from '../../../src/core/domain/catalog.js';
import { findPersonWord, resolveOverridePerson } from '../../../src/core/oncall/oncall-override.js';
import { coreHarness } from '../../support/core-harness.js';

// Harness: NOW = Mon 23 Nov 2026 12:00Z (13:00 Berlin). Rotation shop: weekly Monday 09:00 Berlin from
// 2 Nov, members alice, bob, carol → alice is primary (4th shift), bob secondary and next.
const DAVE = { user: '1004' }; // operator on shop
const BOB = { user: '1002' }; // viewer on shop, operator on billing (no rotation)

/** Overrides of shop stored and not ended, through the port. */
const stored = (h: ReturnType<typeof coreHarness>) => h.incidents.overrides.upcoming(['shop'], new Date(0));

describe('oncall', () => {
  it('shows primary, secondary, next and the handoff', async () => {
    const h = coreHarness();
    const reply = await h.say('oncall');
    expect(reply.text).toContain('PROJECT  PRIMARY  SECONDARY  NEXT  HANDOFF');
    expect(reply.text).toContain('shop     Alice    Bob        Bob   Mon 30 Nov 09:00 GMT+1');
  });

  it('lets an operator override the primary until a local time, announces it and shows it', async () => {
    const h = coreHarness();
    const reply = await h.say('oncall override @carol until 18:00', DAVE);
    expect(reply.tone).toBe('success');
    expect(reply.text).toContain('Override set: Carol is primary on call for shop instead of Alice until Mon 23 Nov 18:00 GMT+1 (5h), override set by Dave.');
    const [announced] = h.actions.notifier.announcements;
    expect(h.actions.notifier.announcements).toHaveLength(1);
    expect(announced!.project).toBe('shop');
    expect(announced!.reply.text).toContain('@Carol is primary on call for shop instead of Alice until Mon 23 Nov 18:00 GMT+1 (5h)');
    expect(announced!.reply.blocks).toContainEqual({ type: 'mention', text: expect.any(String), people: [{ name: 'Carol', accounts: { telegram: '1003', shell: 'carol' } }] });
    expect(await stored(h)).toMatchObject([{ project: 'shop', personId: 'carol', endsAt: new Date('2026-11-23T17:00:00Z'), createdBy: 'dave' }]);

    const shown = await h.say('oncall');
    expect(shown.text).toContain('shop     Carol (override)  Bob        Bob   Mon 30 Nov 09:00 GMT+1');
    expect(shown.text).toContain('Override: shop: Carol instead of Alice until Mon 23 Nov 18:00 GMT+1, set by Dave');

    h.setNow('2026-11-23T17:00:00Z');
    expect((await h.say('oncall')).text).toContain('shop     Alice    Bob');
  });

  it('accepts names in any case, tomorrow, dates, durations and a Slack mention', async () => {
    const h = coreHarness();
    expect((await h.say('oncall override CAROL until tomorrow 09:00 shop', DAVE)).tone).toBe('success');
    expect((await h.say('oncall override Bob 2026-11-25 09:00', DAVE)).tone).toBe('success');
    expect((await h.say('oncall override dave until 90m', DAVE)).tone).toBe('success');
    // Dave on Slack, naming Bob by a Slack mention (the Slack adapter lists it as a mention of U0BOB).
    const daveOnSlack = { platform: 'slack', user: 'U0DAVE', mentions: { '<@U0BOB>': 'U0BOB' } };
    expect((await h.say('oncall override <@U0BOB> until 10:00', daveOnSlack)).text).toContain('until Tue 24 Nov 10:00');
    expect((await stored(h)).map((o) => [o.personId, o.endsAt.toISOString()])).toEqual([
      ['carol', '2026-11-24T08:00:00.000Z'],
      ['bob', '2026-11-25T08:00:00.000Z'],
      ['dave', '2026-11-23T13:30:00.000Z'],
      ['bob', '2026-11-24T09:00:00.000Z'],
    ]);
    // The most recent override wins.
    expect((await h.say('oncall')).text).toContain('Bob (override)');
  });

  it('answers bad input with what would be right, storing nothing', async () => {
    const h = coreHarness();
    const cases: [string, string][] = [
      ['oncall override', 'who?'],
      ['oncall override bob', 'until when? e.g. 18:00, tomorrow 09:00, 2026-11-24 09:00, 4h or 90m'],
      ['oncall override bob until noon', 'the end must be a time such as 18:00'],
      ['oncall override zed until 18:00', 'No person "zed" in the config.'],
      ['oncall override bob until 2026-11-20 09:00', 'Fri 20 Nov 09:00 GMT+1 is not in the future.'],
      ['oncall override bob until 2026-02-30 09:00', 'That date does not exist.'],
      ['oncall override bob until 15d', 'more than 14 days ahead'],
      ['oncall override bob until 18:00 shop extra', 'too many arguments'],
      ['oncall override bob until 18:00 nope', 'Unknown project "nope"'],
    ];
    for (const [text, expected] of cases) {
      const reply = await h.say(text, DAVE);
      expect(reply.tone, text).toBe('error');
      expect(reply.text, text).toContain(expected);
    }
    expect(await stored(h)).toEqual([]);
    expect(h.actions.notifier.announcements).toEqual([]);
  });

  it('needs the operator role and a project with a rotation', async () => {
    const h = coreHarness();
    expect((await h.say('oncall override carol until 18:00 shop', BOB)).text).toContain('You need the operator role on shop');
    expect((await h.say('oncall override clear', BOB)).text).toContain('Which project?');
    expect((await h.say('oncall override clear billing', BOB)).text).toContain('billing has no on-call rotation to override.');
    expect(await stored(h)).toEqual([]);
  });

  it('clears the override in effect and announces it; a second clear finds none', async () => {
    const h = coreHarness();
    await h.say('oncall override carol until 18:00', DAVE);
    h.setNow('2026-11-23T13:00:00Z');
    const cleared = await h.say('oncall override clear', DAVE);
    expect(cleared.text).toBe('On-call override for shop cleared by Dave: Alice is primary on call again.');
    expect(h.actions.notifier.announcements.map((a) => a.reply.text)).toContain(cleared.text);
    expect((await h.say('oncall')).text).toContain('shop     Alice    Bob');
    expect((await h.say('oncall override clear shop', DAVE)).text).toBe('No on-call override in effect for shop.');
  });
});

describe('override person', () => {
  const catalog = {
    projects: [],
    chats: [],
    rotations: [],
    hosts: [],
    people: [
      { id: 'ann', name: 'Ann Lee', accounts: {}, roles: [{ role: 'viewer', project: 'shop', env: '*' }] },
      { id: 'ed', name: 'Ed', accounts: { slack: 'U0ED' }, roles: [{ role: 'admin', project: 'billing', env: '*' }] },
    ],
  } as Catalog;

  it('finds people by id, name or platform mention, case-insensitively', () => {
    // The platform says which account a mention word names (Slack: `<@U0ED|ed>` → U0ED).
    const mentions: Record<string, string> = { '<@U0ED|ed>': 'U0ED', '<@U0NOPE>': 'U0NOPE' };
    const mentioned = (word: string) => (mentions[word] ? findPerson(catalog, 'slack', mentions[word]) : undefined);
    expect(findPersonWord(catalog, '@ANN')?.id).toBe('ann');
    expect(findPersonWord(catalog, 'ann lee')?.id).toBe('ann');
    expect(findPersonWord(catalog, '<@U0ED|ed>', mentioned)?.id).toBe('ed');
    expect(findPersonWord(catalog, '<@U0NOPE>', mentioned)).toBeUndefined();
    expect(findPersonWord(catalog, '<@U0ED|ed>')).toBeUndefined();
  });

  it('refuses a person without a role on the project', () => {
    const r = resolveOverridePerson(catalog, 'shop', 'ed');
    expect(r).toMatchObject({ ok: false, outcome: 'invalid' });
    if (!r.ok) expect(r.reply.text).toBe('Ed has no role on shop.\n\nThe person on call needs at least the viewer role on the project.');
    expect(resolveOverridePerson(catalog, 'shop', 'ann')).toMatchObject({ ok: true, args: { id: 'ann' } });
  });
});
