import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/bot/config.js';
import { wireFreezeFeeds } from '../../../src/bot/wire/freeze-feeds.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';

/** Where the config would live: only its folder matters (a feed file is relative to it). */
const configFile = fileURLToPath(new URL('../../fixtures/config/feeds.yaml', import.meta.url));
const config = (feeds: string) =>
  parseConfig(
    `
hosts: { docker-1: { url: unix:///var/run/docker.sock } }
projects:
  shop:
    timezone: Europe/Berlin
    freezeFeeds: ${feeds}
    environments: { prod: { services: { api: { host: docker-1, container: api } } } }
`,
    configFile,
  );

describe('wireFreezeFeeds', () => {
  it('reads the feeds (a file relative to the config) before the start ends, in the project time zone', async () => {
    const clock = { now: () => new Date('2026-11-23T12:00:00Z') };
    const { feeds, module } = wireFreezeFeeds(config('[{ file: ../ical/release-calendar.ics, envs: [prod] }]'), { clock, logger: silentLogger });
    await module.start!();
    try {
      expect(feeds!.active('shop', 'prod', new Date('2026-11-24T09:30:00Z'))).toEqual([
        { name: 'Release train freeze', reason: 'Release train freeze', until: new Date('2026-11-24T13:00:00Z'), source: 'feed', timezone: 'Europe/Berlin' },
      ]);
    } finally {
      await module.stop!();
    }
  });

  it('wires nothing without feeds', () => {
    const wired = wireFreezeFeeds(config('[]'), { clock: { now: () => new Date() }, logger: silentLogger });
    expect(wired.feeds).toBeUndefined();
    expect(wired.module.start).toBeUndefined();
  });
});
