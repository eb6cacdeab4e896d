import { describe, expect, it } from 'vitest';
import { alertmanagerAuth, readEnv } from '../../../src/bot/env.js';

const base = { DATABASE_URL: 'postgresql://127.0.0.1/deckhand' };

describe('env: Alertmanager webhook credentials', () => {
  it('is off without credentials', () => {
    expect(alertmanagerAuth(readEnv(base))).toBeUndefined();
  });

  it('takes a bearer token, basic auth, or both', () => {
    expect(alertmanagerAuth(readEnv({ ...base, ALERTMANAGER_WEBHOOK_TOKEN: 'a-token-of-16-chars' }))).toEqual({ bearerToken: 'a-token-of-16-chars' });
    const basic = { ALERTMANAGER_WEBHOOK_USER: 'am', ALERTMANAGER_WEBHOOK_PASSWORD: 'twelve-chars' };
    expect(alertmanagerAuth(readEnv({ ...base, ...basic }))).toEqual({ basic: { username: 'am', password: 'twelve-chars' } });
    expect(alertmanagerAuth(readEnv({ ...base, ...basic, ALERTMANAGER_WEBHOOK_TOKEN: 'a-token-of-16-chars' }))).toEqual({
      bearerToken: 'a-token-of-16-chars',
      basic: { username: 'am', password: 'twelve-chars' },
    });
  });

  it('names the missing half of basic auth and never echoes a value', () => {
    expect(() => readEnv({ ...base, ALERTMANAGER_WEBHOOK_USER: 'am' })).toThrow(/ALERTMANAGER_WEBHOOK_PASSWORD: is required for basic auth/);
    expect(() => readEnv({ ...base, ALERTMANAGER_WEBHOOK_PASSWORD: 'short-pw' })).toThrow(/ALERTMANAGER_WEBHOOK_PASSWORD: must be at least 12 characters/);
    let message = '';
    try {
      readEnv({ ...base, ALERTMANAGER_WEBHOOK_PASSWORD: 'short-pw' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain('short-pw');
  });
});
