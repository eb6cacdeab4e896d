import type { Writable } from 'node:stream';
import { z } from 'zod';
import type { Reply } from '../../core/messages/reply.js';
import type { Notifier } from '../../core/ports/notifier.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import { renderShellReply } from './shell.renderer.js';
import { saveChart } from './shell.chart.js';
import { silentLogger } from '../../core/ports/logger.port.js';

export interface ShellNotifierOptions {
  /** The REPL's output (usually process.stdout). */
  output: Writable;
  /** ANSI colour (on a TTY). */
  color?: boolean;
  /** Folder for chart files; default the OS temp dir. */
  attachmentDir?: string;
}

const refSchema = z.object({ platform: z.literal('shell'), chatId: z.string().min(1), messageId: z.string().min(1) });

/** Keys published in this session; past this, the oldest are forgotten (a REPL session is short). */
const MAX_KEYS = 1_000;

/**
 * Push delivery to the local REPL: a terminal cannot edit earlier output, so each edit is printed as a new
 * `[update] …` entry and each announcement as `[<project>] …`. A keyed publish prints like an announcement
 * the first time and as `[update <project>]` after that (the keys are remembered in memory only: the shell
 * has no earlier output to come back to after a restart). Buttons are left out: the shell numbers only the
 * buttons of the reply to the last typed line.
 */
export class ShellNotifier implements Notifier {
  private readonly published = new Set<string>();

  constructor(private readonly opts: ShellNotifierOptions) {}

  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    refSchema.parse(ref);
    await this.print('[update]', reply);
  }

  async announce(project: string, reply: Reply): Promise<void> {
    await this.print(`[${project}]`, reply);
  }

  /** The shell is one chat: a message to it prints like an announcement. */
  async tell(_chat: { chatId: string }, reply: Reply): Promise<void> {
    this.print('[message]', reply);
  }

  async publish(project: string, key: string, reply: Reply): Promise<void> {
    const seen = this.published.has(key);
    await this.print(seen ? `[update ${project}]` : `[${project}]`, reply);
    if (seen) return;
    this.published.add(key);
    if (this.published.size > MAX_KEYS) this.published.delete(this.published.values().next().value!);
  }

  private async print(tag: string, reply: Reply): Promise<void> {
    const withoutButtons = { ...reply, blocks: reply.blocks.filter((b) => b.type !== 'buttons') };
    let { text } = renderShellReply(withoutButtons, { color: this.opts.color ?? false });
    if (reply.chart) text += `\n\n${await saveChart(reply.chart, this.opts.attachmentDir, silentLogger)}`;
    this.opts.output.write(`${tag} ${text}\n\n`);
  }
}
