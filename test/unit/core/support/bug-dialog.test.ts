import { describe, expect, it } from 'vitest';
import type { InboundEvent, MessageEvent } from '../../../../src/core/messages/inbound.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import type { FiledIssue, IssueTracker } from '../../../../src/core/ports/bug-report.port.js';
import { DEFAULT_DIALOG_TTL_MS } from '../../../../src/core/support/bug-services.js';
import { coreHarness } from '../../../support/core-harness.js';
import { MemoryBugDialogStore, MemoryBugReportStore } from '../../../fakes/memory-bugs.js';

/** The issue tracker port, recording what it was asked to file. */
class RecordingTracker implements IssueTracker {
  readonly filed: { repo: string; title: string; body: string; labels: string[] }[] = [];
  answer: FiledIssue | undefined;
  async createIssue(repo: string, issue: { title: string; body: string; labels: string[] }): Promise<FiledIssue> {
    this.filed.push({ repo, ...issue });
    return this.answer ?? { ok: true, issue: { repo, number: 40 + this.filed.length, url: `https://github.com/${repo}/issues/${40 + this.filed.length}` } };
  }
}

function setup(opts: { repo?: string; tracker?: boolean } = {}) {
  const dialogs = new MemoryBugDialogStore();
  const reports = new MemoryBugReportStore();
  const tracker = new RecordingTracker();
  const h = coreHarness({
    bugs: { dialogs, reports, ...(opts.tracker === false ? {} : { tracker }), repoOf: (p) => (p === 'shop' ? opts.repo : undefined), dialogTtlMs: DEFAULT_DIALOG_TTL_MS },
  });
  const base = (user = '1001') => ({ platform: 'telegram', platformUserId: user, chatId: user, chatType: 'private' as const, receivedAt: h.now() });
  const bug = (text = 'bug shop', user = '1001', abilities: { form?: boolean; followUps?: boolean } = { followUps: true }) =>
    h.core.handle({ kind: 'command', text, abilities, ...base(user) } as InboundEvent);
  const say = (text: string, user = '1001') => h.core.handle({ kind: 'message', text, ...base(user) } satisfies MessageEvent);
  const photo = (ref: string, user = '1001') => h.core.handle({ kind: 'message', photo: { ref }, ...base(user) } satisfies MessageEvent);
  const press = (reply: Reply, label: string, user = '1001') => h.click(reply, label, { user });
  const awaits = (user = '1001') => h.core.awaitsAnswer!({ platform: 'telegram', platformUserId: user, chatId: user });
  return { h, dialogs, reports, tracker, bug, say, photo, press, awaits };
}

const buttonsOf = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons.map((x) => x.label) : []));

