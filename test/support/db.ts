/**
 * A private PostgreSQL schema per test file, migrated with the project's own migrate code
 * (scripts/db), so integration tests run in parallel without seeing each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_DATABASE_URL, databaseUrlFor, parseDatabaseTarget, poolConfigFor } from '../../src/adapters/prisma/database-target.js';
import { createPrismaClient, type PrismaClient } from '../../src/adapters/prisma/prisma-client.js';
import { migrateDeploy } from '../../scripts/db/migrate-commands.js';

export interface TestDatabase {
  /** Prisma-style URL including `?schema=`. */
  url: string;
  schema: string;
  prisma: PrismaClient;
  /** A plain pg pool on the same schema, for assertions the repositories do not expose. */
  pool: pg.Pool;
  /** Disconnects and drops the schema with everything in it. */
  drop(): Promise<void>;
}

export const baseDatabaseUrl = (): string => process.env['DATABASE_URL'] || DEFAULT_DATABASE_URL;

/** A fresh, unique schema name: `t_<name>_<random>` (name squeezed to an identifier). */
export function uniqueSchemaName(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 30) || 'db';
  return `t_${slug}_${randomBytes(4).toString('hex')}`;
}

/** A unique schema without any tables (the migration check tests need one). */
export async function createEmptySchema(name: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = uniqueSchemaName(name);
  const target = parseDatabaseTarget(baseDatabaseUrl(), schema);
  const admin = new pg.Client({ connectionString: target.connectionString });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.end();
  }
  return { url: databaseUrlFor(target), schema, drop: () => dropSchema(target.connectionString, schema) };
}

export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}

/** Creates and migrates a unique schema; call `drop()` in afterAll. */
export async function createTestDatabase(name: string): Promise<TestDatabase> {
  const empty = await createEmptySchema(name);
  try {
    await migrateDeploy({ url: empty.url });
  } catch (error) {
    await empty.drop();
    throw error;
  }
  const target = parseDatabaseTarget(empty.url);
  const prisma = createPrismaClient(empty.url, { poolMax: 5 });
  const pool = new pg.Pool(poolConfigFor(target, 2));
  return {
    url: empty.url,
    schema: empty.schema,
    prisma,
    pool,
    drop: async () => {
      await prisma.$disconnect();
      await pool.end();
      await empty.drop();
    },
  };
}
