import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderShellReply } from '../../../src/adapters/shell/shell.renderer.js';
import { renderSlack } from '../../../src/adapters/slack/slack.renderer.js';
import { renderTelegram } from '../../../src/adapters/telegram/telegram.renderer.js';
import { ReplyBuilder } from '../../../src/core/messages/reply-builder.js';

const FIXTURES = new URL('../../fixtures/mention/', import.meta.url);

/** Compares with test/fixtures/mention/<name>.golden.json; UPDATE_GOLDEN=1 rewrites the file. */
function expectGolden(name: string, actual: unknown): void {
  const file = new URL(`${name}.golden.json`, FIXTURES);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

const page = new ReplyBuilder('warning')
  .mention(
    [
      { name: 'Alice', accounts: { telegram: '1001', slack: 'U0ALICE' } },
      { name: 'Bob', accounts: { telegram: '1002' } },
      { name: 'Zoë <ops> & co', accounts: { slack: 'not-an-id' } },
    ],
    'Incident 7Hq2 in shop (5xx > 1% & rising) is unacknowledged for 10m: paging the primary on call.',
  )
  .context('Press Acknowledge on the alert message to stop the paging.')
  .build();

describe('mentions', () => {
  it('keeps the names in the plain-text fallback', () => {
    expect(page.text).toBe(
      '@Alice @Bob @Zoë <ops> & co Incident 7Hq2 in shop (5xx > 1% & rising) is unacknowledged for 10m: paging the primary on call.\n\nPress Acknowledge on the alert message to stop the paging.',
    );
  });

  it('renders Telegram text mentions by user id, other people by escaped name (golden)', () => {
    const out = renderTelegram(page);
    expect(out[0]!.text).toContain('<a href="tg://user?id=1001">Alice</a> <a href="tg://user?id=1002">Bob</a> Zoë &lt;ops&gt; &amp; co Incident');
    expectGolden('telegram', out);
  });

  it('renders Slack user mentions in the block and the notification text (golden)', () => {
    const out = renderSlack(page);
    expect(out[0]!.text.startsWith('<@U0ALICE> Bob Zoë &lt;ops&gt; &amp; co Incident')).toBe(true);
    expectGolden('slack', out);
  });

  it('renders @Name in the shell (golden)', () => {
    const out = renderShellReply(page);
    expect(out.text.startsWith('Warning: @Alice @Bob @Zoë <ops> & co Incident')).toBe(true);
    expectGolden('shell', out);
  });

  it('renders a mention block without people as its text alone', () => {
    const reply = new ReplyBuilder().mention([], 'no on-call rotation configured').build();
    expect(reply.text).toBe('no on-call rotation configured');
    expect(renderTelegram(reply)[0]!.text).toBe('no on-call rotation configured');
    expect(renderSlack(reply)[0]!.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'no on-call rotation configured' } }]);
    expect(renderShellReply(reply).text).toBe('no on-call rotation configured');
  });

  it('wraps many Telegram mentions between people, never inside a link', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ name: `Person ${i}`, accounts: { telegram: String(100000 + i) } }));
    const out = renderTelegram(new ReplyBuilder().mention(many, 'wake up').build());
    const html = out.map((m) => m.text).join('\n');
    expect(out.length).toBeGreaterThan(1);
    for (const m of out) expect(m.text.length).toBeLessThanOrEqual(4096);
    expect(html.match(/<a href="tg:\/\/user\?id=\d+">Person \d+<\/a>/g)).toHaveLength(150);
    expect(html.endsWith('wake up')).toBe(true);
  });
});
