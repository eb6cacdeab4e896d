import { z } from 'zod';

/** `/name[@bot] rest…`: Telegram command names are 1–32 of [A-Za-z0-9_]. */
const commandLine = z
  .string()
  .max(4096)
  .regex(/^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/);

/** Telegram-only aliases: `/start` is what a new user's client sends first. */
const ALIASES: Record<string, string> = { start: 'help' };

/**
 * Turns a message text into the neutral command line (`status shop prod`), or undefined when the
 * text is not a command or is addressed to another bot (`/status@otherbot`).
 */
export function parseCommand(text: string, botUsername: string): string | undefined {
  const parsed = commandLine.safeParse(text.trim());
  if (!parsed.success) return undefined;
  const match = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(parsed.data);
  if (!match) return undefined;
  const [, rawName = '', target, rest = ''] = match;
  if (target !== undefined && target.toLowerCase() !== botUsername.toLowerCase()) return undefined;
  const name = rawName.toLowerCase();
  const args = rest.trim();
  return [ALIASES[name] ?? name, args].filter((s) => s !== '').join(' ');
}

/** Commands as setMyCommands accepts them: names lowercase [a-z0-9_]{1,32}, descriptions 1–256. */
export function toBotCommands(
  commands: { name: string; summary: string }[],
): { command: string; description: string }[] {
  return commands
    .filter((c) => /^[a-z0-9_]{1,32}$/.test(c.name))
    .map((c) => ({ command: c.name, description: (c.summary.trim() || c.name).slice(0, 256) }));
}
