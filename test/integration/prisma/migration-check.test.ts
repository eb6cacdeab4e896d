import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDatabaseTarget, poolConfigFor } from '../../../src/adapters/prisma/database-target.js';
import {
  assertMigrationsApplied,
  defaultMigrationsDir,
  listMigrationNames,
  MigrationsNotAppliedError,
} from '../../../src/adapters/prisma/migration-check.js';
import { createPrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { migrateDeploy } from '../../../scripts/db/migrate-commands.js';
import { createEmptySchema } from '../../support/db.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function emptySchema(name: string) {
  const s = await createEmptySchema(name);
  cleanups.push(s.drop);
  const prisma = createPrismaClient(s.url, { poolMax: 2 });
  cleanups.push(() => prisma.$disconnect());
  return { ...s, prisma };
}

describe('assertMigrationsApplied', () => {
  it('fails on an empty schema, naming every missing migration and the command that applies them', async () => {
    const { prisma } = await emptySchema('check_empty');
    const expected = await listMigrationNames(defaultMigrationsDir());
    expect(expected.length).toBeGreaterThan(0);

    const error = await assertMigrationsApplied(prisma).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationsNotAppliedError);
    expect((error as MigrationsNotAppliedError).missing).toEqual(expected);
    for (const name of expected) expect((error as Error).message).toContain(name);
    expect((error as Error).message).toContain('`npm run db:migrate`');
  });

  it('passes once the migrations are applied (Prisma client and plain pg pool alike)', async () => {
    const { url, prisma } = await emptySchema('check_migrated');
    await migrateDeploy({ url });
    await expect(assertMigrationsApplied(prisma)).resolves.toBeUndefined();

    const pool = new pg.Pool(poolConfigFor(parseDatabaseTarget(url), 1));
    cleanups.push(() => pool.end());
    await expect(assertMigrationsApplied(pool)).resolves.toBeUndefined();
  });

  it('treats a failed or rolled-back migration as not applied', async () => {
    const { url, prisma } = await emptySchema('check_failed');
    await migrateDeploy({ url });
    const [first] = await listMigrationNames(defaultMigrationsDir());
    await prisma.$executeRawUnsafe(
      `UPDATE "_prisma_migrations" SET finished_at = NULL WHERE migration_name = $1`,
      first,
    );
    await expect(assertMigrationsApplied(prisma)).rejects.toThrow(/Failed and not rolled back: .*npm run db:migrate/);

    await prisma.$executeRawUnsafe(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, first);
    await expect(assertMigrationsApplied(prisma)).rejects.toThrow(`missing 1 migration(s): ${first}.`);
  });

  it('reports a migration folder added after deploy as missing', async () => {
    const { url, prisma } = await emptySchema('check_newer');
    await migrateDeploy({ url });
    const { mkdtemp, cp, mkdir } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(tmpdir(), 'deckhand-migrations-'));
    await cp(defaultMigrationsDir(), dir, { recursive: true });
    await mkdir(path.join(dir, '29990101000000_later'));
    await expect(assertMigrationsApplied(prisma, { migrationsDir: dir })).rejects.toThrow(/29990101000000_later/);
  });
});