describe('bug dialog (core, in-memory stores, fixed clock)', () => {
  it('asks one question per message, goes back, takes a priority button and a photo, and files a GitHub issue', async () => {
    const t = setup({ repo: 'acme/shop' });
    const q1 = await t.bug();
    expect(q1.text).toContain('What were you doing?');
    expect(buttonsOf(q1)).toEqual(['Cancel']);
    expect(await t.awaits()).toBe(true);
    const q2 = await t.say('Paying with a saved card');
    expect(q2.text).toContain('What did you expect to happen?');
    expect(buttonsOf(q2)).toEqual(['Back', 'Cancel']);
    const back = await t.press(q2, 'Back');
    expect(back.text).toContain('What were you doing?');
    expect(back.text).toContain('Before: Paying with a saved card');
    await t.say('Paying with a new card');
    await t.say('A receipt');
    const q4 = await t.say('Checkout says 500\nand nothing else');
    expect(buttonsOf(q4)).toEqual(['critical', 'high', 'medium', 'low', 'Back', 'Cancel']);
    const q5 = await t.press(q4, 'high');
    expect(buttonsOf(q5)).toEqual(['Skip', 'Back', 'Cancel']);
    const done = await t.photo('AgACAgQAAxkBAAIB');
    expect(done.tone).toBe('success');
    expect(done.text).toContain('Filed as acme/shop#41');
    expect(done.text).toContain('https://github.com/acme/shop/issues/41');
    expect(t.tracker.filed).toHaveLength(1);
    const filed = t.tracker.filed[0]!;
    expect(filed).toMatchObject({ repo: 'acme/shop', title: 'Checkout says 500', labels: ['bug', 'high'] });
    expect(filed.body).toContain('Paying with a new card');
    expect(filed.body).toContain("GitHub's API cannot attach files to issues");
    expect(filed.body).toContain('<!-- deckhand-report:1 -->');
    expect(t.reports.rows[0]).toMatchObject({ reporterId: 'alice', platform: 'telegram', chatId: '1001', status: 'open', priority: 'high', screenshot: { platform: 'telegram', ref: 'AgACAgQAAxkBAAIB' }, issue: { number: 41 } });
    expect(await t.awaits()).toBe(false);
    expect(t.h.audit.entries.map((e) => e.intent)).toContain('bug.answer');
  });

  it('refuses a second dialog while one is open, for the same person on any platform', async () => {
    const t = setup();
    await t.bug();
    const second = await t.bug('bug shop', '1001', { form: true });
    expect(second.tone).toBe('error');
    expect(second.text).toContain('You already have a bug report open (shop');
    expect(second.text).toContain('Finish or cancel it first');
    // Someone else may still report
    expect((await t.bug('bug shop', '1004')).text).toContain('What were you doing?');
  });

  it('drops an abandoned dialog after 30 minutes without answers: messages are no longer taken, old buttons say so', async () => {
    const t = setup();
    const q1 = await t.bug();
    t.h.advance(29 * 60_000);
    const q2 = await t.say('Paying');
    t.h.advance(29 * 60_000);
    expect(await t.awaits()).toBe(true);
    t.h.advance(60_001);
    expect(await t.awaits()).toBe(false);
    const late = await t.press(q2, 'Back');
    expect(late.text).toContain('This bug report is no longer open.');
    expect(await t.dialogs.expire(t.h.now())).toBe(1);
    expect((await t.bug()).text).toContain('What were you doing?');
    expect(q1.text).toContain('30 minutes');
  });

  it('cancels, and validates each answer with a short reason', async () => {
    const t = setup();
    const q1 = await t.bug();
    expect((await t.photo('X')).text).toContain('Please answer in words.');
    expect((await t.say('x'.repeat(1001))).text).toContain('at most 1000 characters');
    await t.say('a');
    await t.say('b');
    const q4 = await t.say('c');
    expect((await t.say('urgent!!')).text).toContain('Pick one of critical, high, medium, low.');
    const q5 = await t.say('Critical');
    expect((await t.say('here it is')).text).toContain('That is not a photo.');
    expect((await t.press(q4, 'low')).text).toContain('That question was already answered.');
    const cancelled = await t.press(q5, 'Cancel');
    expect(cancelled.text).toBe('Bug report cancelled; nothing was filed.');
    expect(t.reports.rows).toHaveLength(0);
    expect((await t.press(q1, 'Cancel')).text).toContain('no longer open');
  });

  it('without a GitHub repository: stores the report and announces it to the project chats', async () => {
    const t = setup({ repo: undefined });
    const q = await t.bug();
    await t.say('a');
    await t.say('b');
    const q4 = await t.say('It crashed');
    const q5 = await t.press(q4, 'critical');
    const done = await t.press(q5, 'Skip');
    expect(done.text).toContain('Stored as bug B1 and announced to shop');
    expect(t.tracker.filed).toHaveLength(0);
    expect(t.h.actions.notifier.announcements.map((a) => [a.project, a.reply.text.split('\n')[0]])).toEqual([['shop', 'Bug B1 in shop: It crashed']]);
    expect(q.text).toContain('question 1 of 5');
  });

  it('when GitHub refuses: the report is kept and announced, and the reporter told why', async () => {
    const t = setup({ repo: 'acme/shop' });
    t.tracker.answer = { ok: false, reason: 'GitHub refused the token (401)' };
    await t.bug();
    await t.say('a');
    await t.say('b');
    const q5 = await t.press(await t.say('c'), 'medium');
    const done = await t.press(q5, 'Skip');
    expect(done.text).toContain('Stored as bug B1');
    expect(done.text).toContain('Not filed on GitHub: GitHub refused the token (401).');
    expect(t.reports.rows[0]?.issue).toBeNull();
  });

  it('shows a form where the platform can, and files what the form sends', async () => {
    const t = setup({ repo: 'acme/shop' });
    const shown = await t.bug('bug', '1001', { form: true });
    expect(shown.form?.fields.map((f) => f.id)).toEqual(['doing', 'expected', 'happened', 'priority', 'screenshot']);
    expect(await t.awaits()).toBe(false);
    const submit = (values: Record<string, string>) =>
      t.h.core.handle({ kind: 'form', actionId: shown.form!.actionId, formId: shown.form!.id, values, files: { screenshot: [{ ref: 'F0SHOT', url: 'https://files.example/F0SHOT' }] }, platform: 'telegram', platformUserId: '1001', chatId: '1001', chatType: 'private', receivedAt: t.h.now() });
    const done = await submit({ doing: 'Paying', expected: 'A receipt', happened: 'A 500', priority: 'critical' });
    expect(done.text).toContain('Filed as acme/shop#41');
    expect(t.tracker.filed[0]?.labels).toEqual(['bug', 'critical']);
    expect(t.tracker.filed[0]?.body).toContain('https://files.example/F0SHOT');
    expect((await submit({ doing: 'x', expected: 'y', happened: 'z', priority: 'high' })).text).toContain('no longer open');
  });

  it('says how to report where neither a form nor a dialog is possible', async () => {
    const t = setup();
    const r = await t.bug('bug', '1001', {});
    expect(r.text).toContain('A bug report cannot be taken this way.');
  });
});

