/** What the delivery queue does with a failed push. */
export type FailureKind =
  | { kind: 'rate-limited'; retryAfterMs: number }
  | { kind: 'transient' }
  | { kind: 'permanent' };

/** The `retry_after` (seconds) assumed when a 429 carries none. */
const DEFAULT_RETRY_AFTER_S = 1;

interface ErrorShape {
  error_code?: unknown;
  parameters?: { retry_after?: unknown };
  code?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  name?: unknown;
  message?: unknown;
  data?: { error?: unknown };
}

/**
 * Slack platform errors (HTTP 200, `ok: false`) that say "try again later" rather than "this is wrong"
 * (chat.postMessage / chat.update document them); every other platform error is final.
 */
const SLACK_TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Classifies an error from a chat platform call: Telegram API errors (grammY `GrammyError` or a raw
 * `{ ok: false, error_code, parameters }`), grammY `HttpError` (network), Slack Web API errors (rate limited,
 * HTTP status, request failures, platform errors), and the posted-message store being unreadable.
 * 429 → wait `retry_after`; 5xx, network and store outages → back off; anything else is final.
 */
export function classifyFailure(err: unknown): FailureKind {
  if (typeof err !== 'object' || err === null) return { kind: 'permanent' };
  const e = err as ErrorShape;
  if (typeof e.error_code === 'number') {
    if (e.error_code === 429) return { kind: 'rate-limited', retryAfterMs: seconds(e.parameters?.retry_after) };
    return e.error_code >= 500 ? { kind: 'transient' } : { kind: 'permanent' };
  }
  if (e.name === 'HttpError' || e.name === 'PostedStoreUnavailable') return { kind: 'transient' };
  if (typeof e.code === 'string' && e.code.startsWith('slack_webapi_')) return classifySlack(e);
  // WebClient's answer to a 429 without a usable Retry-After header (a plain Error).
  if (typeof e.message === 'string' && e.message.startsWith('Retry header did not contain a valid timeout')) {
    return { kind: 'rate-limited', retryAfterMs: seconds(undefined) };
  }
  return { kind: 'permanent' };
}

/** @slack/web-api errors, told apart by `code` (WebAPIRateLimitedError carries `retryAfter` in seconds). */
function classifySlack(e: ErrorShape): FailureKind {
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return { kind: 'rate-limited', retryAfterMs: seconds(e.retryAfter) };
    case 'slack_webapi_request_error':
      return { kind: 'transient' };
    case 'slack_webapi_http_error':
      return typeof e.statusCode === 'number' && e.statusCode >= 500 ? { kind: 'transient' } : { kind: 'permanent' };
    case 'slack_webapi_platform_error':
      if (e.data?.error === 'ratelimited') return { kind: 'rate-limited', retryAfterMs: seconds(undefined) };
      return typeof e.data?.error === 'string' && SLACK_TRANSIENT.has(e.data.error) ? { kind: 'transient' } : { kind: 'permanent' };
    default:
      return { kind: 'permanent' };
  }
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
