import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import {
  OVERFLOW_FILENAME,
  TELEGRAM_TEXT_LIMIT,
  renderTelegram,
} from '../../../../src/adapters/telegram/telegram.renderer.js';

const FIXTURES = new URL('../../../fixtures/telegram/', import.meta.url);

/** Compares with test/fixtures/telegram/<name>.golden.json; UPDATE_GOLDEN=1 rewrites the file. */
function expectGolden(name: string, actual: unknown): void {
  const file = new URL(`${name}.golden.json`, FIXTURES);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

function textReply(text: string): Reply {
  return new ReplyBuilder().text(text).build();
}

describe('renderTelegram: escaping and blocks', () => {
  it('escapes & < > and quotes in every kind of text', () => {
    const reply = new ReplyBuilder()
      .header('<script> & "x"')
      .text('a < b && c > "d"')
      .fields([{ label: 'i<mage>', value: 'r&d "v1"' }])
      .code('if (a < b && c > d) {}')
      .context('by <b>me</b>')
      .build();
    expect(renderTelegram(reply)).toEqual([
      {
        text: [
          '<b>&lt;script&gt; &amp; &quot;x&quot;</b>',
          '',
          'a &lt; b &amp;&amp; c &gt; &quot;d&quot;',
          '',
          '<b>i&lt;mage&gt;:</b> r&amp;d &quot;v1&quot;',
          '',
          '<pre>if (a &lt; b &amp;&amp; c &gt; d) {}</pre>',
          '',
          '<i>by &lt;b&gt;me&lt;/b&gt;</i>',
        ].join('\n'),
      },
    ]);
  });

  it('renders a status reply with fields, a table and buttons (golden)', () => {
    const reply = new ReplyBuilder('success')
      .header('shop · prod')
      .fields([
        { label: 'Host', value: 'docker-1' },
        { label: 'Image', value: 'registry.local/shop:1.4.2' },
      ])
      .table(
        ['SERVICE', 'STATE', 'UPTIME'],
        [
          ['api', 'running', '3d'],
          ['worker<1>', 'restarting', '5m'],
        ],
      )
      .divider()
      .context('Checked 12:00 UTC')
      .block({
        type: 'buttons',
        buttons: [
          { label: 'Deploy', actionId: 'deploy.confirm', pendingId: 'p_01HZX', style: 'primary' },
          { label: 'Cancel', actionId: 'deploy.cancel', pendingId: 'p_01HZX' },
        ],
      })
      .build();
    expectGolden('status-with-buttons', renderTelegram(reply));
  });

  it('uses the plain-text fallback when a reply has no blocks, and never sends an empty text', () => {
    expect(renderTelegram({ tone: 'info', text: 'hi <there>', blocks: [] })).toEqual([{ text: 'hi &lt;there&gt;' }]);
    expect(renderTelegram({ tone: 'info', text: '', blocks: [] })).toEqual([{ text: '<i>(empty reply)</i>' }]);
  });

  it('sends an attachment as a document after the text', () => {
    const reply = new ReplyBuilder()
      .text('Logs for api')
      .attach({ filename: 'api.log', content: 'line 1\nline 2\n', title: 'api <prod>' })
      .build();
    expect(renderTelegram(reply)).toEqual([
      {
        text: 'Logs for api',
        document: { filename: 'api.log', content: 'line 1\nline 2\n', caption: 'api &lt;prod&gt;' },
      },
    ]);
  });
});

describe('renderTelegram: buttons', () => {
  it('puts up to three buttons per row with callback_data actionId:pendingId', () => {
    const buttons = ['a', 'b', 'c', 'd'].map((x) => ({ label: x.toUpperCase(), actionId: `act.${x}`, pendingId: 'p1' }));
    const [message] = renderTelegram(new ReplyBuilder().text('pick').block({ type: 'buttons', buttons }).build());
    expect(message).toEqual({
      text: 'pick',
      reply_markup: {
        inline_keyboard: [
          [
            { text: 'A', callback_data: 'act.a:p1' },
            { text: 'B', callback_data: 'act.b:p1' },
            { text: 'C', callback_data: 'act.c:p1' },
          ],
          [{ text: 'D', callback_data: 'act.d:p1' }],
        ],
      },
    });
  });

  it('accepts callback_data of exactly 64 bytes and throws at 65', () => {
    const reply = (pendingId: string) =>
      new ReplyBuilder().block({ type: 'buttons', buttons: [{ label: 'x', actionId: 'deploy.confirm', pendingId }] }).build();
    const fits = 'p'.repeat(64 - 'deploy.confirm:'.length);
    expect(renderTelegram(reply(fits))[0]?.reply_markup?.inline_keyboard[0]?.[0]).toEqual({
      text: 'x',
      callback_data: `deploy.confirm:${fits}`,
    });
    expect(() => renderTelegram(reply(`${fits}p`))).toThrow(/65 bytes \(max 64\)/);
  });
});

describe('renderTelegram: splitting', () => {
  it('keeps a text of exactly 4096 characters in one message and splits at 4097 on the line boundary', () => {
    const a = 'a'.repeat(2047);
    const exact = renderTelegram(textReply(`${a}\n${'b'.repeat(2048)}`));
    expect(exact).toEqual([{ text: `${a}\n${'b'.repeat(2048)}` }]);
    expect(exact[0]?.text.length).toBe(TELEGRAM_TEXT_LIMIT);

    const over = renderTelegram(textReply(`${a}\n${'b'.repeat(2049)}`));
    expect(over).toEqual([{ text: a }, { text: 'b'.repeat(2049) }]);
  });

  it('counts escaped characters: four entities make the same text too long', () => {
    const line = `${'&'.repeat(4)}${'x'.repeat(4080)}`; // 4084 raw, 4100 escaped
    const parts = renderTelegram(textReply(line)).map((m) => m.text);
    expect(parts).toEqual([`${'&amp;'.repeat(4)}${'x'.repeat(4076)}`, 'x'.repeat(4)]);
  });

  it('hard-wraps one over-long line without cutting an entity or a surrogate pair', () => {
    const amps = renderTelegram(textReply('&'.repeat(1000))).map((m) => m.text);
    expect(amps).toEqual(['&amp;'.repeat(819), '&amp;'.repeat(181)]);

    const emoji = renderTelegram(textReply('😀'.repeat(3000))).map((m) => m.text);
    expect(emoji).toEqual(['😀'.repeat(2048), '😀'.repeat(952)]);
  });

  it('closes a long <pre> at the end of each part and reopens it in the next', () => {
    const lines = Array.from({ length: 120 }, (_, i) => `${String(i).padStart(3, '0')} ${'-'.repeat(76)}`);
    const parts = renderTelegram(new ReplyBuilder().code(lines.join('\n')).build()).map((m) => m.text);
    // 4096 - '<pre></pre>' = 4085 characters: 50 lines of 80 plus 49 newlines = 4049; 51 would be 4130.
    expect(parts).toEqual([
      `<pre>${lines.slice(0, 50).join('\n')}</pre>`,
      `<pre>${lines.slice(50, 100).join('\n')}</pre>`,
      `<pre>${lines.slice(100).join('\n')}</pre>`,
    ]);
  });

  it('moves a whole block to the next part when it does not fit after the previous one', () => {
    const reply = new ReplyBuilder().header('Logs').text('x'.repeat(4080)).code('tail').build();
    expect(renderTelegram(reply).map((m) => m.text)).toEqual([`<b>Logs</b>\n\n${'x'.repeat(4080)}`, '<pre>tail</pre>']);
  });

  it('puts the keyboard on the last part', () => {
    const reply = new ReplyBuilder()
      .text(`${'y'.repeat(4000)}\n${'z'.repeat(100)}`)
      .block({ type: 'buttons', buttons: [{ label: 'OK', actionId: 'ok', pendingId: '1' }] })
      .build();
    expect(renderTelegram(reply)).toEqual([
      { text: 'y'.repeat(4000) },
      { text: 'z'.repeat(100), reply_markup: { inline_keyboard: [[{ text: 'OK', callback_data: 'ok:1' }]] } },
    ]);
  });

  it('sends the first part plus the whole plain text as a file when more than 4 messages are needed', () => {
    const lines = Array.from({ length: 5 }, (_, i) => String(i).repeat(4000));
    const reply = new ReplyBuilder().text(lines.join('\n')).build();
    expect(renderTelegram(reply, { maxMessages: 5 })).toHaveLength(5);
    expect(renderTelegram(reply)).toEqual([
      {
        text: lines[0],
        document: { filename: OVERFLOW_FILENAME, content: reply.text, caption: '<i>Full reply attached.</i>' },
      },
    ]);
  });
});
