import type { AuditLog } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { DeploymentStore } from '../ports/deployment.port.js';
import type { IncidentStore } from '../ports/incident.port.js';
import type { LockStore } from '../ports/lock.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Notifier } from '../ports/notifier.port.js';
import type { PendingActionStore } from '../ports/pending-action.port.js';
import type { RuntimeRegistry } from '../ports/runtime.port.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';
import type { HttpProbe } from '../ports/runtime.port.js';

export interface ActionSettings {
  /** How long a deploy lock lease lasts; renewed every third of it while the action runs. */
  lockLeaseMs: number;
  /** How long a unit brought to a new image or restarted may take to become healthy. */
  healthTimeoutMs: number;
  /** Without a healthcheck: how long a unit must keep running to count as healthy. */
  healthGraceMs: number;
}

/** Everything the action processor, the recovery and the sweeper need: ports only, no BullMQ. */
export interface ActionRunDeps {
  pendingActions: PendingActionStore;
  deployments: DeploymentStore;
  locks: LockStore;
  runtimes: RuntimeRegistry;
  notifier: Notifier;
  /** Ends an action and queues its result message and announcement together. */
  unit: UnitOfWork;
  clock: Clock;
  logger: Logger;
  settings: ActionSettings;
  audit?: AuditLog;
  /** The HTTP probe configured for a service, checked after its container is healthy. */
  probeFor?: (project: string, env: string, service: string) => HttpProbe | undefined;
  /** Display name of a person id (defaults to the id). */
  personName?: (personId: string) => string;
  /** The project's time zone, in which a lock's time is told (defaults to UTC). */
  timeZone?: (project: string) => string;
  /** Open incidents of the project get an entry when a deploy starts and when any action ends. */
  incidents?: IncidentStore;
}

/** How an action ended: the pending action's final status, the deployments' status and a short text. */
export interface ActionOutcome {
  status: 'succeeded' | 'failed' | 'refused';
  deployments: 'succeeded' | 'failed' | 'rolled_back' | null;
  /** Per service where they differ (a promotion stopped part-way); `deployments` for the others. */
  byService?: Record<string, 'succeeded' | 'failed' | 'rolled_back'>;
  /** One or two chat-safe sentences. */
  result: string;
}
