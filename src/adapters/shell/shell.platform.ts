/**
 * The local REPL (`npm run shell`) as a chat platform (see chat-platform.ts): it acts as a configured
 * person, whose account is the person id, in a private chat of its own. The REPL itself is runShell
 * (shell.adapter.ts); in shell mode the pushes of jobs are printed to it.
 */
import { z } from 'zod';
import type { ChatPlatform } from '../chat-platform.js';
import { optionalEnv } from '../env-fields.js';

export const SHELL = 'shell';

const env = z.object({
  DECKHAND_SHELL_PERSON: optionalEnv,
});

export const shellPlatform = {
  id: SHELL,
  // What the shell calls the id of the person it acts as.
  userIdLabel: 'person id',
  bindsChats: false,
  env,
  configured: (_e, mode) => mode === 'shell',
  async wire(_e, _ctx) {
    const { ShellNotifier } = await import('./shell.notifier.js');
    const notifier = new ShellNotifier({ output: process.stdout, color: Boolean(process.stdout.isTTY) });
    return {
      id: SHELL,
      notifier,
      send: (chatId, reply) => notifier.announce(chatId, reply),
      routes: [],
      readiness: [],
      start: async () => {},
      stop: async () => {},
      drain: async () => {},
      pending: async () => 0,
    };
  },
} satisfies ChatPlatform<typeof env>;
