import { describe, expect, it } from 'vitest';
import { aroundWindow, boundedDuration, capLines, MAX_SINCE_MS, MAX_WINDOW_MS, parseMoment, resolveMoment } from '../../../../src/core/logs/log-window.js';
import { splitTimestamp } from '../../../../src/adapters/log-timestamps.js';

describe('--at', () => {
  it('takes a clock time (with or without seconds) or a date and time', () => {
    expect(parseMoment('14:23')).toEqual({ kind: 'clock', hour: 14, minute: 23, second: 0 });
    expect(parseMoment('9:05:30')).toEqual({ kind: 'clock', hour: 9, minute: 5, second: 30 });
    expect(parseMoment('2026-12-02 14:23')).toMatchObject({ kind: 'date', year: 2026, month: 12, day: 2, hour: 14, minute: 23 });
    expect(parseMoment('2026-12-02T14:23:59')).toMatchObject({ kind: 'date', second: 59 });
    for (const bad of ['24:00', '14:60', '1423', 'noon', '2026-12-02', '14:23 tomorrow', '']) expect(parseMoment(bad)).toBeUndefined();
  });

  it("reads a clock time in the zone as the last such moment: today, or yesterday when it is still to come", () => {
    const now = new Date('2026-11-23T12:00:00Z'); // 13:00 in Berlin
    expect(resolveMoment(parseMoment('12:50')!, now, 'Europe/Berlin')).toEqual(new Date('2026-11-23T11:50:00Z'));
    expect(resolveMoment(parseMoment('13:00')!, now, 'Europe/Berlin')).toEqual(new Date('2026-11-23T12:00:00Z'));
    expect(resolveMoment(parseMoment('23:50')!, now, 'Europe/Berlin')).toEqual(new Date('2026-11-22T22:50:00Z'));
    expect(resolveMoment(parseMoment('12:50')!, now, 'UTC')).toEqual(new Date('2026-11-22T12:50:00Z'));
  });

  it('reads a date and time in the zone, and knows dates that do not exist', () => {
    expect(resolveMoment(parseMoment('2026-07-01 09:30')!, new Date(), 'Europe/Berlin')).toEqual(new Date('2026-07-01T07:30:00Z'));
    expect(resolveMoment(parseMoment('2026-02-30 09:30')!, new Date(), 'Europe/Berlin')).toBeUndefined();
  });

  it('is the moment ± the window', () => {
    const at = new Date('2026-11-23T11:50:00Z');
    expect(aroundWindow(at, 120_000)).toEqual({ since: new Date('2026-11-23T11:48:00Z'), until: new Date('2026-11-23T11:52:00Z'), around: at });
  });
});

describe('--since and --window bounds', () => {
  it('accepts durations up to the bound and says what is wrong otherwise', () => {
    expect(boundedDuration('15m', MAX_SINCE_MS)).toEqual({ ok: true, ms: 900_000 });
    expect(boundedDuration('1d', MAX_SINCE_MS)).toEqual({ ok: true, ms: 86_400_000 });
    expect(boundedDuration('2d', MAX_SINCE_MS)).toEqual({ ok: false, problem: 'must be at most 1d' });
    expect(boundedDuration('45m', MAX_WINDOW_MS)).toEqual({ ok: false, problem: 'must be at most 30m' });
    expect(boundedDuration('soon', MAX_WINDOW_MS)).toEqual({ ok: false, problem: 'must be a duration such as 30s, 10m or 2h' });
  });
});

describe('the line cap', () => {
  const lines = Array.from({ length: 10 }, (_, i) => ({ at: new Date(Date.UTC(2026, 10, 23, 12, 0, i)), n: i }));

  it('keeps everything under the cap, the newest lines over it', () => {
    expect(capLines(lines, 20)).toHaveLength(10);
    expect(capLines(lines, 3).map((l) => l.n)).toEqual([7, 8, 9]);
  });

  it('with a moment, keeps the lines nearest it, as many before as after', () => {
    expect(capLines(lines, 4, new Date(Date.UTC(2026, 10, 23, 12, 0, 5))).map((l) => l.n)).toEqual([3, 4, 5, 6]);
    expect(capLines(lines, 4, new Date(Date.UTC(2026, 10, 23, 11, 0, 0))).map((l) => l.n)).toEqual([0, 1, 2, 3]);
    expect(capLines(lines, 4, new Date(Date.UTC(2026, 10, 23, 13, 0, 0))).map((l) => l.n)).toEqual([6, 7, 8, 9]);
  });
});

describe('runtime timestamps', () => {
  it('splits the RFC 3339 time in front of a line (nanoseconds, Z or an offset)', () => {
    expect(splitTimestamp('2026-12-02T14:23:01.123456789Z req-1 GET /pay')).toEqual({ at: new Date('2026-12-02T14:23:01.123Z'), text: 'req-1 GET /pay' });
    expect(splitTimestamp('2026-12-02T15:23:01+01:00 hello')).toEqual({ at: new Date('2026-12-02T14:23:01.000Z'), text: 'hello' });
    expect(splitTimestamp('2026-12-02T14:23:01.5Z ')).toEqual({ at: new Date('2026-12-02T14:23:01.500Z'), text: '' });
    expect(splitTimestamp('no time here')).toEqual({ text: 'no time here' });
  });
});
