/**
 * The Silencer port over Alertmanager's HTTP API v2 (`POST /api/v2/silences`), for the Silence button on
 * alert messages. Every failure becomes a short, chat-safe Error: no stack, no credentials, no long body.
 */
import { z } from 'zod';
import type { NewSilence, Silencer } from '../../core/ports/silencer.port.js';

export interface AlertmanagerSilencerOptions {
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` (a path prefix and user:password@ are kept). */
  url: string;
  /** Per request; default 5 s. */
  timeoutMs?: number;
  /** For tests; default the global fetch. */
  fetch?: typeof fetch;
}

const responseSchema = z.object({ silenceID: z.string().min(1).max(200) });

const MAX_REASON = 120;

/** A body's first line, printable characters only, clipped: enough to say why, never a page of HTML. */
function shortReason(body: string): string {
  let text = body.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'string') text = parsed;
    else if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') text = parsed.message;
  } catch {
    // Not JSON: Alertmanager answers plain text for most errors.
  }
  const line = (text.split('\n', 1)[0] ?? '').replace(/[^\x20-\x7E]/g, '').trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

function failureText(err: unknown, where: string, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `Alertmanager at ${where} did not answer within ${timeoutMs >= 1_000 ? `${timeoutMs / 1_000}s` : `${timeoutMs}ms`}`;
  }
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | null)?.code;
  return `Alertmanager at ${where} is unreachable${typeof code === 'string' ? ` (${code})` : ''}`;
}

/** Endpoint without credentials, and a Basic authorization header when the URL carried them. */
function endpoint(base: string): { url: string; where: string; headers: Record<string, string> } {
  const u = new URL(base);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v2/silences`;
  return { url: u.toString(), where: u.host, headers };
}

export function createAlertmanagerSilencer(options: AlertmanagerSilencerOptions): Silencer {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const doFetch = options.fetch ?? fetch;
  const { url, where, headers } = endpoint(options.url);
  return {
    async create(silence: NewSilence): Promise<string> {
      const body = JSON.stringify({
        matchers: silence.matchers,
        startsAt: silence.startsAt.toISOString(),
        endsAt: silence.endsAt.toISOString(),
        createdBy: silence.createdBy,
        comment: silence.comment,
      });
      let res: Response;
      let text: string;
      try {
        res = await doFetch(url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
        text = await res.text();
      } catch (err) {
        throw new Error(failureText(err, where, timeoutMs));
      }
      if (!res.ok) {
        const reason = shortReason(text);
        throw new Error(`Alertmanager refused the silence: HTTP ${res.status}${reason ? ` (${reason})` : ''}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error('Alertmanager answered something that is not JSON');
      }
      const parsed = responseSchema.safeParse(json);
      if (!parsed.success) throw new Error('Alertmanager answered without a silence id');
      return parsed.data.silenceID;
    },
  };
}
