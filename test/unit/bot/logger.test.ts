import { describe, expect, it } from 'vitest';
import { asCoreLogger, createLogger, REDACTED } from '../../../src/bot/logger.js';

function capture(level: 'debug' | 'info' = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({ level }, { write: (s: string) => void lines.push(s) });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

describe('createLogger', () => {
  it('redacts a bot token and a password wherever they sit in the log object', () => {
    const { logger, lines, records } = capture();

    logger.info(
      {
        botToken: BOT_TOKEN,
        config: { telegram: { token: BOT_TOKEN }, database: { password: 'hunter2-db' } },
        password: 'hunter2-top',
        signingSecret: 'slack-signing-secret-value',
        req: { method: 'POST', headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=s3cr3t', host: 'bot' } },
        env: { POSTGRES_PASSWORD: 'env-secret-value' },
        host: 'prod-1',
      },
      'starting',
    );

    const raw = lines.join('');
    for (const secret of [BOT_TOKEN, 'hunter2', 'slack-signing-secret-value', 'abc.def.ghi', 's3cr3t', 'env-secret-value']) {
      expect(raw).not.toContain(secret);
    }
    const [rec] = records();
    expect(rec).toMatchObject({
      msg: 'starting',
      level: 30,
      botToken: REDACTED,
      password: REDACTED,
      signingSecret: REDACTED,
      config: { telegram: { token: REDACTED }, database: { password: REDACTED } },
      req: { method: 'POST', headers: { authorization: REDACTED, cookie: REDACTED, host: 'bot' } },
      env: { POSTGRES_PASSWORD: REDACTED },
      host: 'prod-1',
    });
  });

  it('masks credentials inside URLs in values and messages, keeping the rest of the URL', () => {
    const { logger, lines, records } = capture();

    logger.warn({ databaseUrl: 'postgres://app:pg-pass@db:5432/deckhand', target: 'postgres://app:pg-pass@db:5432/x' }, 'retrying redis://:redis-pass@cache:6379');

    expect(lines.join('')).not.toContain('pass@');
    const [rec] = records();
    expect(rec?.databaseUrl).toBe(REDACTED);
    expect(rec?.target).toBe('postgres://app:****@db:5432/x');
    expect(rec?.msg).toBe('retrying redis://:****@cache:6379');
  });

  it('serializes errors with message, type and stack (stacks belong in logs)', () => {
    const { logger, records } = capture();
    class DockerError extends Error {
      code = 'ECONNREFUSED';
    }

    logger.error({ err: new DockerError('connect failed to tcp://u:p4ss@docker:2376') }, 'runtime error');

    const err = records()[0]?.err as Record<string, unknown>;
    expect(err.type).toBe('DockerError');
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.message).toBe('connect failed to tcp://u:****@docker:2376');
    expect(String(err.stack)).toContain('logger.test.ts');
    expect(String(err.stack)).not.toContain('p4ss');
  });

  it('keeps the fields of an error summary the caller made, instead of "[object Object]"', () => {
    const { logger, records } = capture();

    logger.warn({ err: { message: 'The database cannot be reached.', cause: "Can't reach postgresql://u:p4ss@db:5432", code: 'P1001' } }, 'store unavailable');
    logger.warn({ err: { message: 'connect ECONNREFUSED', cause: new Error('inner') } }, 'redis connection error');

    expect(records()[0]?.err).toEqual({ message: 'The database cannot be reached.', cause: "Can't reach postgresql://u:****@db:5432", code: 'P1001' });
    expect(records()[1]?.err).toMatchObject({ message: 'connect ECONNREFUSED', cause: { type: 'Error', message: 'inner' } });
  });

  it('respects the level, keeps child bindings and satisfies the core Logger port', () => {
    const { logger, records } = capture('info');
    const core = asCoreLogger(logger).child({ requestId: 'r-1' });

    core.debug({ step: 'hidden' });
    core.info({ step: 'shown' }, 'hello');

    expect(records()).toHaveLength(1);
    expect(records()[0]).toMatchObject({ requestId: 'r-1', step: 'shown', msg: 'hello' });
  });

  it('rejects an unknown level', () => {
    expect(() => createLogger({ level: 'loud' as 'info' })).toThrow();
  });
});
