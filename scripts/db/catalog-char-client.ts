/**
 * A pg Client for the migration tooling only.
 *
 * The schema engine describes a database by reading pg_catalog columns of PostgreSQL's internal one-byte
 * `"char"` type (OID 18, e.g. pg_class.relkind). @prisma/adapter-pg 7.10 has no mapping for OID 18 and fails
 * with "Column type 'char' could not be deserialized", which breaks `create` once a migration exists.
 * pg already returns such values as one-character strings, so reporting the column as `text` (OID 25) is
 * exact. Applied to every result this client returns.
 */
import pg from 'pg';

const PG_CHAR = 18;
const PG_TEXT = 25;

function relabel<T>(result: T): T {
  const results = Array.isArray(result) ? result : [result];
  for (const r of results as Array<{ fields?: Array<{ dataTypeID: number }> }>) {
    for (const field of r?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR) field.dataTypeID = PG_TEXT;
    }
  }
  return result;
}

type AnyFn = (...args: unknown[]) => unknown;

export class CatalogCharClient extends pg.Client {
  // pg's overloads (promise, callback, submittable) are preserved; only plain results are relabelled.
  override query(...args: unknown[]): never {
    const base = pg.Client.prototype.query as unknown as AnyFn;
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const cb = last as AnyFn;
      args[args.length - 1] = (err: unknown, res: unknown) => cb(err, err ? res : relabel(res));
      return base.apply(this, args) as never;
    }
    const out = base.apply(this, args);
    if (out instanceof Promise) return out.then(relabel) as never;
    return out as never;
  }
}
