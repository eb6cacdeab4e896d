import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runShell, type ShellOptions } from '../../../../src/adapters/shell/shell.adapter.js';
import { replies, ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { InboundEvent, Platform } from '../../../../src/core/messages/inbound.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';

/** A small ChatCore: `deploy` asks for confirmation with two buttons, `logs` returns an attachment. */
class ScriptedCore implements ChatCore {
  readonly events: InboundEvent[] = [];
  readonly attached: { pendingId: string; ref: { platform: Platform; chatId: string; messageId: string } }[] = [];

  async attachMessage(pendingId: string, ref: { platform: Platform; chatId: string; messageId: string }): Promise<void> {
    this.attached.push({ pendingId, ref });
  }

  async handle(event: InboundEvent): Promise<Reply> {
    this.events.push(event);
    await new Promise((r) => setTimeout(r, 5)); // replies are asynchronous, as the real core's are
    if (event.kind === 'action') {
      return event.actionId === 'deploy.confirm' ? replies.info(`Deploying (pending ${event.pendingId}).`) : replies.info('Cancelled.');
    }
    if (event.text === 'deploy shop prod') {
      return new ReplyBuilder('warning')
        .header('Deploy shop to prod?')
        .block({
          type: 'buttons',
          buttons: [
            { label: 'Confirm', actionId: 'deploy.confirm', pendingId: 'pa-42', style: 'danger' },
            { label: 'Cancel', actionId: 'deploy.cancel', pendingId: 'pa-42' },
          ],
        })
        .build();
    }
    if (event.text === 'logs shop') {
      const content = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n');
      return new ReplyBuilder().text('Last 12 lines of shop').attach({ filename: '../shop logs.txt', content }).build();
    }
    return replies.error(`Unknown command: ${event.text}`);
  }

  commands() {
    return [{ name: 'deploy', summary: 'Deploy' }];
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shell-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function shell(overrides: Partial<ShellOptions> = {}) {
  const core = new ScriptedCore();
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const done = runShell({ core, input, output, personId: 'alice', attachmentDir: dir, ...overrides });
  /** Resolves once the output contains `needle` (the shell answers asynchronously). */
  const waitFor = async (needle: string) => {
    for (let i = 0; i < 200 && !text.includes(needle); i++) await new Promise((r) => setTimeout(r, 5));
    expect(text).toContain(needle);
  };
  return { core, input, done, waitFor, output: () => text };
}

describe('runShell', () => {
  it('sends a command, clicks a button by number, rejects an invalid number and exits', async () => {
    const s = shell();

    s.input.write('deploy shop prod\n');
    await s.waitFor('[1] Confirm  [2] Cancel');
    s.input.write('7\n');
    await s.waitFor('No option 7');
    s.input.write('1\n');
    await s.waitFor('Deploying');
    s.input.write('exit\n');
    await s.done;

    expect(s.output()).toBe(
      'Warning: Deploy shop to prod?\n====================\n\n[1] Confirm  [2] Cancel\n\n' +
        'No option 7: choose 1–2, or type a command.\n\n' +
        'Deploying (pending pa-42).\n\n',
    );
    const [command, action] = s.core.events;
    expect(s.core.events).toHaveLength(2);
    expect(command).toMatchObject({ kind: 'command', platform: 'shell', platformUserId: 'alice', chatId: 'shell', chatType: 'private', text: 'deploy shop prod' });
    expect(command?.receivedAt).toBeInstanceOf(Date);
    expect(action).toMatchObject({
      kind: 'action',
      platform: 'shell',
      platformUserId: 'alice',
      actionId: 'deploy.confirm',
      pendingId: 'pa-42',
      messageRef: { platform: 'shell', chatId: 'shell', messageId: '1' },
    });
    // The reply with buttons (reply 1) is attached once for its one pending action.
    expect(s.core.attached).toEqual([{ pendingId: 'pa-42', ref: { platform: 'shell', chatId: 'shell', messageId: '1' } }]);
  });

  it('numbers replies, so a later confirm message is attached under its own id', async () => {
    const s = shell({ chatId: 'ops-laptop' });

    s.input.end('logs shop\ndeploy shop prod\n2\n');
    await s.done;

    expect(s.core.attached).toEqual([{ pendingId: 'pa-42', ref: { platform: 'shell', chatId: 'ops-laptop', messageId: '2' } }]);
    expect(s.core.events.at(-1)).toMatchObject({ kind: 'action', actionId: 'deploy.cancel', messageRef: { platform: 'shell', chatId: 'ops-laptop', messageId: '2' } });
  });

  it('handles piped input in order, ignores blank lines, strips a leading slash and ends at EOF', async () => {
    const s = shell({ chatId: 'ops-laptop' });

    s.input.end('\n   \n/deploy shop prod\n2\n2\nquit-not\n');
    await s.done;

    expect(s.core.events.map((e) => (e.kind === 'command' ? e.text : e.actionId))).toEqual(['deploy shop prod', 'deploy.cancel', '2', 'quit-not']);
    expect(s.core.events.every((e) => e.chatId === 'ops-laptop')).toBe(true);
    // After "Cancelled." no buttons remain, so the second "2" is a command, not a click.
    expect(s.output()).toContain('Cancelled.\n\nError: Unknown command: 2\n\nError: Unknown command: quit-not\n\n');
    expect(s.output()).not.toContain('deckhand>');
  });

  it('stops at quit without reading further lines', async () => {
    const s = shell();

    s.input.write('QUIT\ndeploy shop prod\n');
    await s.done;

    expect(s.core.events).toHaveLength(0);
    expect(s.output()).toBe('');
  });

  it('writes an attachment to a private file in the temp dir and shows its first lines', async () => {
    const s = shell();

    s.input.end('logs shop\n');
    await s.done;

    const match = /saved to (\S+)/.exec(s.output());
    expect(match).not.toBeNull();
    const path = match![1]!;
    expect(path.startsWith(dir)).toBe(true);
    expect(path.endsWith('shop_logs.txt')).toBe(true); // no path traversal from the filename
    expect(await readFile(path, 'utf8')).toContain('line 12');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(s.output()).toContain('    line 10\n    … 2 more lines\n\n');
    expect(s.output()).not.toContain('line 11');
  });

  it('shows the prompt on a TTY', async () => {
    const s = shell({ tty: true, prompt: 'dh> ' });

    s.input.write('deploy shop prod\n');
    await s.waitFor('[2] Cancel');
    s.input.write('exit\n');
    await s.done;

    // A prompt before the command and again after its reply (readline also echoes what was typed).
    expect(s.output().split('dh> ')).toHaveLength(3);
    expect(s.output().indexOf('[2] Cancel')).toBeLessThan(s.output().lastIndexOf('dh> '));
    expect(s.output()).toContain('\u001b[1m'); // the header in bold
  });

  it('never shows a stack when the core breaks its contract and throws', async () => {
    const broken: ChatCore = { handle: () => Promise.reject(new Error('db exploded at /app/x.ts:1')), commands: () => [], attachMessage: async () => {} };
    const s = shell({ core: broken });

    s.input.end('status\n');
    await s.done;

    expect(s.output()).toBe('Error: something went wrong.\n\n');
  });

  it('refuses to start without a person', async () => {
    await expect(shell({ personId: '  ' }).done).rejects.toThrow();
  });
});
