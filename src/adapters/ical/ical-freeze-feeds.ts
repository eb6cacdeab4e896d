/**
 * Freeze periods from iCalendar feeds (an `.ics` URL or file per project: public holidays, a release
 * calendar), parsed with ical.js. Each feed is read at start and then every `refreshMs`, with a timeout; its
 * events are expanded (RRULE, RDATE, EXDATE, moved occurrences) over a window around now and kept in memory.
 * Answers (active, between) come from that last good copy and never wait on the network: a feed that cannot
 * be read is logged, keeps its copy, and `problems` says so (the calendar shows it). A feed's failure never
 * touches another feed nor the YAML and ad hoc freezes.
 *
 * Times: a DATE (all-day) or floating time is in the project's time zone; a time with a TZID in that IANA
 * zone when the runtime knows it (else the project's); a UTC time as it is.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { ActiveFreeze } from '../../core/domain/freeze.js';
import { formatLocal } from '../../core/domain/rotation.js';
import { isTimeZone } from '../../core/domain/time-zone.js';
import type { Clock } from '../../core/ports/clock.port.js';
import type { FeedFreeze, FreezeFeeds } from '../../core/ports/freeze.port.js';
import type { Logger } from '../../core/ports/logger.port.js';

export interface FeedSpec {
  project: string;
  /** Environments its events freeze; empty = all. */
  envs: string[];
  source: { kind: 'url'; url: string } | { kind: 'file'; path: string };
  refreshMs: number;
  timeoutMs: number;
  /** The project's time zone (all-day and floating times). */
  timezone: string;
}

/** Occurrences are expanded from this long before now … */
const BEHIND_MS = 40 * 86_400_000;
/** … to this long after (scheduled actions reach 30 days ahead). */
const AHEAD_MS = 62 * 86_400_000;
const MAX_OCCURRENCES = 5_000;
/** Most occurrences of one series stepped through (from its DTSTART) to reach the window. */
const MAX_STEPS = 500_000;
const MAX_BYTES = 5 * 1024 * 1024;

interface FeedState {
  spec: FeedSpec;
  /** Chat-safe name: a file's base name, a URL's host and its place in the list (no path or query: tokens live there). */
  label: string;
  /** The last calendar that parsed, and when it was read. */
  good: { calendar: ICAL.Component; at: Date } | null;
  periods: FeedFreeze[];
  problem: { reason: string; since: Date } | null;
  /** A read is under way: a refresh due meanwhile is skipped, so an older answer never replaces a newer one. */
  reading: boolean;
}

/**
 * A feed's name in chat and logs. A URL is named by its host and its number among the project's feeds only:
 * calendar providers put the secret in the path as often as in the query (a Nextcloud public calendar ends in
 * `/public-calendars/<token>`, a Google private address in `/private-<token>/basic.ics`).
 */
export function feedLabel(source: FeedSpec['source'], nth: number): string {
  if (source.kind === 'file') return basename(source.path);
  return `${new URL(source.url).host} (feed ${nth})`;
}

