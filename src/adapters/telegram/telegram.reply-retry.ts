import type { Transformer } from 'grammy';
import { classifyFailure } from '../notifier/delivery.errors.js';
import { currentReplyJob } from '../notifier/delivery.reply-lanes.js';

/**
 * Telegram shows a click's answer (`answerCallbackQuery`) only within about 15 s of the click; past that the
 * call is refused, so a lane stops retrying it then.
 */
export const CALLBACK_ANSWER_WINDOW_MS = 15_000;

/**
 * A grammY transformer (installed last, so it runs first): a call made while a reply lane sends a reply is
 * retried through the lane's job (429 after retry_after, 5xx and network errors with backoff, until the
 * reply expires; an answerCallbackQuery until the click's window closes). Other calls pass through.
 * A permanent error is returned as Telegram gave it, so grammY raises it as usual.
 */
export function replyRetryTransformer(): Transformer {
  return async (prev, method, payload, signal) => {
    const job = currentReplyJob();
    if (!job) return prev(method, payload, signal);
    const deadline = method === 'answerCallbackQuery' ? Math.min(job.expiresAt, job.submittedAt + CALLBACK_ANSWER_WINDOW_MS) : job.expiresAt;
    return job.call(
      method,
      async () => {
        const result = await prev(method, payload, signal);
        if (!result.ok && classifyFailure(result).kind !== 'permanent') throw result;
        return result;
      },
      deadline,
    );
  };
}
