import { describe, expect, it } from 'vitest';
import { renderShellReply } from '../../../src/adapters/shell/shell.renderer.js';
import { renderSlack } from '../../../src/adapters/slack/slack.renderer.js';
import { renderTelegram } from '../../../src/adapters/telegram/telegram.renderer.js';
import { formatDefinitions, NARROW_WIDTH, ReplyBuilder } from '../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { coreHarness } from '../../support/core-harness.js';

/** Every line a person sees, per platform, with markup removed (Telegram HTML, Slack fences). */
function visibleLines(reply: Reply): Record<'shell' | 'telegram' | 'slack', string[]> {
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const telegram = renderTelegram(reply).flatMap((m) => unescape(m.text.replace(/<[^>]+>/g, '')).split('\n'));
  const slack = renderSlack(reply).flatMap((m) =>
    m.blocks.flatMap((b) => {
      if (b.type === 'section' && 'text' in b) return unescape(b.text.text.replace(/^```\n|\n```$/g, '')).split('\n');
      if (b.type === 'header') return [b.text.text];
      if (b.type === 'context') return b.elements.map((e) => unescape(e.text));
      return [];
    }),
  );
  return { shell: renderShellReply(reply).text.split('\n'), telegram, slack };
}

describe('help layout', () => {
  it('keeps every help line within 60 characters on the shell, Telegram and Slack', async () => {
    // Given an admin, who sees every command
    const h = coreHarness();
    const help = await h.say('help');

    // Then no line on any platform is wider than a phone shows, and the longest syntax is there whole
    for (const [platform, lines] of Object.entries(visibleLines(help))) {
      expect(lines.length, platform).toBeGreaterThan(20);
      const wide = lines.filter((l) => l.length > NARROW_WIDTH);
      expect({ platform, wide }).toEqual({ platform, wide: [] });
      expect(lines, platform).toContain('logs <service> [env] [--lines N] [--since 10m] [--grep text]');
      expect(lines, platform).toContain('    Log lines of a service, or of every service of an');
      expect(lines, platform).toContain('logs <project> <env> --at 14:23 [--window 2m]');
    }
  });

  it('puts the syntax on its own line, each alternative too, with the description indented under it', async () => {
    const h = coreHarness();
    const { shell } = visibleLines(await h.say('help'));
    const at = shell.indexOf('oncall [project]');
    expect(shell.slice(at, at + 5)).toEqual([
      'oncall [project]',
      'oncall override @person until <time> [project]',
      'oncall override clear [project]',
      '    Who is on call now and next; override it for a while',
      '    (operators)',
    ]);
    expect(shell.slice(shell.indexOf('env <service> [env]'), shell.indexOf('env <service> [env]') + 2)).toEqual([
      'env <service> [env]',
      "    A service's environment variables, secret values masked",
    ]);
  });

  it('wraps a syntax line wider than 60 at spaces with a hanging indent, and cuts a word wider than a line', () => {
    const text = formatDefinitions([
      { term: 'backup <project> <env> [--include-volumes] [--compress gzip|zstd] [--keep 7]', description: 'Back up' },
      { term: `x ${'y'.repeat(70)}`, description: `${'z'.repeat(58)} end` },
    ]);
    expect(text.split('\n')).toEqual([
      'backup <project> <env> [--include-volumes] [--compress',
      '  gzip|zstd] [--keep 7]',
      '    Back up',
      'x',
      `  ${'y'.repeat(58)}`,
      `  ${'y'.repeat(12)}`,
      `    ${'z'.repeat(56)}`,
      '    zz end',
    ]);
  });

  it('renders definitions the way each platform shows monospace text (golden)', () => {
    const reply = new ReplyBuilder().header('Deckhand commands').definitions([
      { term: 'status [project] [env]', description: 'Every service: state & health' },
      { term: 'freeze [list]\nfreeze add <project> <env|all>', description: 'List or add freeze windows' },
    ]).build();
    const body = [
      'status [project] [env]',
      '    Every service: state & health',
      'freeze [list]',
      'freeze add <project> <env|all>',
      '    List or add freeze windows',
    ].join('\n');
    expect(reply.text).toBe(`Deckhand commands\n\n${body}`);
    expect(renderShellReply(reply).text).toBe(`Deckhand commands\n=================\n\n${body}`);
    expect(renderTelegram(reply)).toEqual([{ text: `<b>Deckhand commands</b>\n\n<pre>${body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</pre>` }]);
    expect(renderSlack(reply)[0]!.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Deckhand commands', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`\n${body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\n\`\`\`` } },
    ]);
  });
});
