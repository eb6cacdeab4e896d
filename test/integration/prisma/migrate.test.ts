import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { defaultPaths } from '../../../scripts/db/migrations-folder.js';
import { migrateCreate, migrateDeploy, migrateStatus } from '../../../scripts/db/migrate-commands.js';
import { createEmptySchema, createTestDatabase, type TestDatabase } from '../../support/db.js';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('migrate'); // already deployed once
});
afterAll(() => db?.drop());

describe('migrate deploy', () => {
  it('records every migration in _prisma_migrations as prisma migrate deploy does', async () => {
    const { migrationsDir } = defaultPaths();
    const names = (await readdir(migrationsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    const { rows } = await db.pool.query(
      'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(names.sort());
    for (const row of rows) {
      const script = await readFile(path.join(migrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(script).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('is a no-op the second time', async () => {
    const before = await db.pool.query('SELECT id, finished_at FROM _prisma_migrations ORDER BY id');
    expect(await migrateDeploy({ url: db.url })).toEqual({ applied: [] });
    const after = await db.pool.query('SELECT id, finished_at FROM _prisma_migrations ORDER BY id');
    expect(after.rows).toEqual(before.rows);
  });

  it('creates the tables only in the target schema', async () => {
    const { rows } = await db.pool.query(
      `SELECT table_schema FROM information_schema.tables WHERE table_name = 'audit_log' AND table_schema = $1`,
      [db.schema],
    );
    expect(rows).toHaveLength(1);
  });
});

describe('migrate status', () => {
  it('reports pending migrations on an empty schema and none after deploy', async () => {
    const empty = await createEmptySchema('status');
    try {
      const before = await migrateStatus({ url: empty.url });
      expect(before.history).toEqual({ diagnostic: 'databaseIsBehind', unappliedMigrationNames: before.migrations });
      await migrateDeploy({ url: empty.url });
      expect((await migrateStatus({ url: empty.url })).history).toBeNull();
    } finally {
      await empty.drop();
    }
  });
});

describe('migrate create', () => {
  it('writes a new migration for a schema change and nothing when in sync', async () => {
    const target = await createEmptySchema('create');
    onTestFinished(() => target.drop());
    const work = await mkdtemp(path.join(tmpdir(), 'deckhand-create-'));
    const { migrationsDir, schemaFile } = defaultPaths();
    await cp(migrationsDir, path.join(work, 'migrations'), { recursive: true });
    const opts = { url: target.url, migrationsDir: path.join(work, 'migrations'), schemaFile: path.join(work, 'schema.prisma') };

    await cp(schemaFile, opts.schemaFile);
    expect(await migrateCreate({ ...opts, name: 'noop' })).toBeNull();

    const schema = await readFile(schemaFile, 'utf8');
    await writeFile(opts.schemaFile, schema.replace('  @@index([at])', '  traceId String? @map("trace_id")\n\n  @@index([at])'));
    const file = await migrateCreate({ ...opts, name: 'add_trace_id', now: new Date('2030-01-02T03:04:05Z') });
    expect(file).toBe(path.join(opts.migrationsDir, '20300102030405_add_trace_id', 'migration.sql'));
    expect(await readFile(file!, 'utf8')).toContain('ALTER TABLE "audit_log" ADD COLUMN     "trace_id" TEXT;');
    expect(await readFile(path.join(opts.migrationsDir, 'migration_lock.toml'), 'utf8')).toContain('provider = "postgresql"');

    // The folder, old migrations plus the new one, deploys cleanly.
    const { applied } = await migrateDeploy(opts);
    expect(applied.at(-1)).toBe('20300102030405_add_trace_id');
    expect(await migrateCreate({ ...opts, name: 'again' })).toBeNull();
  });
});

describe('scripts/db/migrate.ts (the CLI)', () => {
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/db/migrate.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: db.url },
    });

  it('status exits 0 on an up-to-date schema', async () => {
    const { stdout } = await cli('status');
    expect(stdout).toContain('Database schema is up to date!');
  });

  it('deploy into another schema given with --schema, then status there', async () => {
    const empty = await createEmptySchema('cli');
    try {
      const status = await cli('status', '--schema', empty.schema).catch((e: { code: number; stdout: string }) => e);
      expect(status).toMatchObject({ code: 1 });
      expect((status as { stdout: string }).stdout).toContain('run: npm run db:migrate');
      const { stdout } = await cli('deploy', '--schema', empty.schema);
      expect(stdout).toMatch(/^Applied: \d{14}_init/);
    } finally {
      await empty.drop();
    }
  });

  it('refuses an unknown command with usage and exit code 2', async () => {
    await expect(cli('explode')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
  });
});
