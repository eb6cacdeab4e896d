import type { Update } from 'grammy/types';
import { z } from 'zod';
import { describeIssues } from '../http/webhook-body.js';

/**
 * The fields of an update the handlers read, checked before grammY sees it: an update that parses but lacks
 * them (a message without `chat`, a click without `from`) is dropped with one warning instead of failing
 * deep in a handler. Unknown fields and other update kinds pass through untouched.
 */
const user = z.looseObject({ id: z.number().int(), first_name: z.string(), username: z.string().optional() });
const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const message = z.looseObject({ message_id: z.number().int(), chat, from: user, text: z.string().optional() });
// A clicked message may be "inaccessible" (date 0, no from/text): only where it is matters.
const clickedMessage = z.looseObject({ message_id: z.number().int(), chat });
const callbackQuery = z.looseObject({ id: z.string(), from: user, data: z.string().optional(), message: clickedMessage.optional() });

const updateSchema = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: message.optional(),
  callback_query: callbackQuery.optional(),
});

export type CheckedUpdate = { ok: true; update: Update } | { ok: false; updateId?: number; issues: string };

export function checkUpdate(raw: unknown): CheckedUpdate {
  const parsed = updateSchema.safeParse(raw);
  // The checked fields are the ones the handlers read; the rest is Telegram's to define.
  if (parsed.success) return { ok: true, update: parsed.data as unknown as Update };
  const id = (raw as { update_id?: unknown } | null)?.update_id;
  return { ok: false, updateId: typeof id === 'number' ? id : undefined, issues: describeIssues(parsed.error) };
}
