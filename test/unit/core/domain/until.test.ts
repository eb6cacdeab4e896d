import { describe, expect, it } from 'vitest';
import { parseUntil, resolveUntil } from '../../../../src/core/domain/until.js';

const BERLIN = 'Europe/Berlin';
const NOW = new Date('2026-11-23T12:00:00Z'); // 13:00 in Berlin

const at = (text: string, now = NOW, zone = BERLIN) => resolveUntil(parseUntil(text)!, now, zone);

describe('parseUntil / resolveUntil', () => {
  it('reads a local time as today, or tomorrow when it has passed', () => {
    expect(at('18:00')).toEqual(new Date('2026-11-23T17:00:00Z'));
    expect(at('9:30')).toEqual(new Date('2026-11-24T08:30:00Z'));
    expect(at('13:00')).toEqual(new Date('2026-11-24T12:00:00Z'));
  });

  it('reads tomorrow HH:MM and a date with a time in the zone', () => {
    expect(at('tomorrow 18:00')).toEqual(new Date('2026-11-24T17:00:00Z'));
    expect(at('Tomorrow 08:00')).toEqual(new Date('2026-11-24T07:00:00Z'));
    expect(at('2026-11-30 09:00')).toEqual(new Date('2026-11-30T08:00:00Z'));
    expect(at('2026-11-30 09:00', NOW, 'UTC')).toEqual(new Date('2026-11-30T09:00:00Z'));
  });

  it('reads durations from now', () => {
    expect(at('4h')).toEqual(new Date('2026-11-23T16:00:00Z'));
    expect(at('90m')).toEqual(new Date('2026-11-23T13:30:00Z'));
  });

  it('keeps the local time across a DST change', () => {
    // 28 Mar 2026 12:00 CET; tomorrow 09:00 is CEST (UTC+2).
    expect(at('tomorrow 09:00', new Date('2026-03-28T11:00:00Z'))).toEqual(new Date('2026-03-29T07:00:00Z'));
  });

  it('rejects other words and impossible dates', () => {
    for (const bad of ['noon', '25:00', '18:60', 'tomorrow', 'tomorrow noon', '2026-11-30', 'next week 09:00', '0m', '']) {
      expect(parseUntil(bad), bad).toBeUndefined();
    }
    expect(at('2026-02-30 09:00')).toBeUndefined();
  });
});
