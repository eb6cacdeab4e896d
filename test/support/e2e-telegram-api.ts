/**
 * A tiny local Telegram Bot API for e2e tests: answers the methods the bot calls at start-up and when
 * replying (getMe, setMyCommands, deleteWebhook, setWebhook, sendMessage) and around buttons
 * (answerCallbackQuery, editMessageText, editMessageReplyMarkup), and records every call with its result.
 * It keeps the messages it "sent", so an edit of a message it never sent, or one that changes nothing, gets
 * Telegram's own 400 answer. Any other method answers 404 like Telegram does for unknown methods, and is
 * recorded too. With `{ polling: true }` it also answers getUpdates from the updates given to `pushUpdate`,
 * holding a long poll up to its `timeout`, and answers 409 Conflict to a getUpdates that arrives while
 * another one is held (two pollers on one token); without it getUpdates is an unknown method as before.
 * `fail(fault)` makes it answer like a Bot API in trouble (429 with `retry_after`, 502, …) until
 * `fail(undefined)`; the refused calls are recorded too, with the status they got. With
 * `{ enforceLimits: true }` it enforces Telegram's limits on messages sent or edited (1/s per chat, 20/min per
 * group, 30/s per bot), counted at arrival over the calls it took: one more is answered 429 with `retry_after`.
 * Processes given `apiRoot + '/<name>'` are told apart: each call records that name as `via`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface RecordedCall {
  method: string;
  token: string;
  payload: Record<string, unknown>;
  /** What the fake answered in `result` (a message for sendMessage/editMessageText), if it answered ok. */
  result?: unknown;
  /** The HTTP status it answered (200 when it took the call). */
  status: number;
  /** When the call arrived (Date.now()). */
  at: number;
  /** The path segment before `/bot<token>` when the caller's apiRoot had one (`apiRoot + '/a'`: which process called). */
  via?: string;
}

/** How the fake answers while a fault is set: Telegram's error shape, with `retry_after` for a 429. */
export interface Fault {
  status: number;
  /** Seconds, sent as `parameters.retry_after` (Telegram sends it with 429). */
  retryAfter?: number;
  /** Only these methods fail (default: every method). */
  methods?: readonly string[];
}

const FAULT_DESCRIPTION: Record<number, string> = { 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** A message as this fake Bot API keeps it: the latest text and inline keyboard. */
export interface FakeMessage {
  chatId: number;
  messageId: number;
  text: string;
  replyMarkup: unknown;
}

export const FAKE_BOT = { id: 7000001, is_bot: true, first_name: 'Deckhand', username: 'deckhand_e2e_bot' } as const;

const sendMessageSchema = z.object({ chat_id: z.union([z.number(), z.string()]), text: z.string().min(1) }).loose();
const editTargetSchema = z.object({ chat_id: z.union([z.number(), z.string()]), message_id: z.coerce.number().int().positive() }).loose();
const editTextSchema = editTargetSchema.extend({ text: z.string().min(1) });
const chatOf = (id: number) => (id < 0 ? { id, type: 'group', title: 'E2E group' } : { id, type: 'private' });

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '') return {};
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}

export interface FakeTelegramApiOptions {
  /** Serve getUpdates (long polling) with Telegram's 409 for a second concurrent poller. */
  polling?: boolean;
  /** Answer 429 (with `retry_after`) to a send or edit past 1/s per chat, 20/min per group or 30/s per bot. */
  enforceLimits?: boolean;
}

/** The methods Telegram's message limits count (a call to a chat that posts or changes a message). */
const LIMITED_METHODS = new Set(['sendMessage', 'sendDocument', 'sendPhoto', 'editMessageText', 'editMessageReplyMarkup']);
/** Telegram's limits for bots, as [calls, window ms]. */
const CHAT_LIMIT = [1, 1000] as const;
const GROUP_LIMIT = [20, 60_000] as const;
const BOT_LIMIT = [30, 1000] as const;

const CONFLICT = 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';

export class FakeTelegramApi {
  readonly calls: RecordedCall[] = [];
  /** getUpdates calls answered 409 because another one was held at the time. */
  conflicts = 0;
  private server: Server | undefined;
  private nextMessageId = 1;
  private readonly messages = new Map<string, FakeMessage>();
  private readonly updates: { update_id: number }[] = [];
  /** The getUpdates being held, woken by `pushUpdate`. */
  private held: { wake(): void } | undefined;
  private fault: Fault | undefined;
  /** Arrival times of the limited calls taken, per chat and for the bot (enforceLimits). */
  private readonly taken = new Map<string, number[]>();

