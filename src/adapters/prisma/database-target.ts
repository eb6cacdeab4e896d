import { z } from 'zod';
import type pg from 'pg';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A PostgreSQL schema name we are willing to put into SQL: a plain identifier, no quoting games. */
export const pgSchemaName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'schema must be a plain identifier: letters, digits, underscore (max 63)');

const postgresUrl = z
  .string()
  .url()
  .refine((u) => /^postgres(ql)?:$/.test(new URL(u).protocol), 'DATABASE_URL must be a postgresql:// URL');

/** Where to connect and which PostgreSQL schema (search_path) to use. */
export interface DatabaseTarget {
  /** Connection string without the `schema` parameter (pg does not understand it). */
  connectionString: string;
  /** The PostgreSQL schema that holds Deckhand's tables. */
  schema: string;
}

/**
 * Reads a Prisma-style URL (`?schema=name` selects the PostgreSQL schema, default `public`).
 * An explicit `schema` argument wins over the URL parameter.
 */
export function parseDatabaseTarget(url: string, schema?: string): DatabaseTarget {
  const parsed = new URL(postgresUrl.parse(url));
  const fromUrl = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return {
    connectionString: parsed.toString(),
    schema: pgSchemaName.parse(schema ?? fromUrl ?? 'public'),
  };
}

/** pg pool settings that pin every connection's search_path to the target schema. */
export function poolConfigFor(target: DatabaseTarget, max = 10): pg.PoolConfig {
  return {
    connectionString: target.connectionString,
    options: `-c search_path="${target.schema}"`,
    max,
  };
}

/** The URL form (with `?schema=`) that createPrismaClient and the migrate script both accept. */
export function databaseUrlFor(target: DatabaseTarget): string {
  const url = new URL(target.connectionString);
  url.searchParams.set('schema', target.schema);
  return url.toString();
}
