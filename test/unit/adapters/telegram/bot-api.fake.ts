import { http, HttpResponse, type HttpHandler } from 'msw';
import type { Chat, Update, UserFromGetMe } from 'grammy/types';

/** Test helpers: a recording Telegram Bot API behind msw, and the core the adapter talks to. */

export const TOKEN = '123456:TEST-token_abc';
export const API = `https://api.telegram.org/bot${TOKEN}`;

export const BOT_INFO: UserFromGetMe = {
  id: 123456,
  is_bot: true,
  first_name: 'Deckhand',
  username: 'deckhand_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

export interface ApiCall {
  method: string;
  /** JSON body, or for multipart the form fields (files as { filename, content, bytes }). */
  body: Record<string, unknown>;
}

/** A file part of a multipart call: its name, its content as UTF-8 text, and its exact bytes (a photo; not enumerable). */
export interface UploadedFile {
  filename: string;
  content: string;
  bytes: Buffer;
}

type Responder = (call: ApiCall) => Response | undefined;

/** Records every Bot API call; answers ok with a plausible result unless a responder overrides it. */
export function createBotApi() {
  const calls: ApiCall[] = [];
  const responders: Responder[] = [];
  let messageId = 1000;
  const handler: HttpHandler = http.post(`${API}/:method`, async ({ request, params }) => {
    const call: ApiCall = { method: String(params.method), body: await readBody(request) };
    calls.push(call);
    for (const responder of responders) {
      const response = responder(call);
      if (response) return response;
    }
    return HttpResponse.json({ ok: true, result: defaultResult(call, ++messageId) });
  });
  return {
    handler,
    calls,
    /** Calls of one method, bodies only. */
    bodies: (method: string) => calls.filter((c) => c.method === method).map((c) => c.body),
    respond: (responder: Responder) => responders.push(responder),
  };
}

async function readBody(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get('content-type') ?? '';
  if (type.includes('application/json')) return (await request.json()) as Record<string, unknown>;
  const boundary = /boundary=(\S+)/.exec(type)?.[1];
  if (!boundary) return {};
  const raw = Buffer.from(await request.arrayBuffer());
  const text = parseMultipart(raw.toString('utf8'), boundary);
  // latin1 maps each byte to one character, so the same split gives each file's exact bytes back.
  const binary = parseMultipart(raw.toString('latin1'), boundary);
  for (const [name, value] of Object.entries(text)) {
    const file = binary[name];
    if (typeof value === 'object' && value !== null && typeof file === 'object' && file !== null) {
      // Not enumerable: tests comparing a file part as { filename, content } stay as they are.
      Object.defineProperty(value, 'bytes', { value: Buffer.from((file as { content: string }).content, 'latin1'), enumerable: false });
    }
  }
  return text;
}

/**
 * A strict little multipart/form-data reader (undici's FormData parser rejects grammY's stream):
 * every part must carry a Content-Disposition with a name; files become { filename, content }.
 */
function parseMultipart(raw: string, boundary: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sections = raw.split(`--${boundary}`);
  if (sections.pop()?.trim() !== '--' || sections.shift() !== '') throw new Error('malformed multipart body');
  for (const section of sections) {
    const [head = '', ...rest] = section.replace(/^\r\n/, '').replace(/\r\n$/, '').split('\r\n\r\n');
    const name = /name="([^"]+)"/.exec(head)?.[1];
    if (!name) throw new Error(`multipart part without a name: ${head}`);
    const value = rest.join('\r\n\r\n');
    const filename = /filename="?([^";\r\n]+)"?/.exec(head)?.[1];
    out[name] = filename ? { filename, content: value } : value;
  }
  return out;
}

function defaultResult(call: ApiCall, messageId: number): unknown {
  if (call.method === 'sendMessage' || call.method === 'sendDocument' || call.method === 'sendPhoto' || call.method === 'editMessageText') {
    return { message_id: messageId, date: 1_700_000_000, chat: { id: Number(call.body.chat_id), type: 'private' }, text: '' };
  }
  return true;
}

let updateId = 5000;

export function commandUpdate(
  text: string,
  chat: { id: number; type: 'private' | 'group' | 'supergroup' } = { id: 777, type: 'private' },
): Update & { update_id: number } {
  const command = /^\/\S+/.exec(text)?.[0] ?? '';
  const fullChat: Chat =
    chat.type === 'private' ? { ...chat, type: 'private', first_name: 'Ada' } : chat.type === 'group' ? { ...chat, type: 'group', title: 'ops' } : { ...chat, type: 'supergroup', title: 'ops' };
  return {
    update_id: ++updateId,
    message: {
      message_id: 10,
      date: 1_700_000_000,
      from: { id: 777, is_bot: false, first_name: 'Ada', username: 'ada' },
      chat: fullChat,
      text,
      entities: command ? [{ type: 'bot_command' as const, offset: 0, length: command.length }] : [],
    },
  };
}

export function callbackUpdate(data: string, chatId = 777) {
  return {
    update_id: ++updateId,
    callback_query: {
      id: `cbq-${updateId}`,
      chat_instance: 'ci-1',
      from: { id: 777, is_bot: false, first_name: 'Ada', username: 'ada' },
      data,
      message: {
        message_id: 55,
        date: 1_700_000_000,
        from: { id: BOT_INFO.id, is_bot: true, first_name: 'Deckhand', username: BOT_INFO.username },
        chat: { id: chatId, type: 'private' as const, first_name: 'Ada' },
        text: 'Deploy shop to prod?',
      },
    },
  };
}
