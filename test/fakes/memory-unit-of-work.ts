/**
 * UnitOfWork over the in-memory fakes: units run one at a time, and a unit that throws puts every store it
 * was given (and the notifier's record) back as it was before the unit began, like a rolled-back transaction.
 */
import type { Notifier } from '../../src/core/ports/notifier.port.js';
import type { UnitOfWork, UnitStores } from '../../src/core/ports/unit-of-work.port.js';
import { MemoryAuditLog } from './memory-audit.js';
import { MemoryIncidentStore } from './memory-incidents.js';
import { MemoryHandoffLog } from './memory-oncall.js';
import { MemoryPendingActionStore, RecordingNotifier } from './memory-stores.js';

export class MemoryUnitOfWork implements UnitOfWork {
  readonly stores: UnitStores;
  /** Units run so far, committed or not. */
  runs = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    stores: Partial<UnitStores> & { notifier?: Notifier } = {},
    /** Further fakes the unit's writes reach (a MemoryOutbox under a DeliveryQueue notifier), restored too. */
    private readonly alsoRestored: readonly object[] = [],
  ) {
    this.stores = {
      incidents: stores.incidents ?? new MemoryIncidentStore(),
      pendingActions: stores.pendingActions ?? new MemoryPendingActionStore(),
      handoffs: stores.handoffs ?? new MemoryHandoffLog(),
      audit: stores.audit ?? new MemoryAuditLog(),
      notifier: stores.notifier ?? new RecordingNotifier(),
    };
  }

  run<T>(work: (stores: UnitStores) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      this.runs += 1;
      const restores = [...Object.values(this.stores), ...this.alsoRestored].map(snapshot);
      try {
        return await work(this.stores);
      } catch (error) {
        for (const restore of restores) restore();
        throw error;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

type State = Map<unknown, unknown> | Set<unknown> | unknown[];

/** Rows are kept in collections; flags (`failNext`) and counters are not state a rollback undoes (nor are PostgreSQL's sequences). */
const isState = (v: unknown): v is State => v instanceof Map || v instanceof Set || Array.isArray(v);

/** Copies a fake's rows (its maps, sets and arrays) and returns what puts them back in place. */
function snapshot(store: object): () => void {
  const fields = store as Record<string, unknown>;
  const saved = Object.entries(fields).flatMap(([name, value]) => (isState(value) ? [[name, structuredClone(value)] as const] : []));
  return () => {
    for (const [name, copy] of saved) {
      const current = fields[name];
      if (current instanceof Map && copy instanceof Map) {
        current.clear();
        for (const [k, v] of copy) current.set(k, v);
      } else if (current instanceof Set && copy instanceof Set) {
        current.clear();
        for (const v of copy) current.add(v);
      } else if (Array.isArray(current) && Array.isArray(copy)) {
        current.splice(0, current.length, ...copy);
      }
    }
  };
}
