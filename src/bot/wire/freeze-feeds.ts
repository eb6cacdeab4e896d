import { IcalFreezeFeeds } from '../../adapters/ical/ical-freeze-feeds.js';
import { projectTimeZone } from '../../core/domain/time-zone.js';
import type { DeckhandConfig } from '../config.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

/**
 * The projects' iCalendar freeze feeds: read once at start (each within its timeout, so a feed that is away
 * delays the start by at most that), then each on its own timer. Every replica keeps its own copy: reading a
 * feed changes nothing, so it needs no once-only job. Absent when no project names a feed.
 */
export function wireFreezeFeeds(config: DeckhandConfig, infra: Pick<Infrastructure, 'clock' | 'logger'>): { feeds?: IcalFreezeFeeds; module: Module } {
  if (config.freezeFeeds.length === 0) return { module: { name: 'freeze-feeds' } };
  const specs = config.freezeFeeds.map((f) => ({ ...f, timezone: projectTimeZone(config.catalog, f.project) }));
  const feeds = new IcalFreezeFeeds(specs, { clock: infra.clock, logger: infra.logger.child({ module: 'freeze-feeds' }) });
  const timers: NodeJS.Timeout[] = [];
  return {
    feeds,
    module: {
      name: 'freeze-feeds',
      async start() {
        await feeds.refreshAll();
        specs.forEach((s, i) => timers.push(setInterval(() => void feeds.refresh(i), s.refreshMs).unref()));
      },
      async stop() {
        for (const t of timers.splice(0)) clearInterval(t);
      },
    },
  };
}
