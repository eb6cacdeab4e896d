/**
 * Packs rendered HTML blocks into Telegram messages of at most `limit` characters, splitting only
 * between lines. Lengths are counted on the HTML source (UTF-16 code units), which is never less
 * than what Telegram counts after entity parsing, so the result is conservative.
 */

/** One rendered block: `lines` are complete HTML lines; `open`/`close` wrap the whole block (<pre>). */
export interface HtmlBlock {
  open: string;
  close: string;
  lines: string[];
}

/** Blank line between blocks. */
const BLOCK_SEPARATOR = '\n\n';

/**
 * Every `open + line + close` must fit in `limit` (the renderer hard-wraps lines to ensure it).
 * A wrapped block (<pre>) that must be split is closed at the end of one part and reopened in the next.
 */
export function packMessages(blocks: HtmlBlock[], limit: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const block of blocks) {
    let inBlock = false;
    for (const line of block.lines) {
      const prefix = inBlock ? '\n' : (current === '' ? '' : BLOCK_SEPARATOR) + block.open;
      if (current.length + prefix.length + line.length + block.close.length <= limit) {
        current += prefix + line;
        inBlock = true;
        continue;
      }
      if (inBlock) current += block.close;
      if (current !== '') parts.push(current);
      // A new part never starts with a blank line outside <pre> (Telegram would trim it anyway).
      if (line === '' && block.open === '') {
        current = '';
        inBlock = false;
        continue;
      }
      current = block.open + line;
      inBlock = true;
    }
    if (inBlock) current += block.close;
  }
  if (current !== '') parts.push(current);
  return parts;
}