/** Why reading failed, in a few chat-safe words (no stack, no URL). */
function reasonOf(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`;
  if (err instanceof FeedError) return err.message;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message.split('\n')[0]!.slice(0, 120) : 'unreadable';
}

class FeedError extends Error {}

export class IcalFreezeFeeds implements FreezeFeeds {
  private readonly feeds: FeedState[];

  constructor(
    specs: readonly FeedSpec[],
    private readonly deps: { clock: Clock; logger: Logger; fetch?: typeof fetch },
  ) {
    this.feeds = specs.map((spec, i) => {
      const nth = specs.slice(0, i + 1).filter((s) => s.project === spec.project).length;
      return { spec, label: feedLabel(spec.source, nth), good: null, periods: [], problem: null, reading: false };
    });
  }

  get specs(): readonly FeedSpec[] {
    return this.feeds.map((f) => f.spec);
  }

  /** Reads every feed (concurrently, each within its timeout); never throws. */
  async refreshAll(): Promise<void> {
    await Promise.all(this.feeds.map((_, i) => this.refresh(i)));
  }

  /** Reads feed `i` again; on failure its last good copy stays (re-expanded around now). Never throws. */
  async refresh(i: number): Promise<void> {
    const feed = this.feeds[i]!;
    if (feed.reading) return;
    feed.reading = true;
    try {
      await this.refreshFeed(feed);
    } catch (err) {
      // A copy that no longer expands (it parsed before): logged, never thrown into a timer.
      this.deps.logger.error({ err, feed: feed.label, project: feed.spec.project }, 'freeze feed could not be expanded');
    } finally {
      feed.reading = false;
    }
  }

  private async refreshFeed(feed: FeedState): Promise<void> {
    const now = this.deps.clock.now();
    try {
      const text = await this.read(feed.spec);
      const calendar = new ICAL.Component(ICAL.parse(text));
      if (calendar.name !== 'vcalendar') throw new FeedError('not an iCalendar file (no VCALENDAR)');
      feed.periods = expand(calendar, feed.spec, now);
      feed.good = { calendar, at: now };
      if (feed.problem) this.deps.logger.info({ feed: feed.label, project: feed.spec.project }, 'freeze feed readable again');
      feed.problem = null;
    } catch (err) {
      const reason = err instanceof Error && err.name === 'ParserError' ? 'not valid iCalendar' : reasonOf(err, feed.spec.timeoutMs);
      feed.problem = { reason, since: feed.problem?.since ?? now };
      this.deps.logger.warn({ feed: feed.label, project: feed.spec.project, reason, keptCopyOf: feed.good?.at.toISOString() ?? null }, 'freeze feed cannot be read; keeping its last good copy');
      if (feed.good) feed.periods = expand(feed.good.calendar, feed.spec, now);
    }
  }

  private async read(spec: FeedSpec): Promise<string> {
    if (spec.source.kind === 'file') {
      if ((await stat(spec.source.path)).size > MAX_BYTES) throw new FeedError('larger than 5 MB');
      return readFile(spec.source.path, { encoding: 'utf8', signal: AbortSignal.timeout(spec.timeoutMs) });
    }
    const res = await (this.deps.fetch ?? fetch)(spec.source.url, { signal: AbortSignal.timeout(spec.timeoutMs), headers: { accept: 'text/calendar' }, redirect: 'follow' });
    if (!res.ok) throw new FeedError(`HTTP ${res.status}`);
    if (Number(res.headers.get('content-length') ?? 0) > MAX_BYTES) throw new FeedError('larger than 5 MB');
    return readBounded(res);
  }

  active(project: string, env: string, at: Date): ActiveFreeze[] {
    return this.of(project).flatMap((f) =>
      f.periods
        .filter((p) => (p.envs.length === 0 || p.envs.includes(env)) && p.from <= at && at < p.until)
        .map((p) => ({ name: p.name, reason: p.name, until: p.until, source: 'feed' as const, timezone: f.spec.timezone })),
    );
  }

  between(project: string, from: Date, to: Date): FeedFreeze[] {
    return this.of(project)
      .flatMap((f) => f.periods)
      .filter((p) => p.from < to && p.until > from)
      .sort((a, b) => a.from.getTime() - b.from.getTime());
  }

  problems(project: string): string[] {
    return this.of(project).flatMap((f) => {
      if (!f.problem) return [];
      const tz = f.spec.timezone;
      const copy = f.good ? `its freezes are from the copy read ${formatLocal(f.good.at, tz)}` : 'no copy yet: its freezes are unknown';
      return [`Freeze feed ${f.label} cannot be read since ${formatLocal(f.problem.since, tz)} (${f.problem.reason}); ${copy}.`];
    });
  }

  private of(project: string): FeedState[] {
    return this.feeds.filter((f) => f.spec.project === project);
  }
}

/** The instant an iCalendar time means (see the module comment for the zones). */
function instant(t: ICAL.Time, tzid: string | undefined, fallback: string): Date {
  if (!t.isDate && t.zone?.tzid === 'UTC') return t.toJSDate();
  const zone = !t.isDate && tzid && isTimeZone(tzid) ? tzid : fallback;
  return DateTime.fromObject({ year: t.year, month: t.month, day: t.day, hour: t.isDate ? 0 : t.hour, minute: t.isDate ? 0 : t.minute, second: t.isDate ? 0 : t.second }, { zone }).toJSDate();
}

const cleanName = (s: unknown) => (typeof s === 'string' && s.trim() ? s.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, 100) : 'Feed freeze');

/** Every occurrence of the calendar's events overlapping [now - BEHIND, now + AHEAD), cancelled and free events left out. */
export function expand(calendar: ICAL.Component, spec: Pick<FeedSpec, 'project' | 'envs' | 'timezone'>, now: Date): FeedFreeze[] {
  const from = now.getTime() - BEHIND_MS;
  const to = now.getTime() + AHEAD_MS;
  const vevents = calendar.getAllSubcomponents('vevent');
  // Moved or changed occurrences (RECURRENCE-ID) belong to their series' event.
  const exceptions = vevents.filter((v) => v.hasProperty('recurrence-id'));
  const out: FeedFreeze[] = [];
  const push = (name: string, start: Date, end: Date) => {
    if (end.getTime() > from && start.getTime() < to && end > start) out.push({ project: spec.project, envs: spec.envs, name, from: start, until: end });
  };
  for (const v of vevents.filter((x) => !x.hasProperty('recurrence-id'))) {
    if (String(v.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') continue;
    if (String(v.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT') continue;
    const event = new ICAL.Event(v, { exceptions: exceptions.filter((e) => e.getFirstPropertyValue('uid') === v.getFirstPropertyValue('uid')), strictExceptions: true });
    if (!event.startDate) continue;
    const tzidParam = v.getFirstProperty('dtstart')?.getParameter('tzid');
    const tzid = typeof tzidParam === 'string' ? tzidParam : undefined;
    if (!event.isRecurring()) {
      push(cleanName(event.summary), instant(event.startDate, tzid, spec.timezone), instant(event.endDate, tzid, spec.timezone));
      continue;
    }
    const it = event.iterator();
    // Occurrences before the window are stepped over under a far larger budget than those kept: a daily series
    // that began years ago still reaches today (5,000 steps from DTSTART would end in 13 years).
    let kept = 0;
    for (let steps = 0, next = it.next(); next && steps < MAX_STEPS && kept < MAX_OCCURRENCES; steps++, next = it.next()) {
      const o = event.getOccurrenceDetails(next);
      const start = instant(o.startDate, tzid, spec.timezone);
      if (start.getTime() >= to) break;
      if (instant(o.endDate, tzid, spec.timezone).getTime() <= from) continue;
      kept++;
      if (String(o.item.component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') continue;
      push(cleanName(o.item.summary), start, instant(o.endDate, tzid, spec.timezone));
    }
  }
  return out.sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * The body as text, read chunk by chunk and given up past MAX_BYTES: a server that sends no Content-Length
 * (chunked) cannot make the process hold more than 5 MB of it.
 */
async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BYTES) {
      void reader.cancel().catch(() => undefined);
      throw new FeedError('larger than 5 MB');
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
