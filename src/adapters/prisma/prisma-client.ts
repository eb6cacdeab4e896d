/** Builds the Prisma client on the pg driver adapter (no native query engine). */
import { setFlagsFromString } from 'node:v8';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, type Prisma } from '../../generated/prisma/client.js';
import { parseDatabaseTarget, poolConfigFor } from './database-target.js';
import { asStoreError } from './prisma-errors.js';

export type { PrismaClient };

/** What a repository queries: the client, or one interactive transaction's view of it (a unit of work). */
export type PrismaDb = Prisma.TransactionClient;

export interface PrismaClientOptions {
  /** PostgreSQL schema; wins over the URL's `?schema=`; default `public`. */
  schema?: string;
  /** Pool size (default 10). */
  poolMax?: number;
  /** Called for errors on idle pool connections (e.g. the server restarted); default: ignored. */
  onPoolError?: (err: Error) => void;
}

/** How long a query waits for a connection before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Prisma's query compiler is a WebAssembly module (1.7 MB: the size-optimized build, `compilerBuild` in
 * prisma/schema.prisma; the default build is 3.4 MB), compiled on the first query. V8's optimizing
 * tier (TurboFan) recompiles its hot functions in background threads and leaves ~50 MB of RSS behind
 * (measured: 151 → 101 MB for a process that only runs Prisma queries); the baseline tier (Liftoff) alone
 * compiles it with no measurable cost per query, whose time is the database round trip. The flag only
 * concerns WebAssembly, and Prisma's compiler is the process's only large module; it must be set before
 * the module is compiled, so it is set when this file loads.
 */
setFlagsFromString('--liftoff-only');

/**
 * `url` is a Prisma-style PostgreSQL URL (`?schema=name` allowed). Every pooled connection gets
 * `search_path` set to the schema, so the client's queries and raw SQL agree on where tables live.
 * Every query (model operations and raw SQL) that fails because PostgreSQL cannot be reached throws the
 * core's StoreUnavailableError, so every repository reports an outage the same way.
 * Call `$disconnect()` on shutdown (it also ends the pool).
 */
export function createPrismaClient(url: string, options: PrismaClientOptions = {}): PrismaClient {
  const target = parseDatabaseTarget(url, options.schema);
  const pool = new pg.Pool({ connectionTimeoutMillis: CONNECT_TIMEOUT_MS, ...poolConfigFor(target, options.poolMax ?? 10) });
  const adapter = new PrismaPg(pool, {
    schema: target.schema,
    disposeExternalPool: true,
    onPoolError: options.onPoolError ?? (() => {}),
  });
  const client = new PrismaClient({ adapter }).$extends({
    name: 'store-unavailable',
    query: {
      async $allOperations({ args, query }) {
        try {
          return await query(args);
        } catch (error) {
          throw asStoreError(error);
        }
      },
    },
  });
  // The extension only changes which error is thrown, so the client keeps PrismaClient's shape.
  return client as unknown as PrismaClient;
}
