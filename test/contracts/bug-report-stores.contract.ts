import { beforeEach, describe, expect, it } from 'vitest';
import type { BugDialogStore, BugReportStore, IssueState, NewBugDialog, NewBugReport } from '../../src/core/ports/bug-report.port.js';

export const T0 = new Date('2026-12-02T07:00:00Z');
export const min = (m: number) => new Date(T0.getTime() + m * 60_000);

const dialog = (over: Partial<NewBugDialog> = {}): NewBugDialog => ({
  personId: 'alice', platform: 'telegram', chatId: '1001', project: 'shop', step: 'doing', answers: {}, startedAt: T0, expiresAt: min(30), ...over,
});

const report = (over: Partial<NewBugReport> = {}): NewBugReport => ({
  project: 'shop', reporterId: 'alice', platform: 'telegram', chatId: '1001', title: 'Checkout fails', doing: 'paying', expected: 'a receipt',
  happened: 'Checkout fails', priority: 'high', screenshot: null, createdAt: T0, ...over,
});

const issue = (over: Partial<IssueState> = {}): IssueState => ({
  project: 'shop', repo: 'acme/shop', number: 7, url: 'https://github.com/acme/shop/issues/7', title: 'Checkout fails', status: 'open', priority: 'high',
  bug: true, author: 'alice-gh', createdAt: T0, updatedAt: min(1), ...over,
});

/**
 * The BugDialogStore contract, run on the in-memory fake (unit) and PostgreSQL (integration). What the dialog
 * relies on: one open dialog per person (an expired one is replaced), versions that tell an old question
 * from the current one, and a close that succeeds once.
 */
export function bugDialogStoreContract(make: () => Promise<BugDialogStore>): void {
  describe('BugDialogStore contract', () => {
    let store: BugDialogStore;
    beforeEach(async () => {
      store = await make();
    });

    it('opens one dialog per person and refuses a second while it is open, on any platform', async () => {
      const first = await store.open(dialog());
      expect(first).toEqual({ opened: true, dialog: { ...dialog(), id: expect.stringMatching(/^[0-9A-Za-z]{1,16}$/), version: 1 } });
      const second = await store.open(dialog({ platform: 'slack', chatId: 'C1', step: 'form', startedAt: min(5), expiresAt: min(35) }));
      expect(second).toEqual({ opened: false, existing: first.opened ? first.dialog : undefined });
      expect((await store.open(dialog({ personId: 'bob' }))).opened).toBe(true);
    });

    it('replaces an expired dialog and no longer shows it', async () => {
      await store.open(dialog());
      expect(await store.current('alice', min(30))).toBeNull();
      const again = await store.open(dialog({ startedAt: min(31), expiresAt: min(61), project: 'billing' }));
      expect(again.opened && again.dialog.project).toBe('billing');
      expect((await store.current('alice', min(32)))?.project).toBe('billing');
    });

    it('advances only from the current version and before expiry, keeping the answers', async () => {
      const opened = await store.open(dialog());
      if (!opened.opened) throw new Error('not opened');
      const d = opened.dialog;
      const moved = await store.advance(d.id, 1, { step: 'expected', answers: { doing: 'paying' }, expiresAt: min(40) }, min(10));
      expect(moved).toMatchObject({ id: d.id, version: 2, step: 'expected', answers: { doing: 'paying' }, expiresAt: min(40) });
      expect(await store.advance(d.id, 1, { step: 'happened', answers: {}, expiresAt: min(40) }, min(11))).toBeNull();
      expect(await store.advance(d.id, 2, { step: 'happened', answers: {}, expiresAt: min(50) }, min(40))).toBeNull();
      const full = { doing: 'a', expected: 'b', happened: 'c', priority: 'critical' as const, screenshot: { platform: 'slack', ref: 'F1', url: 'https://x/F1' } };
      expect((await store.advance(d.id, 2, { step: 'screenshot', answers: full, expiresAt: min(50) }, min(12)))?.answers).toEqual(full);
      expect(await store.current('alice', min(13))).toMatchObject({ version: 3, answers: full });
    });

    it('closes once, at the current version only', async () => {
      const opened = await store.open(dialog());
      if (!opened.opened) throw new Error('not opened');
      expect(await store.close(opened.dialog.id, 2)).toBe(false);
      expect(await store.close(opened.dialog.id, 1)).toBe(true);
      expect(await store.close(opened.dialog.id, 1)).toBe(false);
      expect(await store.current('alice', min(1))).toBeNull();
    });

    it('expires the dialogs past their time', async () => {
      await store.open(dialog());
      await store.open(dialog({ personId: 'bob', expiresAt: min(60) }));
      expect(await store.expire(min(30))).toBe(1);
      expect(await store.current('bob', min(31))).not.toBeNull();
    });
  });
}

