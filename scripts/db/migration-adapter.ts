/**
 * The driver adapter factory handed to the schema engine: the pg adapter on the target schema, plus a
 * shadow database that really is a fresh database.
 *
 * PrismaPg's own connectToShadowDb copies the pool config and sets `database`, but pg lets a
 * `connectionString` override `database`, so with a URL config the "shadow" is the main database and
 * replaying migrations there would write into it. Here the shadow URL itself names the new database.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { poolConfigFor, type DatabaseTarget } from '../../src/adapters/prisma/database-target.js';
import { CatalogCharClient } from './catalog-char-client.js';

export interface MigrationAdapter {
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** Closes the main pool (shadow databases are dropped when the engine disposes them). */
  end(): Promise<void>;
}

function toolingPool(target: DatabaseTarget): pg.Pool {
  return new pg.Pool({ ...poolConfigFor(target, 2), Client: CatalogCharClient, allowExitOnIdle: true });
}

export function createMigrationAdapter(target: DatabaseTarget): MigrationAdapter {
  const pool = toolingPool(target);
  const main = new PrismaPg(pool, { schema: target.schema });
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: () => main.connect(),
    connectToShadowDb: () => connectShadow(pool, target),
  };
  return { factory, end: () => pool.end() };
}

async function connectShadow(admin: pg.Pool, target: DatabaseTarget): Promise<SqlDriverAdapter> {
  const database = `prisma_migrate_shadow_db_${randomUUID().replace(/-/g, '')}`;
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(target.connectionString);
  url.pathname = `/${database}`;
  const shadowTarget = { connectionString: url.toString(), schema: target.schema };
  const shadowPool = toolingPool(shadowTarget);
  const drop = async () => {
    await shadowPool.end();
    await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
  };
  try {
    await shadowPool.query(`CREATE SCHEMA IF NOT EXISTS "${target.schema}"`);
    const adapter = await new PrismaPg(shadowPool, { schema: target.schema }).connect();
    adapter.dispose = drop;
    return adapter;
  } catch (error) {
    await drop();
    throw error;
  }
}
