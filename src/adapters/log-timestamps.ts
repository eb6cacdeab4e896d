/**
 * The timestamp runtimes put in front of each log line when asked (Docker and Podman `timestamps=true`,
 * the Kubernetes pod log `timestamps=true`): RFC 3339 with up to nanoseconds, then one space.
 */
import type { LogLine, LogQuery } from '../core/ports/runtime.port.js';

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2}) ?/;

/** The line's time and the text after it; the text unchanged (and no time) when it starts with none. */
export function splitTimestamp(text: string): { at?: Date; text: string } {
  const m = STAMP.exec(text);
  if (!m) return { text };
  // JavaScript dates keep milliseconds: the fraction is cut to three digits.
  const at = new Date(`${m[1]}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}${m[3]}`);
  if (Number.isNaN(at.getTime())) return { text };
  return { at, text: text.slice(m[0].length) };
}

export function withTimestamp(line: LogLine): LogLine {
  const { at, text } = splitTimestamp(line.text);
  return at ? { ...line, at, text } : line;
}

/**
 * The last `tail` lines inside [since, until) of lines in time order, for a runtime that read more than
 * the range (lines without a time are kept).
 */
export function inRange(lines: LogLine[], query: Pick<LogQuery, 'since' | 'until' | 'tail'>): LogLine[] {
  const { since, until } = query;
  const kept = lines.filter((l) => !l.at || ((!since || l.at >= since) && (!until || l.at < until)));
  return query.tail >= kept.length ? kept : kept.slice(kept.length - query.tail);
}

/** How much of a unit's log a query with an end time reads at most (neither API stops at a time). */
export const RANGE_READ_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * The marker line (`LogLine.cut`) saying a range was read only up to its last line: the reader stopped at
 * `limitBytes`. Undefined when no line was read with a time.
 */
export function cutLine(lines: readonly LogLine[], limitBytes: number, replica?: string): LogLine | undefined {
  const last = lines.findLast((l) => l.at !== undefined)?.at;
  if (!last) return undefined;
  const size = limitBytes >= 1024 * 1024 ? `${Math.round(limitBytes / (1024 * 1024))} MiB` : `${limitBytes} bytes`;
  return { stream: 'stdout', text: `more than ${size} of log in the range`, at: last, cut: true, ...(replica ? { replica } : {}) };
}
