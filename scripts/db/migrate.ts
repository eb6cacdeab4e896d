/**
 * Offline stand-in for `prisma migrate deploy|status` and `prisma migrate dev --create-only`, running Prisma's
 * WebAssembly schema engine through the pg driver adapter (no native engine download).
 *
 *   node --import tsx scripts/db/migrate.ts deploy            apply pending migrations (idempotent)
 *   node --import tsx scripts/db/migrate.ts status            exit 1 unless the database is up to date
 *   node --import tsx scripts/db/migrate.ts create <name>     new migration from prisma/schema.prisma
 *   ... --schema <pg schema>                                   target schema (else DATABASE_URL ?schema=, else public)
 *
 * DATABASE_URL defaults to postgresql://postgres@127.0.0.1:5432/postgres.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from '../../src/adapters/prisma/database-target.js';
import { migrateCreate, migrateDeploy, migrateStatus, type MigrateOptions, type MigrateStatus } from './migrate-commands.js';

const USAGE = 'usage: migrate.ts deploy | status | create <name>  [--schema <pg schema>]';

const cli = z.discriminatedUnion('command', [
  z.object({ command: z.literal('deploy') }),
  z.object({ command: z.literal('status') }),
  z.object({ command: z.literal('create'), name: z.string().min(1, 'create needs a migration name') }),
]);

function describeStatus(s: MigrateStatus): { text: string; upToDate: boolean } {
  const lines = [`${s.migrations.length} migration(s) found in prisma/migrations`];
  if (s.failed.length) lines.push(`failed migrations: ${s.failed.join(', ')}`);
  if (s.edited.length) lines.push(`edited after being applied: ${s.edited.join(', ')}`);
  const h = s.history;
  if (h?.diagnostic === 'databaseIsBehind') {
    lines.push(`not yet applied: ${h.unappliedMigrationNames.join(', ')}`, 'run: npm run db:migrate');
  } else if (h?.diagnostic === 'migrationsDirectoryIsBehind') {
    lines.push(`applied in the database but missing locally: ${h.unpersistedMigrationNames.join(', ')}`);
  } else if (h?.diagnostic === 'historiesDiverge') {
    lines.push(`histories diverge after ${h.lastCommonMigrationName ?? '(start)'}`);
  }
  const upToDate = h === null && s.failed.length === 0;
  if (upToDate) lines.push('Database schema is up to date!');
  return { text: lines.join('\n'), upToDate };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { schema: { type: 'string' } } });
  const parsed = cli.safeParse({ command: positionals[0], name: positionals[1] });
  if (!parsed.success) {
    console.error(USAGE);
    return 2;
  }
  const opts: MigrateOptions = { url: process.env['DATABASE_URL'] || DEFAULT_DATABASE_URL, schema: values.schema };
  const cmd = parsed.data;
  if (cmd.command === 'deploy') {
    const { applied } = await migrateDeploy(opts);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations to apply.');
    return 0;
  }
  if (cmd.command === 'status') {
    const { text, upToDate } = describeStatus(await migrateStatus(opts));
    console.log(text);
    return upToDate ? 0 : 1;
  }
  const file = await migrateCreate({ ...opts, name: cmd.name });
  console.log(file ? `Created ${file}` : 'Schema and migrations are in sync: no migration created.');
  return 0;
}

// Exit explicitly: the wasm engine leaves a 10 s internal timer pending after its work is done.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof z.ZodError ? error.issues.map((i) => i.message).join('; ')
      : error instanceof Error ? error.message : String(error);
    console.error(`migrate failed: ${message}`);
    process.exit(1);
  },
);
