/**
 * Posting to an event's response_url (slash commands, clicks): valid 30 minutes, 5 posts. Its failures are
 * turned into the Web API's error terms (see notifier/delivery.errors.ts classifyFailure) so the reply lanes
 * and the outbox retry them like any other Slack call: a 429 after its Retry-After, a 5xx and a request that
 * got no answer with backoff; anything else (an expired or used-up URL, invalid blocks) is final.
 */

/** A response_url post that failed in a way a retry can fix. */
export class ResponseUrlRetryable extends Error {
  override readonly name = 'ResponseUrlRetryable';
  constructor(
    readonly code: 'slack_webapi_rate_limited_error' | 'slack_webapi_http_error' | 'slack_webapi_request_error',
    message: string,
    readonly statusCode?: number,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** A response_url post Slack refused for good (the URL expired or was used up, the message is invalid). */
export class ResponseUrlRefused extends Error {
  override readonly name = 'ResponseUrlRefused';
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/** The error for an HTTP status a response_url answered with (undefined: no answer at all). */
export function responseUrlFailure(status: number | undefined, retryAfter: unknown, message: string): Error {
  if (status === undefined) return new ResponseUrlRetryable('slack_webapi_request_error', message);
  if (status === 429) {
    const after = Number(retryAfter);
    return new ResponseUrlRetryable('slack_webapi_rate_limited_error', message, status, Number.isFinite(after) ? after : undefined);
  }
  if (status >= 500) return new ResponseUrlRetryable('slack_webapi_http_error', message, status);
  return new ResponseUrlRefused(message, status);
}

/** What a response_url post carries (Slack's message payload for response_url). */
export interface ResponseUrlMessage {
  response_type?: 'in_channel' | 'ephemeral';
  replace_original?: boolean;
  text: string;
  blocks: unknown[];
}

/** How long one post may take before it counts as unanswered (and is retried). */
const POST_TIMEOUT_MS = 10_000;

/**
 * One post to a response_url; throws ResponseUrlRetryable / ResponseUrlRefused on failure. The URL is a
 * capability: it never appears in an error message (errors are logged).
 */
export async function postToResponseUrl(url: string, message: ResponseUrlMessage): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
  } catch {
    throw responseUrlFailure(undefined, undefined, 'response_url post got no answer');
  }
  const text = (await res.text().catch(() => '')).slice(0, 100);
  if (res.ok) return;
  throw responseUrlFailure(res.status, res.headers.get('retry-after'), `response_url post answered ${res.status}${text ? ` (${text})` : ''}`);
}
