/**
 * Slack mrkdwn escaping and entity-safe cutting. Slack only needs &, < and > escaped; everything the
 * renderer cuts is cut on the raw text before escaping, so a cut never lands inside `&amp;` and friends.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapeMrkdwn(raw: string): string {
  return raw.replace(/[&<>]/g, (ch) => ENTITIES[ch] ?? ch);
}

/** Reverses Slack's escaping of typed text (slash command text and event text arrive escaped). */
export function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function escapedLength(ch: string): number {
  return ENTITIES[ch]?.length ?? ch.length;
}

/**
 * Splits raw text into escaped pieces of at most `max` characters each. Pieces break after the last
 * newline (else space) in the window when there is one in its second half, otherwise exactly at the limit;
 * code points and entities are never split.
 */
export function splitEscaped(raw: string, max: number): string[] {
  if (max < 5) throw new RangeError('max must leave room for one entity');
  const pieces: string[] = [];
  let chars: string[] = [];
  let size = 0;
  for (const ch of raw) {
    const len = escapedLength(ch);
    while (chars.length > 0 && size + len > max) {
      const cut = breakPoint(chars);
      pieces.push(escapeMrkdwn(chars.slice(0, cut).join('')));
      chars = chars.slice(cut);
      size = chars.reduce((n, c) => n + escapedLength(c), 0);
    }
    chars.push(ch);
    size += len;
  }
  if (chars.length > 0 || pieces.length === 0) pieces.push(escapeMrkdwn(chars.join('')));
  return pieces;
}

function breakPoint(chars: string[]): number {
  const half = Math.floor(chars.length / 2);
  for (const sep of ['\n', ' ']) {
    const at = chars.lastIndexOf(sep);
    if (at >= half) return at + 1;
  }
  return chars.length;
}

/** Escaped text of at most `max` characters; when cut, it ends with an ellipsis. */
export function truncateEscaped(raw: string, max: number): string {
  const whole = escapeMrkdwn(raw);
  if (whole.length <= max) return whole;
  return `${splitEscaped(raw, max - 1)[0] ?? ''}…`;
}

/** Plain text (no escaping) of at most `max` characters, cut on a code point, ellipsis when cut. */
export function truncatePlain(raw: string, max: number): string {
  if (raw.length <= max) return raw;
  let out = '';
  for (const ch of raw) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}
