import { describe, expect, it } from 'vitest';
import { ChatQueue } from '../../../../src/adapters/notifier/delivery.chat-queue.js';
import { groupReplies } from '../../../../src/adapters/notifier/delivery.grouping.js';
import { telegramFits } from '../../../../src/adapters/telegram/telegram.delivery.js';
import { renderTelegram } from '../../../../src/adapters/telegram/telegram.renderer.js';
import { ReplyBuilder, replies } from '../../../../src/core/messages/reply-builder.js';

const fits = telegramFits();
const note = (n: number) => replies.info(`note ${n} ${'x'.repeat(200)}`);
const withButton = (n: number) =>
  new ReplyBuilder('warning').text(`alert ${n}`).block({ type: 'buttons', buttons: [{ label: 'Ack', actionId: 'alert.ack', pendingId: `p${n}` }] }).build();
const ref = (messageId: string) => ({ platform: 'telegram' as const, chatId: '777', messageId });

describe('ChatQueue', () => {
  it('groups waiting announcements into messages that each fit in 4096 characters, losing none', () => {
    const queue = new ChatQueue({ fits, maxQueued: 1000 });
    for (let n = 0; n < 60; n++) queue.pushAnnouncement(note(n));
    const sent: string[] = [];
    for (let taken = queue.take(); taken; taken = queue.take()) {
      if (taken.push.kind !== 'announce') throw new Error('only announcements were queued');
      const messages = renderTelegram(groupReplies(taken.push.parts));
      expect(messages).toHaveLength(1);
      expect(messages[0]!.text.length).toBeLessThanOrEqual(4096);
      sent.push(messages[0]!.text);
    }
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.length).toBeLessThan(10);
    const all = sent.join('\n');
    for (let n = 0; n < 60; n++) expect(all).toContain(`note ${n} `);
    expect(sent[0]).toMatch(/^<b>\d+ notifications/);
  });

  it('keeps an announcement with buttons on its own while the queue is short', () => {
    const queue = new ChatQueue({ fits, maxQueued: 20 });
    queue.pushAnnouncement(note(1));
    queue.pushAnnouncement(withButton(2));
    queue.pushAnnouncement(note(3));
    const kinds = [queue.take(), queue.take(), queue.take()].map((t) => (t?.push.kind === 'announce' ? t.push.parts.length : 0));
    expect(kinds).toEqual([1, 1, 1]);
    expect(queue.take()).toBeUndefined();
  });

  it('merges new announcements, buttons or not, into the last one once the queue is long', () => {
    const queue = new ChatQueue({ fits, maxQueued: 3 });
    const merged = [1, 2, 3, 4, 5, 6].map((n) => queue.pushAnnouncement(withButton(n)));
    expect(merged).toEqual([false, false, false, true, true, true]);
    expect(queue.length).toBe(3);
  });

  it('coalesces edits of the same message into the latest, in the place of the first', () => {
    const queue = new ChatQueue({ fits, maxQueued: 20 });
    expect(queue.pushEdit(ref('55'), replies.info('step 1'))).toBe(false);
    queue.pushAnnouncement(note(1));
    expect(queue.pushEdit(ref('55'), replies.info('step 2'))).toBe(true);
    expect(queue.pushEdit(ref('56'), replies.info('other'))).toBe(false);
    const first = queue.take()?.push;
    expect(first).toMatchObject({ kind: 'edit', ref: ref('55'), reply: { text: 'step 2' } });
    expect(queue.length).toBe(2);
  });

  it('drops a failed edit put back when a newer edit of the message is already waiting', () => {
    const queue = new ChatQueue({ fits, maxQueued: 20 });
    queue.pushEdit(ref('55'), replies.info('old'));
    const failed = queue.take()!.push;
    queue.pushEdit(ref('55'), replies.info('new'));
    queue.unshift(failed);
    expect(queue.length).toBe(1);
    expect(queue.take()?.push).toMatchObject({ reply: { text: 'new' } });
  });

  it('coalesces publishes of the same key into the latest, never into a group of announcements', () => {
    const queue = new ChatQueue({ fits, maxQueued: 2 });
    queue.pushAnnouncement(note(1));
    expect(queue.pushPublish('incident:a', replies.info('firing 1'))).toBe(false);
    queue.pushAnnouncement(note(2));
    expect(queue.pushPublish('incident:a', replies.info('firing 2'))).toBe(true);
    expect(queue.pushPublish('incident:b', replies.info('other'))).toBe(false);
    // The queue is long: a new announcement would merge into the last item only if that were an announcement
    expect(queue.pushAnnouncement(note(3))).toBe(false);
    const taken = [queue.take(), queue.take(), queue.take(), queue.take(), queue.take()].map((t) => t?.push);
    expect(taken.map((p) => (p?.kind === 'publish' ? `${p.key}=${p.reply.text}` : p?.kind === 'announce' ? p.parts.length : p))).toEqual([
      1,
      'incident:a=firing 2',
      1,
      'incident:b=other',
      1,
    ]);
  });

  it('drops a failed publish put back when a newer publish of the key is waiting, keeps it otherwise', () => {
    const queue = new ChatQueue({ fits, maxQueued: 20 });
    queue.pushPublish('incident:a', replies.info('old'));
    const failed = queue.take()!.push;
    queue.pushPublish('incident:b', replies.info('b'));
    queue.unshift(failed);
    expect(queue.length).toBe(2);
    expect(queue.take()?.push).toMatchObject({ kind: 'publish', key: 'incident:a', reply: { text: 'old' } });
    queue.pushPublish('incident:a', replies.info('new'));
    queue.unshift(failed);
    expect([queue.take()?.push, queue.take()?.push]).toMatchObject([{ key: 'incident:b' }, { key: 'incident:a', reply: { text: 'new' } }]);
  });
});
