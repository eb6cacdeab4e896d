import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Update } from 'grammy/types';
import type { Logger } from '../../core/ports/logger.port.js';
import { sendJson } from '../http/http-response.js';
import { JSON_FAILURE_MESSAGE, parseJsonBody, readWebhookBody } from '../http/webhook-body.js';
import { checkUpdate } from './telegram.update-schema.js';

/** Returns a promise that never rejects (the router awaits it; node:http ignores it). */
export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface WebhookOptions {
  secretToken: string;
  maxBodyBytes: number;
  /** Telegram waits about 10 s; past this the request is answered 200 and the update keeps being handled. */
  answerWithinMs: number;
  handleUpdate: (update: Update) => Promise<void>;
  logger: Logger;
}

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * POST /telegram/webhook. Telegram re-delivers every update answered with a non-2xx status, so only what a
 * retry could fix is refused: a wrong secret (401), an oversized body (413), a body that is not JSON (400).
 * An update that parses but cannot be handled is answered 200 and dropped with one warning.
 */
export function createWebhookHandler(opts: WebhookOptions): WebhookHandler {
  const handle = handler(opts);
  return (req, res) =>
    handle(req, res).catch((err: unknown) => {
      // A client that went away mid-body, say: nothing to hand to grammY.
      opts.logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'telegram webhook request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'request failed' });
    });
}

function handler(opts: WebhookOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const expected = digest(opts.secretToken);
  return async (req, res) => {
    const given = req.headers[SECRET_HEADER];
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
      return sendJson(res, 401, { error: 'wrong or missing secret token' });
    }
    const raw = await readWebhookBody(req, res, opts.maxBodyBytes);
    if (raw === null) return;
    const parsed = parseJsonBody(raw);
    if (!parsed.ok) return sendJson(res, 400, { error: JSON_FAILURE_MESSAGE[parsed.reason] });
    const checked = checkUpdate(parsed.value);
    if (!checked.ok) {
      opts.logger.warn({ updateId: checked.updateId, issues: checked.issues }, 'dropping a telegram update that cannot be handled');
      return sendJson(res, 200, { ok: true });
    }
    await answerInTime(opts, checked.update, res);
  };
}

/** grammY's onTimeout 'return': answer before Telegram gives up; handling goes on (redeliveries are deduped). */
async function answerInTime(opts: WebhookOptions, update: Update, res: ServerResponse): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), opts.answerWithinMs);
  });
  const handled = opts.handleUpdate(update).then(
    () => 'done' as const,
    (err: unknown) => {
      opts.logger.error({ err, updateId: update.update_id }, 'telegram webhook update failed');
      return 'failed' as const;
    },
  );
  try {
    const outcome = await Promise.race([handled, timedOut]);
    if (outcome === 'timeout') opts.logger.warn({ updateId: update.update_id, afterMs: opts.answerWithinMs }, 'telegram update still running; answered the webhook');
    if (res.headersSent) return;
    if (outcome === 'failed') return sendJson(res, 500, { error: 'update failed' });
    sendJson(res, 200, { ok: true });
  } finally {
    clearTimeout(timer);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
