/** deploy / status / create, built on the WebAssembly schema engine. Used by scripts/db/migrate.ts and tests. */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { HistoryDiagnostic, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { parseDatabaseTarget, type DatabaseTarget } from '../../src/adapters/prisma/database-target.js';
import { defaultPaths, readMigrationList, writeMigration } from './migrations-folder.js';
import { openSchemaEngine, withPanic, type EngineSession } from './schema-engine.js';

const migrationName = z.string().regex(/^[a-z0-9_]{1,80}$/, 'migration name: lowercase letters, digits and underscores');

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

export interface MigrateOptions {
  /** Prisma-style URL; `?schema=` selects the PostgreSQL schema. */
  url: string;
  /** Overrides the URL's `?schema=`. */
  schema?: string;
  migrationsDir?: string;
  schemaFile?: string;
}

interface Resolved {
  target: DatabaseTarget;
  migrationsDir: string;
  schemaFile: string;
}

function resolve(opts: MigrateOptions): Resolved {
  const paths = defaultPaths();
  return {
    target: parseDatabaseTarget(opts.url, opts.schema),
    migrationsDir: opts.migrationsDir ?? paths.migrationsDir,
    schemaFile: opts.schemaFile ?? paths.schemaFile,
  };
}

async function withEngine<T>(target: DatabaseTarget, schemaText: string | undefined, run: (s: EngineSession) => Promise<T>): Promise<T> {
  const session = await openSchemaEngine(target, schemaText);
  try {
    return await run(session);
  } catch (error) {
    throw withPanic(error);
  } finally {
    await session.close();
  }
}

/** Applies pending migrations (idempotent), recording them in `_prisma_migrations` like `prisma migrate deploy`. */
export async function migrateDeploy(opts: MigrateOptions): Promise<{ applied: string[] }> {
  const r = resolve(opts);
  const migrationsList = await readMigrationList(r.migrationsDir);
  return withEngine(r.target, undefined, async ({ engine }) => {
    const out = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
    return { applied: out.appliedMigrationNames };
  });
}

export interface MigrateStatus {
  migrations: string[];
  hasMigrationsTable: boolean;
  /** Null when the database is up to date with the folder. */
  history: HistoryDiagnostic | null;
  failed: string[];
  edited: string[];
}

/** Compares the migrations folder with the database, like `prisma migrate status`. */
export async function migrateStatus(opts: MigrateOptions): Promise<MigrateStatus> {
  const r = resolve(opts);
  const migrationsList = await readMigrationList(r.migrationsDir);
  return withEngine(r.target, undefined, async ({ engine }) => {
    const d = await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_FILTER });
    return {
      migrations: migrationsList.migrationDirectories.map((m) => m.path),
      hasMigrationsTable: d.hasMigrationsTable,
      history: d.history,
      failed: d.failedMigrationNames,
      edited: d.editedMigrationNames,
    };
  });
}

/** Prisma's migration folder prefix: UTC YYYYMMDDHHMMSS. */
export function migrationTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * Diffs the migrations folder against prisma/schema.prisma and writes a new migration folder, like
 * `prisma migrate dev --create-only` (the engine replays the folder on a temporary shadow database made
 * through the pg adapter, then drops it). Applies nothing. Returns the new file, or null when nothing changed.
 */
export async function migrateCreate(opts: MigrateOptions & { name: string; now?: Date }): Promise<string | null> {
  const r = resolve(opts);
  const name = migrationName.parse(opts.name);
  const schemaText = await readFile(r.schemaFile, 'utf8');
  const migrationsList = await readMigrationList(r.migrationsDir);
  const script = await withEngine(r.target, schemaText, async ({ engine }) => {
    const out = await engine.diff({
      from: migrationsList.migrationDirectories.length === 0 ? { tag: 'empty' } : { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [{ path: r.schemaFile, content: schemaText }] },
      script: true,
      exitCode: true,
      filters: NO_FILTER,
    });
    return out.exitCode === 2 ? out.stdout : null;
  });
  if (!script) return null;
  return writeMigration({
    baseDir: r.migrationsDir,
    name: `${migrationTimestamp(opts.now ?? new Date())}_${name}`,
    extension: 'sql',
    script,
    connectorType: 'postgresql',
  });
}
