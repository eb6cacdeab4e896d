/** "Did you mean" suggestions: nearest candidates by edit distance (optimal string alignment). */

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => [i, ...new Array<number>(n).fill(0)]);
  for (let j = 0; j <= n; j++) d[0]![j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/** Candidates close enough to be a plausible typo, nearest first (at most `max`). Prefix matches count as close. */
export function suggest(input: string, candidates: readonly string[], max = 3): string[] {
  const needle = input.toLowerCase();
  const limit = Math.max(1, Math.floor(needle.length / 3));
  return candidates
    .map((c) => {
      const lc = c.toLowerCase();
      const dist = lc.startsWith(needle) || needle.startsWith(lc) ? 0.5 : editDistance(needle, lc);
      return { c, dist };
    })
    .filter((x) => x.dist <= limit + 0.5)
    .sort((x, y) => x.dist - y.dist || x.c.localeCompare(y.c))
    .slice(0, max)
    .map((x) => x.c);
}

/** "Did you mean `a` or `b`?" or, with nothing close, the list of what exists. */
export function hint(kind: string, input: string, candidates: readonly string[]): string {
  const close = suggest(input, candidates);
  if (close.length > 0) return `Did you mean ${orList(close)}?`;
  if (candidates.length === 0) return `No ${kind}s are configured.`;
  const shown = candidates.slice(0, 10);
  const more = candidates.length > shown.length ? ` and ${candidates.length - shown.length} more` : '';
  return `Known ${kind}s: ${shown.join(', ')}${more}.`;
}

export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
