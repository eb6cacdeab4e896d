/**
 * The layer rules, checked on the source: the core imports no SDK, driver or outer layer and names no chat
 * platform; adapters and jobs never import each other; core/intents holds intents only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { platformIds } from '../../src/adapters/platforms.js';

interface SourceFile {
  /** Repository-relative, with forward slashes: `src/core/intents/help.intent.ts`. */
  path: string;
  text: string;
}

const CORE_FORBIDDEN_PACKAGES = [/^grammy(\/|$)/, /^@slack\//, /^@prisma\/client(\/|$)/, /^bullmq$/, /^ioredis$/, /^dockerode$/, /^@kubernetes\/client-node$/, /^(node:)?http$/];
const CORE_FORBIDDEN_DIRS = ['src/adapters/', 'src/jobs/', 'src/bot/', 'src/generated/'];
const INTENTS_DIR = 'src/core/intents/';
const INTENT_FILE = /^([a-z0-9-]+\.intent|intent|index)\.ts$/;
/** A quoted registered platform id (`'slack'`), so a new platform's name is caught in the core too. */
const PLATFORM_LITERAL = new RegExp(`(['"\`])(${platformIds.join('|')})\\1`);

/** Every module a file imports or re-exports (static or dynamic): a package name or a repository path. */
function importsOf(file: SourceFile): string[] {
  const specifiers = [...file.text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\1/g)].map((m) => m[2]!);
  return specifiers.map((s) => (s.startsWith('.') ? posix.join(posix.dirname(file.path), s) : s));
}

function layerViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const within = (dir: string) => file.path.startsWith(dir);
    for (const target of importsOf(file)) {
      const into = (dir: string) => target.startsWith(dir);
      if (within('src/core/') && (CORE_FORBIDDEN_PACKAGES.some((p) => p.test(target)) || CORE_FORBIDDEN_DIRS.some(into))) out.push(`${file.path} imports ${target}`);
      if (within('src/adapters/') && into('src/jobs/')) out.push(`${file.path} imports ${target}`);
      if (within('src/jobs/') && into('src/adapters/')) out.push(`${file.path} imports ${target}`);
    }
    const literal = within('src/core/') ? PLATFORM_LITERAL.exec(file.text) : null;
    if (literal) out.push(`${file.path} names the platform ${literal[0]}`);
    const inIntents = within(INTENTS_DIR) ? file.path.slice(INTENTS_DIR.length) : undefined;
    if (inIntents !== undefined && (inIntents.includes('/') || !INTENT_FILE.test(inIntents))) out.push(`${file.path} is not an intent`);
  }
  return out;
}

function sourceTree(root: string, dir: string): SourceFile[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceTree(root, path);
    return entry.name.endsWith('.ts') ? [{ path, text: readFileSync(join(root, path), 'utf8') }] : [];
  });
}

const ROOT = join(dirname(new URL(import.meta.url).pathname), '../..');

describe('layers', () => {
  it('hold in src/', () => {
    const files = sourceTree(ROOT, 'src').filter((f) => !f.path.startsWith('src/generated/'));
    expect(files.length).toBeGreaterThan(100);
    expect(files.map((f) => f.path)).toContain('src/core/intents/intent.ts');
    expect(layerViolations(files)).toEqual([]);
  });

  it('are broken by each kind of forbidden import, platform name or stray file', () => {
    const file = (path: string, text: string) => ({ path, text });
    expect(
      layerViolations([
        file('src/core/a.ts', "import { Bot } from 'grammy';"),
        file('src/core/b.ts', "import type { App } from '@slack/bolt';"),
        file('src/core/c.ts', "const { PrismaClient } = await import('@prisma/client');"),
        file('src/core/d.ts', "import { createServer } from 'node:http';"),
        file('src/core/incidents/e.ts', "export { x } from '../../adapters/prisma/x.js';"),
        file('src/core/f.ts', "import { escalationSweeper } from '../jobs/escalation.sweeper.js';"),
        file('src/core/g.ts', "import type { Env } from '../bot/env.js';"),
        file('src/core/h.ts', "import type { PrismaClient } from '../generated/prisma/client.js';"),
        file('src/adapters/http/i.ts', "import { periodic } from '../../jobs/periodic.js';"),
        file('src/jobs/j.ts', "import { PrismaLockStore } from '../adapters/prisma/lock.repository.js';"),
        file('src/core/k.ts', "if (event.platform === 'slack') return;"),
        file('src/core/intents/oncall-override.ts', ''),
        file('src/core/intents/helpers/help.intent.ts', ''),
      ]),
    ).toEqual([
      'src/core/a.ts imports grammy',
      'src/core/b.ts imports @slack/bolt',
      'src/core/c.ts imports @prisma/client',
      'src/core/d.ts imports node:http',
      'src/core/incidents/e.ts imports src/adapters/prisma/x.js',
      'src/core/f.ts imports src/jobs/escalation.sweeper.js',
      'src/core/g.ts imports src/bot/env.js',
      'src/core/h.ts imports src/generated/prisma/client.js',
      'src/adapters/http/i.ts imports src/jobs/periodic.js',
      'src/jobs/j.ts imports src/adapters/prisma/lock.repository.js',
      "src/core/k.ts names the platform 'slack'",
      'src/core/intents/oncall-override.ts is not an intent',
      'src/core/intents/helpers/help.intent.ts is not an intent',
    ]);
  });

  it('catch every registered platform id quoted in the core, in any quotes', () => {
    const quotes = ["'", '"', '`'];
    const files = platformIds.flatMap((id) => quotes.map((q, i) => ({ path: `src/core/${id}-${i}.ts`, text: `const p = ${q}${id}${q};` })));
    expect(layerViolations(files)).toEqual(platformIds.flatMap((id) => quotes.map((q, i) => `src/core/${id}-${i}.ts names the platform ${q}${id}${q}`)));
    expect(layerViolations([{ path: 'src/core/m.ts', text: "const p = 'telegrams'; // slack" }])).toEqual([]);
  });

  it('let the core import its own modules and libraries it may use', () => {
    const ok = [
      { path: 'src/core/intents/help.intent.ts', text: "import { z } from 'zod';\nimport { hasRole } from '../domain/access.js';" },
      { path: 'src/adapters/bullmq/x.ts', text: "import { Queue } from 'bullmq';\nimport type { ActionQueue } from '../../core/ports/action-queue.port.js';" },
      { path: 'src/jobs/x.ts', text: "import { escalation } from '../core/incidents/escalation.js';" },
    ];
    expect(layerViolations(ok)).toEqual([]);
  });
});
