import { describe, expect, it } from 'vitest';
import { groupReplies } from '../../../../src/adapters/notifier/delivery.grouping.js';
import { planNext } from '../../../../src/adapters/notifier/delivery.plan.js';
import type { OutboxEntry } from '../../../../src/adapters/notifier/outbox.port.js';
import { telegramFits } from '../../../../src/adapters/telegram/telegram.delivery.js';
import { renderTelegram } from '../../../../src/adapters/telegram/telegram.renderer.js';
import { ReplyBuilder, replies } from '../../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../../src/core/messages/reply.js';

const fits = telegramFits();
const NOW = 1_800_000_000_000;
const note = (n: number) => replies.info(`note ${n} ${'x'.repeat(200)}`);
const withButton = (n: number) =>
  new ReplyBuilder('warning').text(`alert ${n}`).block({ type: 'buttons', buttons: [{ label: 'Ack', actionId: 'alert.ack', pendingId: `p${n}` }] }).build();

let seq = 0;
function row(reply: Reply, over: Partial<OutboxEntry> = {}): OutboxEntry {
  seq += 1;
  return { seq, key: `k${seq}`, platform: 'telegram', chatId: '777', kind: 'send', payload: { reply }, at: NOW, expiresAt: NOW + 60_000, attempts: 0, notBefore: 0, ...over };
}

/** Plans and "sends" until no row is left, as a lane does; returns the dispatches in order. */
function drainAll(rows: OutboxEntry[], maxQueued = 1000) {
  const left = [...rows];
  const out = [];
  for (;;) {
    const step = planNext(left, NOW, { fits, maxQueued });
    for (const e of step.expired) left.splice(left.indexOf(e), 1);
    if (!step.dispatch) return out;
    out.push(step.dispatch);
    for (const s of step.dispatch.seqs) left.splice(left.findIndex((r) => r.seq === s), 1);
  }
}

describe('planNext: what a chat lane sends next', () => {
  it('never groups an announcement with a chart or a file: a group is text only and would lose it', () => {
    const chart = { kind: 'bar' as const, title: 'Cost per week', labels: ['11-23'], series: [{ name: 'shop', values: [12] }] };
    const withChart = new ReplyBuilder().text('weekly cost').chart(chart).build();
    const withFile = new ReplyBuilder().text('logs').attach({ filename: 'a.log', content: 'a' }).build();
    const sent = drainAll([row(note(1)), row(withChart), row(note(2)), row(withFile), row(note(3))]);
    expect(sent.map((d) => (d.kind === 'send' ? d.parts.map((p) => p.text.slice(0, 11)) : []))).toEqual([
      [`note 1 ${'x'.repeat(4)}`],
      ['weekly cost'],
      [`note 2 ${'x'.repeat(4)}`],
      ['logs'],
      [`note 3 ${'x'.repeat(4)}`],
    ]);
    expect(sent[1]!.kind === 'send' && sent[1]!.parts[0]!.chart).toEqual(chart);
  });

  it('groups waiting announcements into messages that each fit in 4096 characters, losing none', () => {
    const rows = Array.from({ length: 60 }, (_, n) => row(note(n)));
    const sent = drainAll(rows).map((d) => {
      if (d.kind !== 'send') throw new Error('only announcements were queued');
      const messages = renderTelegram(groupReplies(d.parts));
      expect(messages).toHaveLength(1);
      expect(messages[0]!.text.length).toBeLessThanOrEqual(4096);
      return messages[0]!.text;
    });
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.length).toBeLessThan(10);
    const all = sent.join('\n');
    for (let n = 0; n < 60; n++) expect(all).toContain(`note ${n} `);
    expect(sent[0]).toMatch(/^<b>\d+ notifications/);
  });

  it('keeps an announcement with buttons, and every reply, on its own while the chat’s backlog is short', () => {
    const rows = [row(note(1)), row(withButton(2)), row(note(3)), row(note(4), { payload: { reply: note(4), standalone: true } }), row(note(5))];
    expect(drainAll(rows, 20).map((d) => d.seqs.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('groups announcements with buttons too once the backlog is long (their buttons become text)', () => {
    const rows = [1, 2, 3, 4, 5, 6].map((n) => row(withButton(n)));
    const [first] = drainAll(rows, 3);
    expect(first?.seqs).toHaveLength(6);
  });

  it('never groups a reply that tells the core where its buttons are (attach), even in a long backlog', () => {
    const rows = [row(note(1)), row(withButton(2), { payload: { reply: withButton(2), attach: ['p2'] } }), row(note(3))];
    const plan = drainAll(rows, 1);
    expect(plan.map((d) => d.seqs.length)).toEqual([1, 1, 1]);
    expect(plan[1]).toMatchObject({ kind: 'send', attach: ['p2'] });
  });

  it('sends an edit with the latest reply of later rows for the same message, ending those as merged into it', () => {
    const first = row(replies.info('step 1'), { kind: 'edit', target: '55' });
    const between = row(note(1));
    const later = row(replies.info('step 2'), { kind: 'edit', target: '55' });
    const other = row(replies.info('other'), { kind: 'edit', target: '56' });
    const step = planNext([first, between, later, other], NOW, { fits, maxQueued: 20 });
    expect(step.dispatch).toMatchObject({ kind: 'edit', messageId: '55', reply: { text: 'step 2' }, seqs: [first.seq, later.seq] });
    expect(step.absorbed).toBe(1);
  });

  it('never merges a publish into a group, and sends the latest state of its key', () => {
    const rows = [row(note(1)), row(replies.info('firing 1'), { kind: 'publish', target: 'incident:a' }), row(note(2)), row(replies.info('firing 2'), { kind: 'publish', target: 'incident:a' })];
    const plan = drainAll(rows);
    expect(plan.map((d) => d.kind)).toEqual(['send', 'publish', 'send']);
    expect(plan[1]).toMatchObject({ key: 'incident:a', reply: { text: 'firing 2' } });
  });

  it('hands back rows past their expiry without trying them', () => {
    const old = row(note(1), { expiresAt: NOW - 1 });
    const fresh = row(note(2));
    const step = planNext([old, fresh], NOW, { fits, maxQueued: 20 });
    expect(step.expired).toEqual([old]);
    expect(step.dispatch?.seqs).toEqual([fresh.seq]);
    expect(planNext([old], NOW, { fits, maxQueued: 20 })).toEqual({ expired: [old], absorbed: 0 });
  });
});