  constructor(private readonly options: FakeTelegramApiOptions = {}) {}

  /** Queues an update for getUpdates (polling mode); a held long poll answers with it at once. */
  pushUpdate(update: { update_id: number }): void {
    this.updates.push(update);
    this.held?.wake();
  }

  /** Answers every call (of `fault.methods`, if given) with `fault` from now on; `undefined` ends it. */
  fail(fault: Fault | undefined): void {
    this.fault = fault;
  }

  /** Starts on a free port of 127.0.0.1; returns the apiRoot to give the bot. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ([status, body]) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        () => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 400, description: 'Bad Request' })),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Waits (bounded) until `count` calls of `method` were recorded. */
  async waitForCalls(method: string, count: number, timeoutMs = 10_000): Promise<RecordedCall[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.callsOf(method).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} ${method} call(s); got: ${this.calls.map((c) => c.method).join(', ') || 'none'}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.callsOf(method);
  }

  /** Waits (bounded) for the first call of `method` from index `from` on that satisfies `match`. */
  async waitForCall(method: string, match: (call: RecordedCall) => boolean, opts: { from?: number; timeoutMs?: number } = {}): Promise<RecordedCall> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      const found = this.calls.slice(opts.from ?? 0).find((c) => c.method === method && match(c));
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no matching ${method} call; got: ${this.calls.slice(opts.from ?? 0).map((c) => c.method).join(', ') || 'none'}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The message as it stands now (after edits), if this fake sent it. */
  message(chatId: number, messageId: number): FakeMessage | undefined {
    return this.messages.get(`${chatId}:${messageId}`);
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const match = /^(?:\/([A-Za-z0-9_-]+))?\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (!match) return [404, { ok: false, error_code: 404, description: 'Not Found' }];
    const [, via, token = '', method = ''] = match;
    const payload = await readJson(req);
    const call: RecordedCall = { method, token, payload, status: 0, at: Date.now(), ...(via === undefined ? {} : { via }) };
    this.calls.push(call);
    const faulted = this.faultFor(method) ?? this.limitFor(method, payload, call.at);
    const [status, body] = faulted ?? (method === 'getUpdates' && this.options.polling ? await this.getUpdates(payload, req) : this.answer(method, payload));
    call.status = status;
    if (status === 200) call.result = (body as { result?: unknown }).result;
    return [status, body];
  }

  private faultFor(method: string): [number, unknown] | undefined {
    const fault = this.fault;
    if (!fault || (fault.methods && !fault.methods.includes(method))) return undefined;
    const description = FAULT_DESCRIPTION[fault.status] ?? 'Error';
    const retry = fault.retryAfter === undefined ? {} : { parameters: { retry_after: fault.retryAfter } };
    const text = fault.status === 429 && fault.retryAfter !== undefined ? `${description}: retry after ${fault.retryAfter}` : description;
    return [fault.status, { ok: false, error_code: fault.status, description: text, ...retry }];
  }

  /** With enforceLimits: Telegram's 429 for a limited call past a window; a call let through is counted. */
  private limitFor(method: string, payload: Record<string, unknown>, at: number): [number, unknown] | undefined {
    if (!this.options.enforceLimits || !LIMITED_METHODS.has(method) || payload.chat_id === undefined) return undefined;
    const chat = String(payload.chat_id);
    const windows: [string, readonly [number, number]][] = [[chat, CHAT_LIMIT], ['bot', BOT_LIMIT]];
    if (chat.startsWith('-')) windows.push([chat, GROUP_LIMIT]);
    let waitMs = 0;
    for (const [key, [limit, windowMs]] of windows) {
      const recent = (this.taken.get(key) ?? []).filter((t) => t > at - windowMs);
      if (recent.length >= limit) waitMs = Math.max(waitMs, recent[recent.length - limit]! + windowMs - at);
    }
    if (waitMs > 0) {
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      return [429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }];
    }
    for (const key of [chat, 'bot']) {
      const kept = (this.taken.get(key) ?? []).filter((t) => t > at - GROUP_LIMIT[1]);
      kept.push(at);
      this.taken.set(key, kept);
    }
    return undefined;
  }

  private answer(method: string, payload: Record<string, unknown>): [number, unknown] {
    switch (method) {
      case 'getMe':
        return [200, { ok: true, result: { ...FAKE_BOT, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } }];
      case 'setMyCommands':
      case 'deleteWebhook':
      case 'setWebhook':
        return [200, { ok: true, result: true }];
      case 'answerCallbackQuery':
        return [200, { ok: true, result: true }];
      case 'sendMessage': {
        const msg = sendMessageSchema.safeParse(payload);
        if (!msg.success) return [400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' }];
        const chatId = Number(msg.data.chat_id);
        const messageId = this.nextMessageId++;
        this.messages.set(`${chatId}:${messageId}`, { chatId, messageId, text: msg.data.text, replyMarkup: payload.reply_markup });
        const result = { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: chatOf(chatId), from: FAKE_BOT, text: msg.data.text };
        return [200, { ok: true, result }];
      }
      case 'editMessageText':
      case 'editMessageReplyMarkup':
        return this.edit(method, payload);
      default:
        return [404, { ok: false, error_code: 404, description: 'Not Found: method not found' }];
    }
  }

  /** Long polling as Telegram does it: confirmed updates (below `offset`) are forgotten; one poller at a time. */
  private async getUpdates(payload: Record<string, unknown>, req: IncomingMessage): Promise<[number, unknown]> {
    if (this.held) {
      this.conflicts += 1;
      return [409, { ok: false, error_code: 409, description: CONFLICT }];
    }
    const offset = Number(payload.offset ?? 0);
    const limit = Math.min(Math.max(Number(payload.limit ?? 100), 1), 100);
    const timeoutMs = Math.max(Number(payload.timeout ?? 0), 0) * 1000;
    while (this.updates.length > 0 && this.updates[0]!.update_id < offset) this.updates.shift();
    if (this.updates.length === 0 && timeoutMs > 0) {
      // Held until an update arrives, the timeout passes or the poller goes away (a killed process).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        const socket = req.socket;
        function done() {
          clearTimeout(timer);
          socket.off('close', done);
          resolve();
        }
        socket.once('close', done);
        this.held = { wake: done };
      });
      this.held = undefined;
    }
    return [200, { ok: true, result: this.updates.slice(0, limit) }];
  }

  /** Telegram's edit rules: the message must exist, and an edit that changes nothing is refused. */
  private edit(method: string, payload: Record<string, unknown>): [number, unknown] {
    const target = (method === 'editMessageText' ? editTextSchema : editTargetSchema).safeParse(payload);
    if (!target.success) return [400, { ok: false, error_code: 400, description: 'Bad Request: invalid edit request' }];
    const chatId = Number(target.data.chat_id);
    const existing = this.messages.get(`${chatId}:${target.data.message_id}`);
    if (!existing) return [400, { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' }];
    const text = typeof payload.text === 'string' && method === 'editMessageText' ? payload.text : existing.text;
    const replyMarkup = payload.reply_markup;
    if (text === existing.text && JSON.stringify(replyMarkup) === JSON.stringify(existing.replyMarkup)) {
      return [400, { ok: false, error_code: 400, description: 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message' }];
    }
    Object.assign(existing, { text, replyMarkup });
    const now = Math.floor(Date.now() / 1000);
    return [200, { ok: true, result: { message_id: existing.messageId, date: now, edit_date: now, chat: chatOf(chatId), from: FAKE_BOT, text } }];
  }
}

/** A text command as Telegram posts it to the webhook, from `from` in `chat`. */
export function commandUpdate(updateId: number, from: object, chat: { id: number }, text: string) {
  return {
    update_id: updateId,
    message: { message_id: updateId, date: Math.floor(Date.now() / 1000), chat, from, text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] },
  };
}

/** Posts an update to the bot's webhook with its secret token, as Telegram does; resolves with the answer's status. */
export async function postWebhookUpdate(base: string, secret: string, update: unknown): Promise<number> {
  const res = await fetch(`${base}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    body: JSON.stringify(update),
    signal: AbortSignal.timeout(15_000),
  });
  return res.status;
}
