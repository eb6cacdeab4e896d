/**
 * Slack's Web API behind msw for the delivery tests: records every call with its virtual arrival time and
 * answers like Slack, with failures injected by a per-channel call counter (429 with Retry-After, 503,
 * network errors) or queued per method (e.g. message_not_found for the next chat.update).
 */
import { http, HttpResponse, type HttpHandler } from 'msw';
import type { DeliveryTimers } from '../../../../src/adapters/notifier/delivery.timers.js';

export const SLACK_API = 'https://slack.test/api';
export const SLACK_TOKEN = 'xoxb-storm-token';

export interface SlackCall {
  method: string;
  channel: string;
  at: number;
  status: 'ok' | '429' | '5xx' | 'network' | 'error';
  /** Form fields as sent (blocks as a JSON string). */
  body: Record<string, string>;
  /** The ts answered (postMessage: a new one per message; update: the one updated). */
  ts?: string;
  retryAfter?: number;
}

/** What to answer to the n-th call (1-based) to a channel: undefined for a normal answer. */
export type Fault = (n: number, call: { method: string; channel: string }) => SlackCall['status'] | undefined;

export function slackApi(timers: DeliveryTimers, fault: Fault = () => undefined) {
  const calls: SlackCall[] = [];
  const perChannel = new Map<string, number>();
  const queued = new Map<string, Response[]>();
  let next = 0;
  const handler: HttpHandler = http.post(`${SLACK_API}/:method`, async ({ request, params }) => {
    const method = String(params.method);
    const body = Object.fromEntries(new URLSearchParams(await request.text()));
    const channel = body.channel ?? '';
    const n = (perChannel.get(channel) ?? 0) + 1;
    perChannel.set(channel, n);
    const call: SlackCall = { method, channel, at: timers.now(), status: 'ok', body };
    calls.push(call);
    const override = queued.get(method)?.shift();
    if (override) {
      call.status = 'error';
      return override;
    }
    call.status = fault(n, { method, channel }) ?? 'ok';
    switch (call.status) {
      case '429':
        call.retryAfter = 2;
        return HttpResponse.json({ ok: false, error: 'ratelimited' }, { status: 429, headers: { 'Retry-After': '2' } });
      case '5xx':
        return HttpResponse.text('upstream connect error', { status: 503 });
      case 'network':
        return HttpResponse.error();
      default:
        call.ts = method === 'chat.update' ? body.ts : `${1_700_000_000 + ++next}.000100`;
        return HttpResponse.json({ ok: true, channel, ts: call.ts });
    }
  });
  return {
    handler,
    calls,
    /** Answers the next call of `method` with a Slack platform error instead. */
    failNext(method: string, error: string) {
      queued.set(method, [...(queued.get(method) ?? []), HttpResponse.json({ ok: false, error })]);
    },
    delivered: (method: string) => calls.filter((c) => c.status === 'ok' && c.method === method),
  };
}
