/**
 * A unit of work: a state change and the chat messages it causes, written together or not at all. Without
 * it a crash between the two loses the message (the incident opened, nobody told) or sends one for a change
 * that never happened. On PostgreSQL a unit is one transaction and its pushes are outbox rows in it, so they
 * are delivered once it commits and never when it rolls back.
 */
import type { AuditLog } from './audit.port.js';
import type { IncidentStore } from './incident.port.js';
import type { Notifier } from './notifier.port.js';
import type { HandoffLog } from './oncall.port.js';
import type { PendingActionStore } from './pending-action.port.js';

/** The stores as seen from inside one unit: what is written through them commits or rolls back together. */
export interface UnitStores {
  incidents: IncidentStore;
  pendingActions: PendingActionStore;
  handoffs: HandoffLog;
  /** Audit entries of the change (an action's end), written with it or not at all. */
  audit: AuditLog;
  /**
   * Pushes that are part of the unit: queued when it commits, dropped when it rolls back. Unlike the
   * notifier the use cases get outside a unit, a push that cannot be queued throws (and so ends the unit).
   */
  notifier: Notifier;
}

export interface UnitOfWork {
  /**
   * Runs `work` in one unit and commits what it wrote when it resolves; when it throws (or the commit fails)
   * nothing it wrote is kept and the error is rethrown. Keep the work short and free of slow calls (chat,
   * runtimes, HTTP): a transaction holds its rows while it is open.
   */
  run<T>(work: (stores: UnitStores) => Promise<T>): Promise<T>;
}
