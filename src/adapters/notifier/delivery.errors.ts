/** What the delivery queue does with a failed push. */
export type FailureKind =
  | { kind: 'rate-limited'; retryAfterMs: number }
  | { kind: 'transient' }
  | { kind: 'permanent' };

/** Telegram's `retry_after` (seconds) when a 429 carries none. */
const DEFAULT_RETRY_AFTER_S = 1;

interface ErrorShape {
  error_code?: unknown;
  parameters?: { retry_after?: unknown };
  code?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  name?: unknown;
}

/**
 * Classifies an error from a chat platform call: Telegram API errors (grammY `GrammyError` or a raw
 * `{ ok: false, error_code, parameters }`), grammY `HttpError` (network), Slack Web API errors (rate limited,
 * HTTP status, request failures). 429 → wait `retry_after`; 5xx and network → back off; anything else is final.
 */
export function classifyFailure(err: unknown): FailureKind {
  if (typeof err !== 'object' || err === null) return { kind: 'permanent' };
  const e = err as ErrorShape;
  if (typeof e.error_code === 'number') {
    if (e.error_code === 429) return { kind: 'rate-limited', retryAfterMs: seconds(e.parameters?.retry_after) };
    return e.error_code >= 500 ? { kind: 'transient' } : { kind: 'permanent' };
  }
  if (e.name === 'HttpError') return { kind: 'transient' };
  if (e.code === 'slack_webapi_rate_limited_error') return { kind: 'rate-limited', retryAfterMs: seconds(e.retryAfter) };
  if (e.code === 'slack_webapi_request_error') return { kind: 'transient' };
  if (e.code === 'slack_webapi_http_error') {
    return typeof e.statusCode === 'number' && e.statusCode >= 500 ? { kind: 'transient' } : { kind: 'permanent' };
  }
  return { kind: 'permanent' };
}

function seconds(value: unknown): number {
  const s = typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : DEFAULT_RETRY_AFTER_S;
  return s * 1000;
}

/** Exponential backoff for the n-th consecutive transient failure (1-based), capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** A short, secret-free description for logs. */
export function failureSummary(err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message : String(err) };
}
