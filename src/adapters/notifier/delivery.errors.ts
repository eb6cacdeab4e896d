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

/** What a log line says about a failed platform call: the platform's own code and description, never the object. */
export interface FailureSummary {
  message: string;
  /** Telegram `error_code` (e.g. 400, 429) or the Slack Web API error class (`slack_webapi_platform_error`, …). */
  code?: number | string;
  /** Telegram `description` (e.g. "Bad Request: chat not found"). */
  description?: string;
  /** Slack platform error (`data.error`, e.g. "channel_not_found"). */
  error?: string;
  /** HTTP status of a failed request. */
  status?: number;
  /** Seconds the platform asked to wait (429). */
  retryAfterS?: number;
}

interface SummaryShape extends ErrorShape {
  description?: unknown;
  status?: unknown;
}

/** Bot tokens as they can appear in URLs or messages: Telegram `bot<id>:<secret>`, Slack `xox?-…` / `xapp-…`. */
const TOKENS: [RegExp, string][] = [
  [/bot\d+:[A-Za-z0-9_-]{20,}/g, 'bot<redacted>'],
  [/\b(xox[a-z]|xapp)-[A-Za-z0-9-]+/g, '$1-<redacted>'],
];

function redact(text: string): string {
  return TOKENS.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

/**
 * A short, secret-free description for logs: the message plus the fields each platform uses to say what went
 * wrong (grammY `GrammyError`: error_code + description; Slack Web API: code, data.error, statusCode,
 * retryAfter; HTTP errors: status). Plain objects thrown as errors are described the same way.
 */
export function failureSummary(err: unknown): FailureSummary {
  if (typeof err !== 'object' || err === null) return { message: redact(String(err)) };
  const e = err as SummaryShape;
  const summary: FailureSummary = { message: redact(messageOf(e)) };
  if (typeof e.error_code === 'number') summary.code = e.error_code;
  else if (typeof e.code === 'string' || typeof e.code === 'number') summary.code = e.code;
  if (typeof e.description === 'string') summary.description = redact(e.description);
  if (typeof e.data?.error === 'string') summary.error = e.data.error;
  const status = typeof e.statusCode === 'number' ? e.statusCode : e.status;
  if (typeof status === 'number') summary.status = status;
  const retryAfter = typeof e.retryAfter === 'number' ? e.retryAfter : e.parameters?.retry_after;
  if (typeof retryAfter === 'number') summary.retryAfterS = retryAfter;
  return summary;
}

function messageOf(e: SummaryShape): string {
  if (typeof e.message === 'string' && e.message.length > 0) return e.message;
  if (typeof e.description === 'string') return e.description;
  if (typeof e.data?.error === 'string') return e.data.error;
  if (typeof e.error_code === 'number') return `error ${e.error_code}`;
  const name = typeof e.name === 'string' ? e.name : (e as object).constructor?.name;
  return `${name && name !== 'Object' ? name : 'error object'} without a message`;
}
