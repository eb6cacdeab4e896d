import { StoreUnavailableError } from '../../src/core/ports/store-errors.js';

/**
 * `store` as its database adapter behaves during an outage: while `isDown()` every method rejects with
 * StoreUnavailableError (as the Prisma repositories do when PostgreSQL cannot be reached) and changes nothing.
 */
export function unavailableWhile<T extends object>(store: T, isDown: () => boolean): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (isDown()) return Promise.reject(new StoreUnavailableError('database'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
