import type { z } from 'zod';
import { findPerson } from '../domain/access.js';
import type { Catalog } from '../domain/catalog.js';
import { maskText } from '../domain/redact.js';
import { hint } from '../domain/suggest.js';
import { parseArgv } from '../messages/argv.js';
import type { AnyIntent, ResolveContext } from '../intents/intent.js';
import type { Limits } from '../services.js';
import { replies } from '../messages/reply-builder.js';
import { finish, type Middleware, type PipelineContext } from './middleware.js';

/**
 * Longest command line the core reads. Nothing Deckhand takes comes close (a lock reason is at most 200
 * characters); anything longer is answered at once instead of being masked, tokenized and parsed, so a
 * pasted log or a hostile 10,000-character message costs no more than a short one.
 */
export const MAX_COMMAND_LENGTH = 2000;

/** Turns the command line into a validated, resolved intent + arguments, or a clear answer why not. */
export function parseMiddleware(intents: readonly AnyIntent[], catalog: () => Catalog, limits: Limits): Middleware {
  const byName = new Map<string, AnyIntent>(intents.map((i) => [i.name, i]));
  return async (ctx, next) => {
    const { event } = ctx;
    if (event.kind !== 'command') throw new Error('button clicks are handled by the click middleware');
    // Masked before the cap check so even a refused command is audited without its secrets; only the part
    // the core would read is masked, keeping the cost bounded.
    ctx.argsText = maskText(event.text.slice(0, MAX_COMMAND_LENGTH)).slice(0, 500);
    if (event.text.length > MAX_COMMAND_LENGTH) {
      tooLong(ctx, event.text.length);
      return;
    }
    const commandWord = event.text.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? '';
    const intent = byName.get(commandWord === '' ? 'help' : commandWord);
    if (!intent) {
      unknownCommand(ctx, commandWord, [...byName.keys()]);
      return;
    }
    ctx.intent = intent;
    const cat = catalog();
    const mentioned = (word: string) => {
      const account = event.mentions?.[word];
      return account === undefined ? undefined : findPerson(cat, event.platform, account);
    };
    if (parseArguments(ctx, intent, { catalog: cat, limits, chatProjects: ctx.chatProjects, person: ctx.person!, mentioned })) await next();
  };
}

function tooLong(ctx: PipelineContext, length: number): void {
  finish(
    ctx,
    'invalid',
    replies.error(`That command is too long (${length} characters); commands are at most ${MAX_COMMAND_LENGTH} characters.`),
    'command too long',
  );
}

function unknownCommand(ctx: PipelineContext, word: string, names: string[]): void {
  finish(
    ctx,
    'invalid',
    replies.error(`Unknown command "${word.slice(0, 40)}".`, `${hint('command', word, names)} Type help to see what you can run.`),
    'unknown command',
  );
}

function parseArguments(ctx: PipelineContext, intent: AnyIntent, resolveCtx: ResolveContext): boolean {
  const event = ctx.event;
  if (event.kind !== 'command') return false;
  const flags = intent.flags ?? {};
  const valueFlags = new Set(Object.entries(flags).filter(([, f]) => f.value).map(([n]) => n));
  const parsed = parseArgv(event.text, valueFlags);
  const usage = `Usage: ${intent.usage}`;
  if (!parsed.ok) {
    finish(ctx, 'invalid', replies.error(`Could not read the command: ${parsed.problem}.`, usage), parsed.problem);
    return false;
  }
  const unknownFlag = Object.keys(parsed.argv.flags).find((f) => !(f in flags));
  if (unknownFlag) {
    const known = Object.keys(flags).map((f) => `--${f}`);
    const msg = known.length ? `${intent.name} accepts ${known.join(', ')}.` : `${intent.name} takes no options.`;
    finish(ctx, 'invalid', replies.error(`Unknown option --${unknownFlag}. ${msg}`, usage), 'unknown option');
    return false;
  }
  const input = intent.schema.safeParse(intent.toInput(parsed.argv));
  if (!input.success) {
    const problem = describeZodError(input.error);
    finish(ctx, 'invalid', replies.error(problem, usage), problem);
    return false;
  }
  const resolved = intent.resolve(input.data as never, resolveCtx);
  if (!resolved.ok) {
    finish(ctx, resolved.outcome, resolved.reply, resolved.outcome);
    return false;
  }
  ctx.args = resolved.args;
  return true;
}

/** First zod issue as one sentence: "--lines: must be at most 500". */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid arguments.';
  const path = issue.path.map(String).join('.');
  const where = path === '' ? '' : path.startsWith('--') || path === 'extra' ? `${path}: ` : `<${path}>: `;
  const text = `${where}${issue.message}`;
  return text.endsWith('.') ? text : `${text}.`;
}
