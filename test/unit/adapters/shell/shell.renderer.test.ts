import { describe, expect, it } from 'vitest';
import { renderAttachmentNotice, renderInvalidChoice, renderShellReply } from '../../../../src/adapters/shell/shell.renderer.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';

describe('renderShellReply', () => {
  it('renders every block as aligned plain text (golden)', () => {
    const reply = new ReplyBuilder('warning')
      .header('Deploy shop to prod?')
      .fields([
        { label: 'Image', value: 'shop:1.4.2' },
        { label: 'Host', value: 'prod-1' },
      ])
      .table(['SERVICE', 'STATE', 'UPTIME'], [['shop-web', 'running', '3d'], ['shop-worker-long', 'exited', '-']])
      .code('line one\n  line two')
      .context('Freeze window ends at 18:00')
      .divider()
      .block({
        type: 'buttons',
        buttons: [
          { label: 'Confirm', actionId: 'deploy.confirm', pendingId: 'p1', style: 'danger' },
          { label: 'Cancel', actionId: 'deploy.cancel', pendingId: 'p1' },
        ],
      })
      .build();

    const { text, buttons } = renderShellReply(reply);

    expect(text).toBe(
      [
        'Warning: Deploy shop to prod?',
        '====================',
        '',
        'Image: shop:1.4.2',
        'Host:  prod-1',
        '',
        'SERVICE           STATE    UPTIME',
        'shop-web          running  3d',
        'shop-worker-long  exited   -',
        '',
        '    line one',
        '      line two',
        '',
        'Freeze window ends at 18:00',
        '',
        '----------------------------------------',
        '',
        '[1] Confirm  [2] Cancel',
      ].join('\n'),
    );
    expect(buttons.map((b) => b.actionId)).toEqual(['deploy.confirm', 'deploy.cancel']);
  });

  it('numbers buttons across several button blocks and adds no ANSI codes unless asked', () => {
    const reply = new ReplyBuilder()
      .block({ type: 'buttons', buttons: [{ label: 'A', actionId: 'a', pendingId: 'x' }] })
      .block({ type: 'buttons', buttons: [{ label: 'B', actionId: 'b', pendingId: 'x', style: 'primary' }] })
      .build();

    const plain = renderShellReply(reply);
    const coloured = renderShellReply(reply, { color: true });

    expect(plain.text).toBe('[1] A\n\n[2] B');
    expect(plain.text).not.toContain('\u001b[');
    expect(coloured.text).toBe('[1] A\n\n\u001b[1m[2] B\u001b[22m');
    expect(coloured.buttons).toHaveLength(2);
  });

  it('marks errors and falls back to the plain text when there are no blocks', () => {
    expect(renderShellReply({ tone: 'error', text: 'No such service', blocks: [] }).text).toBe('Error: No such service');
  });
});

describe('renderAttachmentNotice', () => {
  it('prints the path and the first lines, counting the rest', () => {
    const content = Array.from({ length: 13 }, (_, i) => `log ${i + 1}`).join('\n') + '\n';

    const text = renderAttachmentNotice('/tmp/x/logs.txt', content, 'shop-web logs', 2);

    expect(text).toBe('shop-web logs: saved to /tmp/x/logs.txt\n    log 1\n    log 2\n    … 11 more lines');
  });

  it('says how to recover from an invalid choice', () => {
    expect(renderInvalidChoice('7', 2)).toBe('No option 7: choose 1–2, or type a command.');
  });
});
