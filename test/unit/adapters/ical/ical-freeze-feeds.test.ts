import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import ICAL from 'ical.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expand, feedLabel, IcalFreezeFeeds, type FeedSpec } from '../../../../src/adapters/ical/ical-freeze-feeds.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/ical/release-calendar.ics', import.meta.url));
const at = (iso: string) => new Date(iso);
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function feeds(source: FeedSpec['source'], now = '2026-11-23T12:00:00Z', over: Partial<FeedSpec> = {}) {
  let clock = at(now);
  const spec: FeedSpec = { project: 'shop', envs: [], source, refreshMs: 3_600_000, timeoutMs: 300, timezone: 'Europe/Berlin', ...over };
  const f = new IcalFreezeFeeds([spec], { clock: { now: () => clock }, logger: silentLogger });
  return { f, setNow: (iso: string) => (clock = at(iso)) };
}

describe('iCalendar freeze feeds (ical.js)', () => {
  it('expands a weekly RRULE in its TZID, leaves out EXDATEs and cancelled events, moves a changed occurrence, takes all-day events in the project zone', async () => {
    const { f } = feeds({ kind: 'file', path: FIXTURE });
    await f.refreshAll();
    const between = f.between('shop', at('2026-11-23T00:00:00Z'), at('2026-12-14T00:00:00Z'));
    expect(between.map((p) => [p.name, p.from.toISOString(), p.until.toISOString()])).toEqual([
      ['Release train freeze', '2026-11-24T09:00:00.000Z', '2026-11-24T13:00:00.000Z'],
      ['Company day', '2026-11-25T23:00:00.000Z', '2026-11-26T23:00:00.000Z'],
      // 1 Dec is an EXDATE; the 8 Dec occurrence moved to the 9th.
      ['Release train freeze (moved)', '2026-12-09T09:00:00.000Z', '2026-12-09T13:00:00.000Z'],
    ]);
    expect(f.active('shop', 'prod', at('2026-11-24T09:30:00Z'))).toEqual([{ name: 'Release train freeze', reason: 'Release train freeze', until: at('2026-11-24T13:00:00Z'), source: 'feed', timezone: 'Europe/Berlin' }]);
    expect(f.active('shop', 'prod', at('2026-11-24T13:00:00Z'))).toEqual([]);
    expect(f.active('shop', 'prod', at('2026-12-01T09:30:00Z'))).toEqual([]);
    expect(f.active('other', 'prod', at('2026-11-24T09:30:00Z'))).toEqual([]);
    expect(f.problems('shop')).toEqual([]);
  });

  it('applies to the environments it names only', async () => {
    const { f } = feeds({ kind: 'file', path: FIXTURE }, undefined, { envs: ['prod'] });
    await f.refreshAll();
    expect(f.active('shop', 'prod', at('2026-11-24T09:30:00Z'))).toHaveLength(1);
    expect(f.active('shop', 'staging', at('2026-11-24T09:30:00Z'))).toEqual([]);
  });

  it('a file that goes bad keeps its last good copy and says so; a feed never read says its freezes are unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feeds-'));
    const path = join(dir, 'release.ics');
    copyFileSync(FIXTURE, path);
    const { f, setNow } = feeds({ kind: 'file', path });
    await f.refreshAll();
    writeFileSync(path, 'this is not a calendar');
    setNow('2026-11-23T13:00:00Z');
    await f.refreshAll();
    expect(f.active('shop', 'prod', at('2026-11-24T09:30:00Z'))).toHaveLength(1);
    expect(f.problems('shop')).toEqual(['Freeze feed release.ics cannot be read since Mon 23 Nov 14:00 GMT+1 (not valid iCalendar); its freezes are from the copy read Mon 23 Nov 13:00 GMT+1.']);

    const missing = feeds({ kind: 'file', path: join(dir, 'nope.ics') }).f;
    await missing.refreshAll();
    expect(missing.problems('shop')).toEqual(['Freeze feed nope.ics cannot be read since Mon 23 Nov 13:00 GMT+1 (ENOENT); no copy yet: its freezes are unknown.']);
    expect(missing.between('shop', at('2026-11-01T00:00:00Z'), at('2026-12-31T00:00:00Z'))).toEqual([]);

    // Readable again: the problem goes.
    writeFileSync(path, (await import('node:fs')).readFileSync(FIXTURE, 'utf8'));
    await f.refreshAll();
    expect(f.problems('shop')).toEqual([]);
  });

  it('a URL: read with its timeout; a slow or failing server keeps the copy, the URL query (a token) is never shown', async () => {
    const body = (await import('node:fs')).readFileSync(FIXTURE, 'utf8');
    let mode: 'ok' | 'slow' | 'error' = 'ok';
    server.use(
      http.get('https://calendar.example/cal/secret-id/basic.ics', async () => {
        if (mode === 'slow') await delay(2_000);
        if (mode === 'error') return new HttpResponse('nope', { status: 503 });
        return new HttpResponse(body, { headers: { 'content-type': 'text/calendar' } });
      }),
    );
    const { f } = feeds({ kind: 'url', url: 'https://calendar.example/cal/secret-id/basic.ics?token=s3cret' });
    await f.refreshAll();
    expect(f.active('shop', 'prod', at('2026-11-24T09:30:00Z'))).toHaveLength(1);
    mode = 'slow';
    await f.refreshAll();
    expect(f.problems('shop')[0]).toContain('Freeze feed calendar.example (feed 1) cannot be read since Mon 23 Nov 13:00 GMT+1 (no answer within 300 ms)');
    mode = 'error';
    await f.refreshAll();
    expect(f.problems('shop')[0]).toContain('(HTTP 503); its freezes are from the copy read');
    expect(f.problems('shop').join('')).not.toMatch(/s3cret|secret-id/);
    expect(f.active('shop', 'prod', at('2026-11-24T09:30:00Z'))).toHaveLength(1);
  });
});

