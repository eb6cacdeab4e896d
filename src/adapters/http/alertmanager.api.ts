/**
 * What every call to Alertmanager's HTTP API v2 needs (the silencer and the alert reader): the endpoint
 * without credentials plus a Basic authorization header when the URL carried them, and short, chat-safe
 * failure texts (no stack, no credentials, no page of HTML).
 */

const MAX_REASON = 120;

/** A body's first line, printable characters only, clipped: enough to say why, never a page of HTML. */
export function shortReason(body: string): string {
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

/** Why a fetch to Alertmanager failed: a timeout or an unreachable host (with the system error code). */
export function failureText(err: unknown, where: string, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `Alertmanager at ${where} did not answer within ${timeoutMs >= 1_000 ? `${timeoutMs / 1_000}s` : `${timeoutMs}ms`}`;
  }
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | null)?.code;
  return `Alertmanager at ${where} is unreachable${typeof code === 'string' ? ` (${code})` : ''}`;
}

export interface AlertmanagerEndpoint {
  /** The full URL of `path` under the base (a path prefix is kept), without credentials. */
  url: string;
  /** host:port, for messages. */
  where: string;
  headers: Record<string, string>;
}

/** `path` (e.g. `/api/v2/silences`) under the base URL; user:password@ in the base becomes a Basic header. */
export function alertmanagerEndpoint(base: string, path: string): AlertmanagerEndpoint {
  const u = new URL(base);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`;
  return { url: u.toString(), where: u.host, headers };
}
