import type { AuditLog } from '../core/ports/audit.port.js';
import type { Clock } from '../core/ports/clock.port.js';
import type { DeploymentStore } from '../core/ports/deployment.port.js';
import type { IncidentStore } from '../core/ports/incident.port.js';
import type { LockStore } from '../core/ports/lock.port.js';
import type { Logger } from '../core/ports/logger.port.js';
import type { Notifier } from '../core/ports/notifier.port.js';
import type { PendingActionStore } from '../core/ports/pending-action.port.js';
import type { RuntimeRegistry } from '../core/ports/runtime.port.js';
import type { HttpProbe } from './http-probe.js';

export interface ActionSettings {
  /** How long a deploy lock lease lasts; renewed every third of it while the action runs. */
  lockLeaseMs: number;
  /** How long a replaced or restarted container may take to become healthy. */
  healthTimeoutMs: number;
  /** Without a healthcheck: how long a container must keep running to count as healthy. */
  healthGraceMs: number;
}

/** Everything the action processor, the recovery and the sweeper need: ports only, no BullMQ. */
export interface ActionRunDeps {
  pendingActions: PendingActionStore;
  deployments: DeploymentStore;
  locks: LockStore;
  runtimes: RuntimeRegistry;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  settings: ActionSettings;
  audit?: AuditLog;
  /** The HTTP probe configured for a service, checked after its container is healthy. */
  probeFor?: (project: string, env: string, service: string) => HttpProbe | undefined;
  /** Display name of a person id (defaults to the id). */
  personName?: (personId: string) => string;
  /** Open incidents of the project get an entry when a deploy starts and when any action ends. */
  incidents?: IncidentStore;
}

/** How an action ended: the pending action's final status, the deployments' status and a short text. */
export interface ActionOutcome {
  status: 'succeeded' | 'failed' | 'refused';
  deployments: 'succeeded' | 'failed' | 'rolled_back' | null;
  /** One or two chat-safe sentences. */
  result: string;
}
