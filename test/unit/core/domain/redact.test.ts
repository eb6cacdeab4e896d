import { describe, expect, it } from 'vitest';
import { isSecretKey, looksRandom, maskEnvValue, maskText, secretValues } from '../../../../src/core/domain/redact.js';

describe('redaction', () => {
  it.each(['GITHUB_TOKEN', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'API_KEY', 'SENTRY_DSN', 'private_key', 'SLACK_SIGNING_SECRET', 'KEY'])('treats %s as a secret key', (k) => {
    expect(isSecretKey(k)).toBe(true);
  });

  it.each(['NODE_ENV', 'PORT', 'KEYBOARD_LAYOUT', 'MONKEY_COUNT', 'PATH'])('leaves %s visible', (k) => {
    expect(isSecretKey(k)).toBe(false);
  });

  it('masks only the password of a URL with credentials', () => {
    expect(maskEnvValue('DATABASE_URL', 'postgresql://u:p%40ss@h:5432/db')).toEqual({ value: 'postgresql://u:****@h:5432/db', masked: true });
    expect(maskEnvValue('UPSTREAM', 'https://example.com/path')).toEqual({ value: 'https://example.com/path', masked: false });
  });

  it('tells random secrets from digests, paths and words', () => {
    expect(looksRandom('Zk9qT2xHc3RrV2x5c3R+ZUg3Tk1wQ1ZsVzY')).toBe(true);
    expect(looksRandom('a3f5c9e1b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2')).toBe(false);
    expect(looksRandom('/usr/local/sbin:/usr/local/bin:/usr/bin')).toBe(false);
    expect(looksRandom('this is a long sentence of words')).toBe(false);
  });

  it('masks well-known token formats and key=value pairs in free text', () => {
    const line = 'slack xoxb-1234567890-abcdefghij gh ghp_abcdefghijklmnopqrstuvwxyz0123456789 tg 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 {"password":"x1"} AKIAIOSFODNN7EXAMPLE';
    expect(maskText(line)).toBe('slack **** gh **** tg **** {"password":"****"} ****');
  });

  it('masks known secret values verbatim, longest first', () => {
    const secrets = secretValues({ A_TOKEN: 'abcd', B_TOKEN: 'abcdef', NAME: 'abcdefgh' });
    expect(secrets).toEqual(['abcdef', 'abcd']);
    expect(maskText('x abcdef y abcd', secrets)).toBe('x **** y ****');
  });
});

describe('redaction keeps surrounding punctuation', () => {
  it('stops a masked value at closing brackets', () => {
    expect(maskText('(password=x1) [token: abc] {secret=q}')).toBe('(password=****) [token: ****] {secret=****}');
  });
});
