import { GrammyError, HttpError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { backoffMs, classifyFailure } from '../../../../src/adapters/notifier/delivery.errors.js';
import { RateGate, WindowLimiter } from '../../../../src/adapters/notifier/delivery.rate-gate.js';
import { scaledTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import { rateGateContract } from '../../../contracts/rate-gate.contract.js';

describe('WindowLimiter', () => {
  it('counts a call from its start and frees the slot one window after it ended', () => {
    const limiter = new WindowLimiter({ limit: 2, windowMs: 1000 });
    expect(limiter.waitMs(0)).toBe(0);
    limiter.take();
    limiter.take();
    expect(limiter.waitMs(10)).toBe(5); // both in flight: look again shortly
    limiter.release(100);
    limiter.release(300);
    expect(limiter.waitMs(400)).toBe(700); // the first ended at 100
    expect(limiter.waitMs(1100)).toBe(0);
  });
});

describe('RateGate', () => {
  it('spaces calls to one chat by the window while other chats go ahead', async () => {
    const timers = scaledTimers(20);
    const gate = new RateGate({ chatWindows: () => [{ limit: 1, windowMs: 1000 }], global: { limit: 30, windowMs: 1000 } }, timers);
    const starts: { a: number[]; b: number[] } = { a: [], b: [] };
    const call = async (chat: 'a' | 'b') => {
      const release = await gate.acquire(chat);
      starts[chat].push(timers.now());
      release();
    };
    await Promise.all([call('a'), call('a'), call('a'), call('b')]);
    expect(starts.a).toHaveLength(3);
    expect(starts.a[1]! - starts.a[0]!).toBeGreaterThanOrEqual(1000);
    expect(starts.a[2]! - starts.a[1]!).toBeGreaterThanOrEqual(1000);
    expect(starts.b[0]!).toBeLessThan(500);
  });
});

describe('RateGate (in process)', () => {
  rateGateContract(async (limits) => {
    const timers = scaledTimers(20);
    const gate = new RateGate(limits, timers);
    return { gate, now: () => timers.now(), sleep: (ms) => timers.sleep(ms), replica: async () => gate };
  });
});

describe('RateGate with several overall windows', () => {
  it('keeps every overall window: at most 2 a second and 3 in 10 seconds across chats', async () => {
    const timers = scaledTimers(50);
    const gate = new RateGate({ chatWindows: () => [], global: [{ limit: 2, windowMs: 1000 }, { limit: 3, windowMs: 10_000 }] }, timers);
    const starts: number[] = [];
    await Promise.all(['a', 'b', 'c', 'd'].map(async (chat) => {
      const release = await gate.acquire(chat);
      starts.push(timers.now());
      release();
    }));
    starts.sort((x, y) => x - y);
    expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(1000);
    expect(starts[3]! - starts[0]!).toBeGreaterThanOrEqual(10_000);
  });
});

describe('classifyFailure', () => {
  const telegram = (code: number, retryAfter?: number) =>
    new GrammyError('call failed', { ok: false, error_code: code, description: 'x', parameters: retryAfter ? { retry_after: retryAfter } : {} }, 'sendMessage', {});

  it('waits retry_after on 429, backs off on 5xx and network errors, gives up on the rest', () => {
    expect(classifyFailure(telegram(429, 7))).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 });
    expect(classifyFailure(telegram(429))).toEqual({ kind: 'rate-limited', retryAfterMs: 1000 });
    expect(classifyFailure(telegram(502))).toEqual({ kind: 'transient' });
    expect(classifyFailure(telegram(403))).toEqual({ kind: 'permanent' });
    expect(classifyFailure(new HttpError('Network request failed', new Error('ECONNRESET')))).toEqual({ kind: 'transient' });
    expect(classifyFailure({ code: 'slack_webapi_rate_limited_error', retryAfter: 3 })).toEqual({ kind: 'rate-limited', retryAfterMs: 3000 });
    expect(classifyFailure({ code: 'slack_webapi_http_error', statusCode: 503 })).toEqual({ kind: 'transient' });
    expect(classifyFailure(new Error('boom'))).toEqual({ kind: 'permanent' });
  });

  it('understands the errors of @slack/web-api as the WebClient throws them', () => {
    const rateLimited = Object.assign(new Error('A rate-limit has been reached'), { code: 'slack_webapi_rate_limited_error', retryAfter: 2 });
    const platform = (error: string) => Object.assign(new Error(`An API error occurred: ${error}`), { code: 'slack_webapi_platform_error', data: { ok: false, error } });
    expect(classifyFailure(rateLimited)).toEqual({ kind: 'rate-limited', retryAfterMs: 2000 });
    expect(classifyFailure({ code: 'slack_webapi_http_error', statusCode: 400 })).toEqual({ kind: 'permanent' });
    expect(classifyFailure({ code: 'slack_webapi_request_error', original: new Error('ECONNRESET') })).toEqual({ kind: 'transient' });
    expect(classifyFailure(platform('channel_not_found'))).toEqual({ kind: 'permanent' });
    expect(classifyFailure(platform('service_unavailable'))).toEqual({ kind: 'transient' });
    expect(classifyFailure(platform('ratelimited'))).toEqual({ kind: 'rate-limited', retryAfterMs: 1000 });
    expect(classifyFailure(new Error('Retry header did not contain a valid timeout (url: x, retry-after header: soon)'))).toEqual({ kind: 'rate-limited', retryAfterMs: 1000 });
  });

  it('retries when the posted-message store cannot be read', () => {
    expect(classifyFailure(Object.assign(new Error('store down'), { name: 'PostedStoreUnavailable' }))).toEqual({ kind: 'transient' });
  });

  it('doubles the backoff per consecutive failure up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, 500, 30_000))).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000]);
  });
});