describe('feed size bound', () => {
  it('stops reading a body sent without Content-Length once it passes 5 MB, keeping the last good copy', async () => {
    const body = (await import('node:fs')).readFileSync(FIXTURE, 'utf8');
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    const total = 160; // 10 MB in 64 KiB chunks
    let pulled = 0;
    let big = false;
    server.use(
      http.get('https://calendar.example/big.ics', () => {
        if (!big) return new HttpResponse(body, { headers: { 'content-type': 'text/calendar' } });
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (pulled++ >= total) controller.close();
            else controller.enqueue(chunk);
          },
        });
        return new HttpResponse(stream, { headers: { 'content-type': 'text/calendar' } });
      }),
    );
    const { f } = feeds({ kind: 'url', url: 'https://calendar.example/big.ics' }, undefined, { timeoutMs: 5_000 });
    await f.refreshAll();
    big = true;
    await f.refreshAll();
    expect(f.problems('shop')[0]).toContain('(larger than 5 MB)');
    expect(f.active('shop', 'prod', at('2026-11-24T09:30:00Z'))).toHaveLength(1);
    // 5 MB is 80 chunks; a few more may be pulled ahead by the stream, never the whole 10 MB.
    expect(pulled).toBeLessThan(100);
  });

  it('refuses a file larger than 5 MB without reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feeds-'));
    const file = join(dir, 'big.ics');
    writeFileSync(file, 'A'.repeat(5 * 1024 * 1024 + 1));
    const { f } = feeds({ kind: 'file', path: file });
    await f.refreshAll();
    expect(f.problems('shop')[0]).toContain('(larger than 5 MB)');
  });
});

describe('feed names in chat and logs', () => {
  it('name a URL by its host and number only: the path can be the secret', () => {
    expect(feedLabel({ kind: 'url', url: 'https://cloud.example.com/remote.php/dav/public-calendars/S3cr3tT0k3n?export' }, 2)).toBe('cloud.example.com (feed 2)');
    expect(feedLabel({ kind: 'url', url: 'https://calendar.example/ical/private-abc123/basic.ics' }, 1)).not.toContain('abc123');
  });
});

describe('recurring feed events', () => {
  it('reach today from a daily series that began 26 years ago', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//EN',
      'BEGIN:VEVENT',
      'UID:nightly-freeze@test',
      'DTSTAMP:20000101T000000Z',
      'DTSTART:20000101T220000Z',
      'DTEND:20000101T230000Z',
      'RRULE:FREQ=DAILY',
      'SUMMARY:Nightly batch freeze',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const calendar = new ICAL.Component(ICAL.parse(ics));
    const periods = expand(calendar, { project: 'shop', envs: [], timezone: 'UTC' }, new Date('2026-11-23T12:00:00Z'));
    expect(periods.some((p) => p.from.getTime() === Date.parse('2026-11-23T22:00:00Z'))).toBe(true);
  });
});
