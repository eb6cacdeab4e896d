import { describe, expect, it } from 'vitest';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import { renderSlack, renderSlackFile } from '../../../../src/adapters/slack/slack.renderer.js';
import { blockTextLength } from '../../../../src/adapters/slack/slack.renderer.js';
import { mapBlock } from '../../../../src/adapters/slack/slack-block.mapper.js';

describe('renderSlack golden output', () => {
  it('renders every block type with escaping', () => {
    const reply = new ReplyBuilder('success')
      .header('shop <prod> & co')
      .text('Deployed *v2* to <@U123> & friends')
      .fields([
        { label: 'Image', value: 'shop:1.2.3' },
        { label: 'Health', value: 'ok <3' },
      ])
      .table(['SERVICE', 'STATE'], [['web', 'running'], ['worker', 'exited']])
      .code('if (a < b && c > d) {}')
      .context('request r-1 <!channel>')
      .divider()
      .block({
        type: 'buttons',
        buttons: [
          { label: 'Confirm', actionId: 'deploy.confirm', pendingId: 'p-1', style: 'primary' },
          { label: 'Cancel', actionId: 'deploy.cancel', pendingId: 'p-1' },
        ],
      })
      .build();

    expect(renderSlack(reply)).toEqual([
      {
        text: [
          'shop &lt;prod&gt; &amp; co',
          'Deployed *v2* to &lt;@U123&gt; &amp; friends',
          'Image: shop:1.2.3\nHealth: ok &lt;3',
          'SERVICE  STATE\nweb      running\nworker   exited',
          'if (a &lt; b &amp;&amp; c &gt; d) {}',
          'request r-1 &lt;!channel&gt;',
          '[1] Confirm  [2] Cancel',
        ].join('\n\n'),
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'shop <prod> & co', emoji: true } },
          { type: 'section', text: { type: 'mrkdwn', text: 'Deployed *v2* to &lt;@U123&gt; &amp; friends' } },
          {
            type: 'section',
            fields: [
              { type: 'mrkdwn', text: '*Image*\nshop:1.2.3' },
              { type: 'mrkdwn', text: '*Health*\nok &lt;3' },
            ],
          },
          { type: 'section', text: { type: 'mrkdwn', text: '```\nSERVICE  STATE\nweb      running\nworker   exited\n```' } },
          { type: 'section', text: { type: 'mrkdwn', text: '```\nif (a &lt; b &amp;&amp; c &gt; d) {}\n```' } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: 'request r-1 &lt;!channel&gt;' }] },
          { type: 'divider' },
          {
            type: 'actions',
            elements: [
              { type: 'button', text: { type: 'plain_text', text: 'Confirm', emoji: true }, action_id: 'deploy.confirm', value: 'p-1', style: 'primary' },
              { type: 'button', text: { type: 'plain_text', text: 'Cancel', emoji: true }, action_id: 'deploy.cancel', value: 'p-1' },
            ],
          },
        ],
      },
    ]);
  });

  it('renders a reply without blocks from its fallback text', () => {
    const reply: Reply = { tone: 'info', text: 'a & b', blocks: [] };
    expect(renderSlack(reply)).toEqual([{ text: 'a &amp; b', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a &amp; b' } }] }]);
  });

  it('truncates a header to 150 characters with an ellipsis', () => {
    const [msg] = renderSlack(new ReplyBuilder().header('h'.repeat(200)).build());
    expect(msg?.blocks).toEqual([{ type: 'header', text: { type: 'plain_text', text: `${'h'.repeat(149)}…`, emoji: true } }]);
    expect(msg?.text).toBe(`${'h'.repeat(149)}…`);
  });

  it('puts at most 10 fields in a section and caps each at 2000 characters', () => {
    const fields = Array.from({ length: 12 }, (_, i) => ({ label: `f${i}`, value: i === 0 ? '<'.repeat(1000) : 'v' }));
    const [msg] = renderSlack(new ReplyBuilder().fields(fields).build());
    expect(msg?.blocks).toHaveLength(2);
    const [first, second] = msg!.blocks as { fields: { text: string }[] }[];
    expect(first!.fields).toHaveLength(10);
    expect(second!.fields.map((f) => f.text)).toEqual(['*f10*\nv', '*f11*\nv']);
    const long = first!.fields[0]!.text;
    // "*f0*\n" (5) + 498 × "&lt;" (4) + "…" (1) = 1998: the cut lands between entities, never inside one.
    expect(long).toBe(`*f0*\n${'&lt;'.repeat(498)}…`);
    expect(long.length).toBeLessThanOrEqual(2000);
  });

  it('splits long text into sections of at most 3000 characters without cutting an entity', () => {
    const raw = `${'a'.repeat(2998)}&b`;
    const [msg] = renderSlack(new ReplyBuilder().text(raw).build());
    expect(msg?.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(2998) } },
      { type: 'section', text: { type: 'mrkdwn', text: '&amp;b' } },
    ]);
  });

  it('prefers to split text after a newline', () => {
    const raw = `${'a'.repeat(2000)}\n${'b'.repeat(2000)}`;
    const [msg] = renderSlack(new ReplyBuilder().text(raw).build());
    expect(msg?.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: `${'a'.repeat(2000)}\n` } },
      { type: 'section', text: { type: 'mrkdwn', text: 'b'.repeat(2000) } },
    ]);
  });

  it('splits long code on line boundaries, closing and reopening fences', () => {
    const line = 'x'.repeat(99);
    const code = Array.from({ length: 45 }, () => line).join('\n'); // 45 lines of 100 chars with newline
    const [msg] = renderSlack(new ReplyBuilder().code(code).build());
    const texts = msg!.blocks.map((b) => (b as { text: { text: string } }).text.text);
    // budget 3000 - 8 for the fences: 29 lines (29 × 99 + 28 = 2899) fit, 30 would be 2999.
    expect(texts).toEqual([
      `\`\`\`\n${Array.from({ length: 29 }, () => line).join('\n')}\n\`\`\``,
      `\`\`\`\n${Array.from({ length: 16 }, () => line).join('\n')}\n\`\`\``,
    ]);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
  });

  it('cuts a single over-long code line hard and neutralises fences inside code', () => {
    const rendered = mapBlock({ type: 'code', text: `\`\`\`${'<'.repeat(800)}` });
    const texts = rendered.map((r) => (r.block as { text: { text: string } }).text.text);
    const zws = '`\u200b``';
    // 2992 characters of body per part: "`\u200b``" (4) + 747 × "&lt;" (2988) = 2992, then 53 × "&lt;".
    expect(texts).toEqual([`\`\`\`\n${zws}${'&lt;'.repeat(747)}\n\`\`\``, `\`\`\`\n${'&lt;'.repeat(53)}\n\`\`\``]);
  });

  it('splits a message at 50 blocks', () => {
    const b = new ReplyBuilder();
    for (let i = 0; i < 51; i++) b.divider();
    const msgs = renderSlack(b.build());
    expect(msgs.map((m) => m.blocks.length)).toEqual([50, 1]);
  });

  it('splits a message at 40,000 characters of text', () => {
    const b = new ReplyBuilder();
    for (let i = 0; i < 14; i++) b.text('t'.repeat(3000));
    const msgs = renderSlack(b.build());
    // 13 × 3000 = 39,000 fits; the fallback joins add 2 per gap (39,024); a 14th would pass 40,000.
    expect(msgs.map((m) => m.blocks.length)).toEqual([13, 1]);
    for (const m of msgs) {
      expect(m.text.length).toBeLessThanOrEqual(40_000);
      expect(m.blocks.reduce((n, blk) => n + blockTextLength({ block: blk, fallback: '' }), 0)).toBeLessThanOrEqual(40_000);
    }
    expect(msgs[1]?.text).toBe('t'.repeat(3000));
  });

  it('numbers repeated action ids within a message (Slack refuses repeats), afresh in each message', () => {
    const b = new ReplyBuilder();
    const button = (n: number) => ({ label: `${n}`, actionId: 'faq.q', pendingId: `e${n}` });
    b.block({ type: 'buttons', buttons: [button(1), button(2), { label: 'Top', actionId: 'faq.top', pendingId: 'all' }] });
    b.block({ type: 'buttons', buttons: [button(3)] });
    for (let i = 0; i < 48; i++) b.divider();
    b.block({ type: 'buttons', buttons: [button(4), button(5)] });
    const ids = renderSlack(b.build()).map((m) => m.blocks.flatMap((blk) => (blk.type === 'actions' ? blk.elements.map((e) => `${e.action_id}=${e.value}`) : [])));
    expect(ids).toEqual([
      ['faq.q=e1', 'faq.q#2=e2', 'faq.top=all', 'faq.q#3=e3'],
      ['faq.q=e4', 'faq.q#2=e5'],
    ]);
  });

  it('describes an attachment as a file upload', () => {
    const reply = new ReplyBuilder().text('logs attached').attach({ filename: 'web.log', content: 'line1\nline2' }).build();
    expect(renderSlackFile(reply)).toEqual({ filename: 'web.log', content: 'line1\nline2', title: 'web.log' });
    expect(renderSlackFile(new ReplyBuilder().text('x').build())).toBeUndefined();
  });
});
