import { describe, expect, it } from 'vitest';
import { readEnv } from '../../../src/bot/env.js';

const base = { DATABASE_URL: 'postgresql://127.0.0.1/deckhand' };

describe('GitHub token and API variables', () => {
  it('accepts classic, fine-grained and app tokens, and blank as unset', () => {
    for (const token of ['ghp_0123456789abcdefghijklmnopqrstuvwxyz', `github_pat_${'A1_'.repeat(27)}`, 'ghs_16C7e42F292c6912E7710c838347Ae178B4a']) {
      expect(readEnv({ ...base, GITHUB_TOKEN: token }).GITHUB_TOKEN).toBe(token);
    }
    expect(readEnv({ ...base, GITHUB_TOKEN: '  ' }).GITHUB_TOKEN).toBeUndefined();
  });

  it('refuses a token that cannot be one, without showing it', () => {
    const secret = 'not a token at all';
    const read = () => readEnv({ ...base, GITHUB_TOKEN: secret });
    expect(read).toThrow(/GITHUB_TOKEN: must be a GitHub token/);
    expect(read).not.toThrow(new RegExp(secret));
  });

  it('refuses an API root that is not a URL', () => {
    expect(() => readEnv({ ...base, GITHUB_API_URL: 'github.example.com' })).toThrow(/GITHUB_API_URL: must be a URL/);
    expect(readEnv({ ...base, GITHUB_API_URL: 'https://github.example.com/api/v3' }).GITHUB_API_URL).toBe('https://github.example.com/api/v3');
  });
});
