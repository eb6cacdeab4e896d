/**
 * A tiny local Telegram Bot API for e2e tests: answers the methods the bot calls at start-up and when
 * replying (getMe, setMyCommands, deleteWebhook, setWebhook, sendMessage) and records every call.
 * Any other method answers 404 like Telegram does for unknown methods, and is recorded too.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface RecordedCall {
  method: string;
  token: string;
  payload: Record<string, unknown>;
}

export const FAKE_BOT = { id: 7000001, is_bot: true, first_name: 'Deckhand', username: 'deckhand_e2e_bot' } as const;

const sendMessageSchema = z.object({ chat_id: z.union([z.number(), z.string()]), text: z.string().min(1) }).loose();

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '') return {};
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}

export class FakeTelegramApi {
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private nextMessageId = 1;

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

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (!match) return [404, { ok: false, error_code: 404, description: 'Not Found' }];
    const [, token = '', method = ''] = match;
    const payload = await readJson(req);
    this.calls.push({ method, token, payload });
    return this.answer(method, payload);
  }

  private answer(method: string, payload: Record<string, unknown>): [number, unknown] {
    switch (method) {
      case 'getMe':
        return [200, { ok: true, result: { ...FAKE_BOT, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } }];
      case 'setMyCommands':
      case 'deleteWebhook':
      case 'setWebhook':
        return [200, { ok: true, result: true }];
      case 'sendMessage': {
        const msg = sendMessageSchema.safeParse(payload);
        if (!msg.success) return [400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' }];
        const chatId = Number(msg.data.chat_id);
        const result = { message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, from: FAKE_BOT, text: msg.data.text };
        return [200, { ok: true, result }];
      }
      default:
        return [404, { ok: false, error_code: 404, description: 'Not Found: method not found' }];
    }
  }
}
