/** Recognising PostgreSQL/Prisma errors the repositories turn into domain answers (and into StoreUnavailableError). */
import { StoreUnavailableError } from '../../core/ports/store-errors.js';
import { Prisma } from '../../generated/prisma/client.js';

/** A unique or primary key violation (Prisma P2002, or PostgreSQL 23505 from raw SQL). */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === 'P2002') return true;
    const meta = error.meta as { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } } | undefined;
    const cause = meta?.driverAdapterError?.cause;
    return meta?.code === '23505' || cause?.originalCode === '23505' || cause?.kind === 'UniqueConstraintViolation';
  }
  const e = error as { code?: unknown; cause?: { originalCode?: unknown } } | null;
  return e?.code === '23505' || e?.cause?.originalCode === '23505';
}

/** Runs `attempt` with fresh random ids until one does not collide (collisions are astronomically rare). */
export async function withFreshId<T>(newId: () => string, attempt: (id: string) => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt(newId());
    } catch (error) {
      if (i >= tries || !isUniqueViolation(error)) throw error;
    }
  }
}

/** Prisma codes for a server that cannot be reached, timed out, or closed the connection (P1xxx), or an exhausted pool (P2024). */
const UNREACHABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** What the pg driver adapter reports for a lost or refused connection. */
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** PostgreSQL: connection exceptions (08…), shutting down or starting up (57P01–57P03), too many connections. */
const UNREACHABLE_SQLSTATE = /^(08|57P0[123]$|53300$)/;
/** Node and pg messages for a connection that was refused, reset, timed out or ended under a query. */
const UNREACHABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|Can't reach database server|Connection terminated|timeout exceeded when trying to connect|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|Client has encountered a connection error/i;

/**
 * Whether `error` says PostgreSQL cannot be reached right now (rather than that the query was wrong): the
 * server is down, restarting, refuses connections, or the connection was lost or timed out.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (UNREACHABLE_CODES.has(error.code)) return true;
    const meta = error.meta as { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } } | undefined;
    const cause = meta?.driverAdapterError?.cause;
    if (typeof cause?.kind === 'string' && UNREACHABLE_KINDS.has(cause.kind)) return true;
    if (typeof cause?.originalCode === 'string' && UNREACHABLE_SQLSTATE.test(cause.originalCode)) return true;
    return UNREACHABLE_MESSAGE.test(error.message);
  }
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && (UNREACHABLE_SQLSTATE.test(e.code) || /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)$/.test(e.code))) return true;
  return typeof e?.message === 'string' && UNREACHABLE_MESSAGE.test(e.message);
}

/** `error` as the core's StoreUnavailableError when PostgreSQL cannot be reached; any other error unchanged. */
export function asStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isDatabaseUnreachable(error)) return error;
  return new StoreUnavailableError('database', { cause: error });
}