describe('bugs (list with status)', () => {
  it('shows operators every report of their projects, everyone else their own, with the filters', async () => {
    const t = setup();
    const at = (h: number) => new Date(Date.parse('2026-11-23T00:00:00Z') + h * 3_600_000);
    const base = { project: 'shop', platform: 'telegram', chatId: '1001', doing: 'd', expected: 'e', happened: 'h', screenshot: null } as const;
    await t.reports.create({ ...base, reporterId: 'bob', title: 'Search is slow', priority: 'medium', createdAt: at(1) });
    const crit = await t.reports.create({ ...base, reporterId: 'alice', title: 'Checkout says 500', priority: 'critical', createdAt: at(2) });
    await t.reports.linkIssue(crit.id, { repo: 'acme/shop', number: 12, url: 'https://github.com/acme/shop/issues/12' });
    await t.reports.create({ ...base, reporterId: 'dave', title: 'Typo on the about page', priority: 'low', createdAt: at(3) });
    await t.reports.applyIssue({ project: 'shop', repo: 'acme/shop', number: 12, url: 'u', title: 'Checkout says 500', status: 'open', priority: 'critical', bug: true, author: 'a', createdAt: at(2), updatedAt: at(4) });

    const rows = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'table' ? b.rows : []));
    // Dave is an operator of shop: every report
    const all = await t.h.say('bugs', { user: '1004' });
    expect(rows(all)).toEqual([
      ['B3', 'low', 'open', 'Typo on the about page'],
      ['#12', 'critical', 'open', 'Checkout says 500'],
      ['B1', 'medium', 'open', 'Search is slow'],
    ]);
    expect(rows(await t.h.say('bugs critical', { user: '1004' }))).toEqual([['#12', 'critical', 'open', 'Checkout says 500']]);
    expect(rows(await t.h.say('bugs shop mine', { user: '1004' }))).toEqual([['B3', 'low', 'open', 'Typo on the about page']]);
    // Bob is a viewer of shop: his own reports only, and he is told so
    const own = await t.h.say('bugs shop', { user: '1002' });
    expect(rows(own)).toEqual([['B1', 'medium', 'open', 'Search is slow']]);
    expect(own.text).toContain('In shop you see only your own reports.');
    expect((await t.h.say('bugs critical', { user: '1002' })).text).toContain('No critical bug reports in shop, billing.');
    expect((await t.h.say('bugs nope', { user: '1004' })).text).toContain('Unknown project "nope"');
    expect((await t.h.say('bugs open critical', { user: '1004' })).text).toContain('Too many arguments.');
  });
});
