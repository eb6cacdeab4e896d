import { http, HttpResponse, passthrough, type HttpHandler } from 'msw';

export const API = 'https://slack.test/api';
export const BOT_USER_ID = 'UBOT123';

export interface RecordedCall {
  url: string;
  at: number;
  /** Web API calls are form-encoded (blocks as a JSON string); response_url posts are JSON. */
  body: Record<string, unknown>;
  /** Slack's error when it refused the call (e.g. `invalid_blocks` for a repeated action_id). */
  rejected?: string;
}

/**
 * The first action_id that occurs twice among a message's blocks: Slack refuses such a message
 * (`invalid_blocks`), wherever the blocks come from (Web API form field or response_url JSON).
 */
export function repeatedActionId(blocks: unknown): string | undefined {
  const parsed: unknown = typeof blocks === 'string' ? JSON.parse(blocks) : blocks;
  if (!Array.isArray(parsed)) return undefined;
  const seen = new Set<string>();
  for (const block of parsed as { elements?: { action_id?: unknown }[] }[]) {
    for (const e of block.elements ?? []) {
      if (typeof e.action_id !== 'string') continue;
      if (seen.has(e.action_id)) return e.action_id;
      seen.add(e.action_id);
    }
  }
  return undefined;
}

/** msw handlers standing in for Slack's servers (only the network is replaced), recording every call. */
export class SlackApiRecorder {
  readonly calls: RecordedCall[] = [];
  /** Per-method overrides, consumed in order: e.g. a 429 before the real answer. */
  readonly queued = new Map<string, Response[]>();

  handlers(): HttpHandler[] {
    return [
      http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
      http.post(`${API}/:method`, async ({ request, params }) => {
        const method = String(params.method);
        const form = Object.fromEntries(new URLSearchParams(await request.text()));
        const call: RecordedCall = { url: `${API}/${method}`, at: Date.now(), body: { ...form, authorization: request.headers.get('authorization') } };
        this.calls.push(call);
        if (repeatedActionId(form.blocks) !== undefined) {
          call.rejected = 'invalid_blocks';
          return HttpResponse.json({ ok: false, error: 'invalid_blocks' });
        }
        const next = this.queued.get(method)?.shift();
        if (next) return next;
        return HttpResponse.json(this.answer(method, form));
      }),
      http.post('https://files.slack.com/upload/v1/:id', async ({ request }) => {
        // WebClient posts the file as multipart form data, field "body".
        const file = (await request.formData()).get('body');
        const content = typeof file === 'string' ? file : await file?.text();
        const bytes = typeof file === 'string' ? Buffer.from(file) : file ? Buffer.from(await file.arrayBuffer()) : undefined;
        this.calls.push({ url: request.url, at: Date.now(), body: { content, bytes } });
        return HttpResponse.text('OK - 14');
      }),
      http.post('https://hooks.slack.com/*', async ({ request }) => {
        const call: RecordedCall = { url: request.url, at: Date.now(), body: (await request.json()) as Record<string, unknown> };
        this.calls.push(call);
        if (repeatedActionId(call.body.blocks) !== undefined) {
          call.rejected = 'invalid_blocks';
          return HttpResponse.text('invalid_blocks', { status: 400 });
        }
        return HttpResponse.text('ok');
      }),
    ];
  }

  private answer(method: string, form: Record<string, string>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://example.slack.com/', team: 'Example', user: 'deckhand', team_id: 'T0001', user_id: BOT_USER_ID, bot_id: 'BBOT123' };
      case 'chat.postMessage':
      case 'chat.update':
        return { ok: true, channel: form.channel, ts: '1700000000.000100' };
      case 'files.getUploadURLExternal':
        return { ok: true, upload_url: 'https://files.slack.com/upload/v1/ABC123', file_id: 'F0FILE1' };
      case 'files.completeUploadExternal':
        return { ok: true, files: [{ id: 'F0FILE1', title: form.title ?? 'web.log' }] };
      case 'views.open':
        return { ok: true, view: { id: 'V0FORM1', type: 'modal', callback_id: JSON.parse(form.view ?? '{}').callback_id } };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: '1700000000.000200' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** Calls other than auth.test (which Bolt makes at startup). */
  traffic(): RecordedCall[] {
    return this.calls.filter((c) => !c.url.endsWith('/auth.test'));
  }

  reset(): void {
    this.calls.length = 0;
    this.queued.clear();
  }
}
