import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../../../src/core/messages/argv.js';
import { parseDuration, formatDuration } from '../../../../src/core/domain/duration.js';
import { suggest } from '../../../../src/core/domain/suggest.js';

describe('argv', () => {
  it('splits positionals, value flags, boolean flags and quoted words', () => {
    expect(parseArgv('Logs api prod --lines 20 --grep "connection reset" --force --since=10m', new Set(['lines', 'grep', 'since']))).toEqual({
      ok: true,
      argv: { command: 'logs', positionals: ['api', 'prod'], flags: { lines: '20', grep: 'connection reset', force: true, since: '10m' } },
    });
  });

  it('reports unclosed quotes and missing values', () => {
    expect(parseArgv('logs "api', new Set())).toEqual({ ok: false, problem: 'unclosed " quote' });
    expect(parseArgv('logs api --lines', new Set(['lines']))).toEqual({ ok: false, problem: '--lines needs a value' });
  });

  it('reads hostile lines in one pass: 100,000 characters of quotes, flags and dots give exact results', () => {
    // One character at a time with no regex over the line, so nothing here can backtrack.
    const words = parseArgv(`status ${'a.b '.repeat(25_000)}`, new Set());
    expect(words.ok && words.argv.positionals.length).toBe(25_000);
    const quotes = parseArgv(`status ${`"a b" 'c' `.repeat(10_000)}`, new Set());
    expect(quotes.ok && quotes.argv.positionals.slice(0, 2)).toEqual(['a b', 'c']);
    expect(quotes.ok && quotes.argv.positionals.length).toBe(20_000);
    expect(parseArgv(`status "${"'".repeat(100_000)}`, new Set())).toEqual({ ok: false, problem: 'unclosed " quote' });
    const flags = parseArgv(`status ${'--x=--y= '.repeat(12_500)}`, new Set());
    expect(flags.ok && flags.argv.flags).toEqual({ x: '--y=' });
  });
});

describe('durations and suggestions', () => {
  it('parses and formats durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('0m')).toBeUndefined();
    expect(formatDuration(93_784_000)).toBe('1d 2h');
    expect(formatDuration(500)).toBe('0s');
  });

  it('suggests close names only', () => {
    expect(suggest('stauts', ['status', 'logs', 'oncall'])).toEqual(['status']);
    expect(suggest('zzz', ['status', 'logs'])).toEqual([]);
    expect(suggest('stat', ['status', 'logs'])).toEqual(['status']);
  });
});
