/**
 * Startup guard: refuses to run against a database that lacks any migration in prisma/migrations,
 * with a message that says exactly what is missing and how to fix it.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { PrismaClient } from '../../generated/prisma/client.js';

export const MIGRATE_COMMAND = 'npm run db:migrate';

export class MigrationsNotAppliedError extends Error {
  override readonly name = 'MigrationsNotAppliedError';
  constructor(readonly missing: string[], readonly failed: string[]) {
    const parts = [`The database is missing ${missing.length} migration(s): ${missing.join(', ')}.`];
    if (failed.length) parts.push(`Failed and not rolled back: ${failed.join(', ')} (fix the database, then mark it rolled back).`);
    parts.push(`Apply them with \`${MIGRATE_COMMAND}\` (same DATABASE_URL as the bot), then start Deckhand again.`);
    super(parts.join(' '));
  }
}

/** prisma/migrations, found by walking up from this file (works from src/ and from dist/src/). */
export function defaultMigrationsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('prisma/migrations not found; pass migrationsDir');
    dir = parent;
  }
}

export async function listMigrationNames(migrationsDir: string): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort((a, b) => a.localeCompare(b));
}

interface MigrationRow {
  migration_name: string;
  finished: boolean;
  rolled_back: boolean;
}

const ROWS_SQL =
  'SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations"';

type Db = PrismaClient | pg.Pool;

/** Reads `_prisma_migrations` in the connection's search_path; a missing table means nothing is applied. */
async function appliedRows(db: Db): Promise<MigrationRow[]> {
  try {
    if ('$queryRawUnsafe' in db) return await db.$queryRawUnsafe<MigrationRow[]>(ROWS_SQL);
    return (await db.query<MigrationRow>(ROWS_SQL)).rows;
  } catch (error) {
    if (isUndefinedTable(error)) return [];
    throw error;
  }
}

function isUndefinedTable(error: unknown): boolean {
  const e = error as { code?: unknown; meta?: { code?: unknown }; cause?: { originalCode?: unknown }; message?: unknown };
  if (e?.code === '42P01' || e?.meta?.code === '42P01' || e?.cause?.originalCode === '42P01') return true;
  return typeof e?.message === 'string' && /_prisma_migrations.*does not exist|TableDoesNotExist/.test(e.message);
}

/**
 * Throws MigrationsNotAppliedError unless every folder in prisma/migrations has a finished,
 * not-rolled-back row in `_prisma_migrations`.
 */
export async function assertMigrationsApplied(db: Db, options: { migrationsDir?: string } = {}): Promise<void> {
  const expected = await listMigrationNames(options.migrationsDir ?? defaultMigrationsDir());
  const rows = await appliedRows(db);
  const applied = new Set(rows.filter((r) => r.finished && !r.rolled_back).map((r) => r.migration_name));
  const failed = rows.filter((r) => !r.finished && !r.rolled_back).map((r) => r.migration_name);
  const missing = expected.filter((name) => !applied.has(name));
  if (missing.length > 0 || failed.length > 0) throw new MigrationsNotAppliedError(missing, failed);
}
