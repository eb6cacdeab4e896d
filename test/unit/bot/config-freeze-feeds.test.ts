import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/bot/config.js';

const base = (feeds: string) => `
hosts:
  docker-1: { url: unix:///var/run/docker.sock }
projects:
  shop:
    timezone: Europe/Berlin
    freezeFeeds: ${feeds}
    environments:
      prod:
        services:
          api: { host: docker-1, container: api }
`;

const problems = (text: string) => {
  try {
    parseConfig(text, '/etc/deckhand/deckhand.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('\n');
    throw e;
  }
  return '';
};

describe('projects.<p>.freezeFeeds', () => {
  it('reads URLs and files (relative to the config), with defaults for refresh and timeout', () => {
    const c = parseConfig(base('[{ url: "https://calendar.example/holidays.ics" }, { file: feeds/release.ics, envs: [prod], refresh: 15m, timeout: 5s }]'), '/etc/deckhand/deckhand.yaml');
    expect(c.freezeFeeds).toEqual([
      { project: 'shop', envs: [], source: { kind: 'url', url: 'https://calendar.example/holidays.ics' }, refreshMs: 3_600_000, timeoutMs: 10_000 },
      { project: 'shop', envs: ['prod'], source: { kind: 'file', path: '/etc/deckhand/feeds/release.ics' }, refreshMs: 900_000, timeoutMs: 5_000 },
    ]);
    expect(parseConfig(base('[]')).freezeFeeds).toEqual([]);
  });

  it('refuses a feed with neither or both of url and file, a non-http URL, an unknown environment or key, a timeout over 2 minutes', () => {
    expect(problems(base('[{ envs: [prod] }]'))).toContain('give either url or file (one of the two)');
    expect(problems(base('[{ url: "https://a.example/x.ics", file: x.ics }]'))).toContain('give either url or file (one of the two)');
    expect(problems(base('[{ url: "file:///etc/passwd" }]'))).toContain('an http(s) URL of an .ics feed');
    expect(problems(base('[{ file: x.ics, envs: [staging] }]'))).toContain('project shop has no environment "staging"');
    expect(problems(base('[{ file: x.ics, every: 1h }]'))).toMatch(/every/);
    expect(problems(base('[{ file: x.ics, timeout: 5m }]'))).toContain('between 1s and 2 minutes');
  });
});