/** The BugReportStore contract: stored reports, linked issues, the webhook's newest state, lists and the morning count. */
export function bugReportStoreContract(make: () => Promise<BugReportStore>): void {
  describe('BugReportStore contract', () => {
    let store: BugReportStore;
    beforeEach(async () => {
      store = await make();
    });

    it('stores a report open, without an issue, and links the issue filed for it', async () => {
      const r = await store.create(report({ screenshot: { platform: 'telegram', ref: 'AgAD-file' } }));
      expect(r).toEqual({ ...report({ screenshot: { platform: 'telegram', ref: 'AgAD-file' } }), id: expect.any(Number), status: 'open', issue: null, updatedAt: T0 });
      await store.linkIssue(r.id, { repo: 'acme/shop', number: 7, url: 'https://github.com/acme/shop/issues/7' });
      const [listed] = await store.list({ projects: ['shop'], limit: 10 });
      expect(listed?.issue).toEqual({ repo: 'acme/shop', number: 7, url: 'https://github.com/acme/shop/issues/7' });
    });

    it('applies the newest issue state by marker or by number, and ignores an older one', async () => {
      const r = await store.create(report());
      expect(await store.applyIssue(issue({ reportId: r.id, status: 'closed', updatedAt: min(5) }))).toMatchObject({ id: r.id, status: 'closed', issue: { number: 7 } });
      expect(await store.applyIssue(issue({ status: 'open', updatedAt: min(4) }))).toMatchObject({ status: 'closed' });
      expect(await store.applyIssue(issue({ status: 'open', priority: 'critical', updatedAt: min(6) }))).toMatchObject({ status: 'open', priority: 'critical' });
      expect(await store.applyIssue(issue({ number: 99 }))).toBeNull();
    });

    it('takes the marker only for an unfiled report of the same project', async () => {
      const filed = await store.create(report());
      await store.linkIssue(filed.id, { repo: 'acme/shop', number: 7, url: 'https://github.com/acme/shop/issues/7' });
      const billing = await store.create(report({ project: 'billing' }));
      expect(await store.applyIssue(issue({ number: 8, reportId: filed.id, status: 'closed' }))).toBeNull();
      expect(await store.applyIssue(issue({ number: 8, reportId: billing.id, status: 'closed' }))).toBeNull();
      const [a, b] = await store.list({ projects: ['shop', 'billing'], limit: 10 });
      expect([a?.status, b?.status]).toEqual(['open', 'open']);
    });

    it('lists newest first by project, reporter, status and priority', async () => {
      const a = await store.create(report({ createdAt: min(1) }));
      const b = await store.create(report({ createdAt: min(2), reporterId: 'bob', priority: 'critical' }));
      const c = await store.create(report({ createdAt: min(3), project: 'billing' }));
      await store.linkIssue(a.id, { repo: 'acme/shop', number: 1, url: 'https://github.com/acme/shop/issues/1' });
      await store.applyIssue(issue({ number: 1, status: 'closed', priority: 'high' }));
      const ids = async (q: Parameters<BugReportStore['list']>[0]) => (await store.list(q)).map((r) => r.id);
      expect(await ids({ projects: ['shop', 'billing'], limit: 10 })).toEqual([c.id, b.id, a.id]);
      expect(await ids({ projects: ['shop'], limit: 1 })).toEqual([b.id]);
      expect(await ids({ projects: ['shop'], reporterId: 'alice', limit: 10 })).toEqual([a.id]);
      expect(await ids({ projects: ['shop'], status: 'open', limit: 10 })).toEqual([b.id]);
      expect(await ids({ projects: ['shop'], priority: 'critical', limit: 10 })).toEqual([b.id]);
    });

    it('counts the open critical reports of a project and gives the oldest', async () => {
      const old = await store.create(report({ priority: 'critical', createdAt: min(1) }));
      const mid = await store.create(report({ priority: 'critical', createdAt: min(2) }));
      await store.create(report({ priority: 'critical', createdAt: min(3) }));
      await store.create(report({ priority: 'critical', createdAt: min(4) }));
      await store.create(report({ priority: 'high', createdAt: min(0) }));
      await store.create(report({ priority: 'critical', project: 'billing', createdAt: min(0) }));
      const got = await store.openCritical('shop', 2);
      expect(got.count).toBe(4);
      expect(got.oldest.map((r) => r.id)).toEqual([old.id, mid.id]);
    });
  });
}
