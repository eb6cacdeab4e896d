/** Recognising PostgreSQL/Prisma errors the repositories turn into domain answers. */
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
