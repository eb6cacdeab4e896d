import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ShellNotifier } from '../../../../src/adapters/shell/shell.notifier.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';

function notifier(color = false) {
  const output = new PassThrough();
  let text = '';
  output.on('data', (c: Buffer) => (text += c.toString('utf8')));
  return { notifier: new ShellNotifier({ output, color }), output: () => text };
}

const progress = new ReplyBuilder('warning')
  .text('Deploy of shop to prod: replacing 2/3')
  .block({ type: 'buttons', buttons: [{ label: 'Approve', actionId: 'deploy.confirm', pendingId: 'p1' }] })
  .build();

describe('ShellNotifier', () => {
  it('prints an edit as a new [update] entry, without buttons the shell could not click', async () => {
    const s = notifier();
    await s.notifier.edit({ platform: 'shell', chatId: 'shell', messageId: '3' }, progress);
    expect(s.output()).toBe('[update] Warning: Deploy of shop to prod: replacing 2/3\n\n');
  });

  it('prints an announcement tagged with its project', async () => {
    const s = notifier();
    await s.notifier.announce('shop', new ReplyBuilder('success').header('Deploy finished').text('in 42 s').build());
    expect(s.output()).toBe('[shop] Deploy finished\n===============\n\nin 42 s\n\n');
  });

  it('refuses a reference to another platform and prints nothing', async () => {
    const s = notifier();
    await expect(s.notifier.edit({ platform: 'telegram', chatId: '777', messageId: '55' }, progress)).rejects.toThrow();
    expect(s.output()).toBe('');
  });
});
