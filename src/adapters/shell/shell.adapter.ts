import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import type { ActionEvent, CommandEvent, InboundEvent } from '../../core/messages/inbound.js';
import type { Attachment, Button, Reply } from '../../core/messages/reply.js';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import { type Logger, silentLogger } from '../../core/ports/logger.port.js';
import { dispatchInbound, type PostedMessage } from '../inbound-dispatch.js';
import { saveChart } from './shell.chart.js';
import { pendingIdsOf } from '../notifier/message-attach.js';
import { SHELL, shellPlatform } from './shell.platform.js';
import { renderAttachmentNotice, renderInvalidChoice, renderShellReply, type RenderedShellReply } from './shell.renderer.js';

export interface ShellOptions {
  core: ChatCore;
  input: Readable;
  output: Writable;
  /** The configured person the shell acts as (becomes the event's platformUserId). */
  personId: string;
  chatId?: string;
  prompt?: string;
  /** Overrides TTY detection on `output` (prompt and colour only on a TTY). */
  tty?: boolean;
  /** Folder for attachment and chart files; default the OS temp dir. */
  attachmentDir?: string;
  logger?: Logger;
}

const settingsSchema = z.object({
  personId: z.string().trim().min(1),
  chatId: z.string().trim().min(1).default('shell'),
  prompt: z.string().default('deckhand> '),
  attachmentDir: z.string().min(1).optional(),
});

type Settings = z.output<typeof settingsSchema>;

const EXIT_WORDS = new Set(['exit', 'quit']);

async function saveAttachment(attachment: Attachment, dir: string | undefined): Promise<string> {
  const folder = await mkdtemp(join(dir ?? tmpdir(), 'deckhand-'));
  const name = attachment.filename.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'attachment.txt';
  const path = join(folder, name);
  await writeFile(path, attachment.content, { mode: 0o600 });
  return path;
}

/** One REPL session: the state is the buttons of the last reply, so a number can pick one. */
class ShellSession {
  private buttons: Button[] = [];
  /** Replies are numbered; a reply's number is its message id (progress updates refer to it). */
  private replies = 0;
  private buttonsMessageId = '';

  constructor(
    private readonly opts: ShellOptions,
    private readonly settings: Settings,
    private readonly color: boolean,
  ) {}

  async handleLine(raw: string): Promise<void> {
    const line = raw.trim();
    if (line === '') return;
    if (/^\d+$/.test(line) && this.buttons.length > 0) return this.choose(line);
    await this.dispatch(this.commandEvent(line.replace(/^\//, '')));
  }

  private async choose(input: string): Promise<void> {
    const button = this.buttons[Number(input) - 1];
    if (!button) return this.write(renderInvalidChoice(input, this.buttons.length));
    await this.dispatch(this.actionEvent(button));
  }

  private base() {
    const { personId, chatId } = this.settings;
    // The shell acts as a configured person (its account is the person id), in a chat nobody else sees.
    return { platform: SHELL, platformUserId: personId, chatId, chatType: 'private' as const, receivedAt: new Date() };
  }

  private commandEvent(text: string): CommandEvent {
    return { ...this.base(), kind: 'command', text };
  }

  private actionEvent(button: Button): ActionEvent {
    const messageRef = { platform: SHELL, chatId: this.settings.chatId, messageId: this.buttonsMessageId };
    return { ...this.base(), kind: 'action', actionId: button.actionId, pendingId: button.pendingId, messageRef };
  }

  private async dispatch(event: InboundEvent): Promise<void> {
    const logger = this.opts.logger ?? silentLogger;
    // A terminal shows everything to its one user and cannot rewrite what it printed: every reply is new output.
    await dispatchInbound(
      {
        platform: shellPlatform,
        core: this.opts.core,
        logger,
        // The core contract says handle never throws; if it does, the shell still never shows a stack.
        failed: (err, step) => {
          if (step !== 'handle') return undefined;
          this.opts.logger?.error({ err }, 'shell: core.handle threw');
          return { tone: 'info', text: 'Error: something went wrong.', blocks: [] };
        },
      },
      event,
      {
        render: (reply) => renderShellReply(reply, { color: this.color }),
        post: (rendered, reply) => this.print(rendered, reply),
      },
    );
  }

  /** Prints a reply; the reply's number is its message id, and a reply with buttons is the one a number picks from. */
  private async print(rendered: RenderedShellReply, reply: Reply): Promise<PostedMessage[]> {
    this.buttons = rendered.buttons;
    const messageId = String(++this.replies);
    let text = rendered.text;
    if (reply.attachment) {
      const path = await saveAttachment(reply.attachment, this.settings.attachmentDir);
      text += `\n\n${renderAttachmentNotice(path, reply.attachment.content, reply.attachment.title)}`;
    }
    if (reply.chart) text += `\n\n${await saveChart(reply.chart, this.settings.attachmentDir, this.opts.logger ?? silentLogger)}`;
    this.write(text);
    if (rendered.buttons.length === 0) return [];
    // Job progress reports on the reply that holds the buttons ("[update] …").
    this.buttonsMessageId = messageId;
    return [{ chatId: this.settings.chatId, messageId, pendingIds: pendingIdsOf(reply) }];
  }

  /** Each reply is followed by a blank line. */
  private write(text: string): void {
    this.opts.output.write(`${text}\n\n`);
  }
}

/**
 * The local REPL adapter. Resolves when the user types `exit`/`quit` or input ends (EOF).
 * Lines are handled one at a time, in order; a number after a reply with buttons clicks that button.
 */
export async function runShell(options: ShellOptions): Promise<void> {
  const settings = settingsSchema.parse({
    personId: options.personId,
    chatId: options.chatId,
    prompt: options.prompt,
    attachmentDir: options.attachmentDir,
  });
  const tty = options.tty ?? Boolean((options.output as { isTTY?: boolean }).isTTY);
  const session = new ShellSession(options, settings, tty);
  const rl = createInterface({ input: options.input, output: tty ? options.output : undefined, terminal: tty, prompt: settings.prompt });
  const prompt = () => tty && rl.prompt();
  prompt();
  try {
    for await (const line of rl) {
      if (EXIT_WORDS.has(line.trim().toLowerCase())) break;
      await session.handleLine(line);
      prompt();
    }
  } finally {
    rl.close();
  }
}
