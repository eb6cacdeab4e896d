/** HTML escaping and width-aware wrapping for Telegram's HTML parse mode. */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text for Telegram HTML: & < > always, and " so the result is also safe inside attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ENTITIES[ch] ?? ch);
}

/**
 * Splits raw text into lines, then hard-wraps each line so that its escaped form is at most `width`
 * UTF-16 code units. Wrapping happens between code points on the raw text, so an entity such as
 * `&amp;` or a surrogate pair is never cut. Returns escaped lines.
 */
export function escapedLines(raw: string, width: number): string[] {
  const max = Math.max(width, 8);
  const out: string[] = [];
  for (const line of raw.split('\n')) {
    let current = '';
    for (const ch of line) {
      const piece = ENTITIES[ch] ?? ch;
      if (current.length + piece.length > max) {
        out.push(current);
        current = '';
      }
      current += piece;
    }
    out.push(current);
  }
  return out;
}
