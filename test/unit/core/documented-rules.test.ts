import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../../src/bot/env.js';
import { allIntents } from '../../../src/core/intents/index.js';

const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');

/** The example config's comment lines about roles, keyed by the role each line starts with. */
function exampleRoleLines(): Record<string, string> {
  const yaml = read('deckhand.example.yaml');
  const out: Record<string, string> = {};
  let current: string | null = null;
  for (const line of yaml.split('\n')) {
    const role = /^#\s+(viewer|operator|admin):\s*(.*)$/.exec(line);
    if (role) {
      current = role[1]!;
      out[current] = role[2]!;
    } else if (current && /^#\s{5,}\S/.test(line)) {
      out[current] += ` ${line.replace(/^#\s+/, '')}`;
    } else {
      current = null;
    }
  }
  return out;
}

describe('documented rules match the code', () => {
  it('the example config names each intent under the lowest role the intent asks for', () => {
    const lines = exampleRoleLines();
    expect(Object.keys(lines)).toEqual(['viewer', 'operator', 'admin']);
    for (const intent of allIntents) {
      const word = new RegExp(`(^|[\\s,+(])${intent.name}([\\s,)]|$)`);
      if (intent.minRole === null) {
        expect(read('deckhand.example.yaml')).toMatch(new RegExp(`#.*anyone.*\\b${intent.name}\\b`));
        continue;
      }
      const where = Object.entries(lines).filter(([, text]) => word.test(text)).map(([role]) => role);
      expect({ intent: intent.name, lines: where[0] }).toEqual({ intent: intent.name, lines: intent.minRole });
    }
    expect(lines.admin).toContain('--force');
  });

  it('the README lists each viewer intent before the operator ones and each operator intent after', () => {
    const readme = read('README.md');
    const roles = readme.slice(readme.indexOf('Roles: `viewer`'));
    const [viewerPart = '', rest = ''] = roles.split('`operator` also');
    const operatorPart = rest.split('`admin` also')[0]!;
    for (const intent of allIntents.filter((i) => i.minRole !== null)) {
      const part = intent.minRole === 'viewer' ? viewerPart : operatorPart;
      expect({ intent: intent.name, listed: part.includes(`\`${intent.name}\``) }).toEqual({ intent: intent.name, listed: true });
    }
  });

  it('.env.example and the README state the token rule the start-up check enforces', () => {
    const env = (token: string) => envSchema.safeParse({ DATABASE_URL: 'postgresql://x', TELEGRAM_BOT_TOKEN: token }).success;
    // The rule as documented: digits, a colon, then at least 20 of A-Z a-z 0-9 _ -.
    expect(env(`123456789:${'A'.repeat(20)}`)).toBe(true);
    expect(env(`123456789:${'A'.repeat(19)}`)).toBe(false);
    expect(env(`123456789:AA_-${'a0'.repeat(8)}`)).toBe(true);
    expect(env(`12345678a:${'A'.repeat(20)}`)).toBe(false);
    expect(env(`123456789:${'A'.repeat(19)}.`)).toBe(false);
    const rule = /digits, a colon, then at least 20 letters, digits, `?_`? or `?-`?\)/;
    expect(read('.env.example')).toMatch(rule);
    expect(read('.env.example')).toContain('@BotFather');
    expect(read('README.md').split('\n').find((l) => l.startsWith('| `TELEGRAM_BOT_TOKEN`'))).toMatch(rule);
  });
});
