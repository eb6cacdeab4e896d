/** Splits a command line into positionals and `--flag value` / `--flag=value` options. Quotes group words. */

export interface Argv {
  command: string;
  positionals: string[];
  flags: Record<string, string | true>;
}

export type ArgvResult = { ok: true; argv: Argv } | { ok: false; problem: string };

export function tokenize(line: string): { ok: true; tokens: string[] } | { ok: false; problem: string } {
  const tokens: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let hasToken = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      hasToken = true;
    } else if (/\s/.test(ch)) {
      if (hasToken) tokens.push(current);
      current = '';
      hasToken = false;
    } else {
      current += ch;
      hasToken = true;
    }
  }
  if (quote) return { ok: false, problem: `unclosed ${quote} quote` };
  if (hasToken) tokens.push(current);
  return { ok: true, tokens };
}

/**
 * Parses tokens after the command word. `valueFlags` names the flags that take a value; any other
 * `--flag` is boolean. Unknown flags are reported by the caller (it knows the intent's flags).
 */
export function parseArgv(line: string, valueFlags: ReadonlySet<string>): ArgvResult {
  const t = tokenize(line.trim());
  if (!t.ok) return t;
  const [command = '', ...rest] = t.tokens;
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i]!;
    if (tok.startsWith('--') && tok.length > 2) {
      const eq = tok.indexOf('=');
      const name = (eq === -1 ? tok.slice(2) : tok.slice(2, eq)).toLowerCase();
      if (eq !== -1) {
        flags[name] = tok.slice(eq + 1);
      } else if (valueFlags.has(name)) {
        const value = rest[i + 1];
        if (value === undefined) return { ok: false, problem: `--${name} needs a value` };
        flags[name] = value;
        i++;
      } else {
        flags[name] = true;
      }
    } else {
      positionals.push(tok);
    }
  }
  return { ok: true, argv: { command: command.toLowerCase(), positionals, flags } };
}
