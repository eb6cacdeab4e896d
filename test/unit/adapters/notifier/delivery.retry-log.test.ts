import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failureSummary } from '../../../../src/adapters/notifier/delivery.errors.js';
import { scaledTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import { replies } from '../../../../src/core/messages/reply-builder.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { TOKEN, createBotApi } from '../telegram/bot-api.fake.js';
import { recordingLogger } from '../telegram/recording-core.js';
import { SLACK_API, SLACK_TOKEN, slackApi } from './slack-storm.api.js';
import { testTelegramDelivery, testSlackDelivery } from '../../../support/started-delivery.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const retried = (entries: ReturnType<typeof recordingLogger>['entries']) => entries.filter((e) => e.msg === 'push will be retried');

describe('delivery retry log lines', () => {
  it('show the Telegram error_code and description of a failed push, not the error object', async () => {
    // Given a Bot API that answers the first sendMessage with a 502
    const timers = scaledTimers(40);
    const api = createBotApi();
    let n = 0;
    api.respond((call) =>
      call.method === 'sendMessage' && ++n === 1 ? HttpResponse.json({ ok: false, error_code: 502, description: 'Bad Gateway' }, { status: 502 }) : undefined,
    );
    server.use(api.handler);
    const log = recordingLogger();
    const { queue } = testTelegramDelivery({ token: TOKEN, posted: new MemoryPostedMessages(), chatsFor: () => ['42'], logger: log.logger, timers, backoff: { baseMs: 100, maxMs: 100 } });

    // When a push fails once and is retried
    await queue.announce('shop', replies.info('deploy started'));
    await queue.drain();

    // Then the retry line carries the platform's code and description, and no token
    expect(api.bodies('sendMessage')).toHaveLength(2);
    const [line] = retried(log.entries);
    expect(line?.level).toBe('warn');
    expect(line?.obj).toMatchObject({ err: { code: 502, description: 'Bad Gateway', message: expect.stringContaining('Bad Gateway') }, chatId: '42', kind: 'transient' });
    expect(JSON.stringify(log.entries)).not.toContain('[object Object]');
    expect(JSON.stringify(log.entries)).not.toContain(TOKEN);
  });

  it('show the Slack platform error (data.error) of a failed push', async () => {
    // Given Slack answering the first chat.postMessage with a transient platform error
    const timers = scaledTimers(40);
    const api = slackApi(timers);
    api.failNext('chat.postMessage', 'internal_error');
    server.use(api.handler);
    const log = recordingLogger();
    const { queue } = testSlackDelivery({
      token: SLACK_TOKEN,
      apiUrl: SLACK_API,
      posted: new MemoryPostedMessages(),
      chatsFor: () => ['C0OPS'],
      logger: log.logger,
      timers,
      backoff: { baseMs: 100, maxMs: 100 },
    });

    await queue.announce('shop', replies.info('deploy started'));
    await queue.drain();

    expect(api.delivered('chat.postMessage')).toHaveLength(1);
    const [line] = retried(log.entries);
    expect(line?.obj).toMatchObject({ err: { code: 'slack_webapi_platform_error', error: 'internal_error' }, chatId: 'C0OPS', kind: 'transient' });
    expect(JSON.stringify(log.entries)).not.toContain(SLACK_TOKEN);
  });

  it('show the HTTP status of a Slack 5xx', async () => {
    const timers = scaledTimers(40);
    const api = slackApi(timers, (n) => (n === 1 ? '5xx' : undefined));
    server.use(api.handler);
    const log = recordingLogger();
    const { queue } = testSlackDelivery({ token: SLACK_TOKEN, apiUrl: SLACK_API, posted: new MemoryPostedMessages(), chatsFor: () => ['C0OPS'], logger: log.logger, timers, backoff: { baseMs: 100, maxMs: 100 } });

    await queue.announce('shop', replies.info('deploy started'));
    await queue.drain();

    expect(retried(log.entries)[0]?.obj).toMatchObject({ err: { code: 'slack_webapi_http_error', status: 503 } });
  });
});

describe('failureSummary', () => {
  it('describes a plain error object by its fields, never as [object Object], and redacts tokens', () => {
    expect(failureSummary({ ok: false, error_code: 400, description: 'Bad Request: chat not found' })).toEqual({
      message: 'Bad Request: chat not found',
      code: 400,
      description: 'Bad Request: chat not found',
    });
    expect(failureSummary({})).toEqual({ message: 'error object without a message' });
    const leaked = new Error('request to https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage failed');
    expect(failureSummary(leaked).message).toBe('request to https://api.telegram.org/bot<redacted>/sendMessage failed');
    expect(failureSummary(new Error('token xoxb-1234-5678-abcdEFGH rejected')).message).toBe('token xoxb-<redacted> rejected');
  });
});
