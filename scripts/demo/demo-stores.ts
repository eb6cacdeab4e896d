/** The demo's PostgreSQL database and a Redis check, each failure as one sentence naming what to start. */
import { Redis } from 'ioredis';
import pg from 'pg';
import { parseDatabaseTarget } from '../../src/adapters/prisma/database-target.js';
import { migrateDeploy } from '../db/migrate-commands.js';
import { DemoError } from './demo-engine.js';

const NOT_RUNNING = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOENT']);

function where(url: URL): string {
  return `${url.hostname}:${url.port || 5432}`;
}

function databaseName(url: URL): string {
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/.test(name)) throw new DemoError(`DATABASE_URL must name a database of letters, digits, _ or - (got "${name}").`);
  return name;
}

/** A client on the server's `postgres` database, to create or drop the demo's own. */
async function maintenanceClient(databaseUrl: string): Promise<{ client: pg.Client; name: string; url: URL }> {
  const url = new URL(parseDatabaseTarget(databaseUrl).connectionString);
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (NOT_RUNNING.has(code) || /timeout/i.test(String((err as Error).message))) {
      throw new DemoError(`PostgreSQL is not reachable at ${where(url)}: start it, or set DATABASE_URL.`);
    }
    throw new DemoError(`PostgreSQL at ${where(url)} refused the connection (${(err as Error).message}): check DATABASE_URL.`);
  }
  return { client, name, url };
}

/** Creates the database DATABASE_URL names when it does not exist. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { client, name } = await maintenanceClient(databaseUrl);
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } catch (err) {
    throw new DemoError(`Could not create the database ${name}: ${(err as Error).message}.`);
  } finally {
    await client.end();
  }
}

/** Drops the demo database; false when PostgreSQL is not reachable or the database is not there. */
export async function dropDatabase(databaseUrl: string): Promise<boolean> {
  const opened = await maintenanceClient(databaseUrl).catch(() => undefined);
  if (!opened) return false;
  try {
    const { rowCount } = await opened.client.query('SELECT 1 FROM pg_database WHERE datname = $1', [opened.name]);
    if (!rowCount) return false;
    await opened.client.query(`DROP DATABASE "${opened.name}" WITH (FORCE)`);
    return true;
  } finally {
    await opened.client.end();
  }
}

export async function migrate(databaseUrl: string): Promise<string[]> {
  try {
    return (await migrateDeploy({ url: databaseUrl })).applied;
  } catch (err) {
    throw new DemoError(`Applying the migrations failed: ${err instanceof Error ? err.message : String(err)}.`);
  }
}

export async function pingRedis(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  const at = (() => {
    try {
      const u = new URL(redisUrl);
      return `${u.hostname}:${u.port || 6379}`;
    } catch {
      return redisUrl;
    }
  })();
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new DemoError(`Redis is not reachable at ${at}: start it, or set REDIS_URL.`);
  } finally {
    redis.disconnect();
  }
}
