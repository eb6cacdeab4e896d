/**
 * What the core's use cases may use: the catalog, the ports and the limits. Intents, pipeline middlewares,
 * reports and action runners all take these; none of them owns the type.
 */
import type { OutageClicks } from './actions/outage-clicks.js';
import type { ChangeSources } from './deploys/deploy-changes.js';
import type { Catalog } from './domain/catalog.js';
import type { FaqCatalog } from './faq/faq-catalog.js';
import type { RecurringFreeze } from './domain/freeze.js';
import type { IncidentSettings } from './incidents/incident-settings.js';
import type { ActionQueue } from './ports/action-queue.port.js';
import type { ActionScheduler } from './ports/action-scheduler.port.js';
import type { AuditLog } from './ports/audit.port.js';
import type { Clock } from './ports/clock.port.js';
import type { DeploymentStore } from './ports/deployment.port.js';
import type { FaqVoteStore } from './ports/faq-vote.port.js';
import type { FreezeFeeds, FreezeStore } from './ports/freeze.port.js';
import type { IncidentStore } from './ports/incident.port.js';
import type { LockStore } from './ports/lock.port.js';
import type { Logger } from './ports/logger.port.js';
import type { Metrics } from './ports/metrics.port.js';
import type { Notifier } from './ports/notifier.port.js';
import type { OncallOverrideStore } from './ports/oncall.port.js';
import type { PendingActionStore } from './ports/pending-action.port.js';
import type { ImageRegistry, InstallationKeys } from './ports/promotion.port.js';
import type { RuntimeRegistry } from './ports/runtime.port.js';
import type { Silencer } from './ports/silencer.port.js';
import type { UnitOfWork } from './ports/unit-of-work.port.js';
import type { UsageStore } from './ports/usage.port.js';
import type { CostSettings } from './cost/prices.js';
import type { SloServices } from './slo/slo-assessment.js';
import type { BugServices } from './support/bug-services.js';

/** Everything a use case may use. Nothing here calls a platform API. */
export interface CoreServices {
  catalog: Catalog;
  runtimes: RuntimeRegistry;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  limits: Limits;
  actions: ActionServices;
  incidents: IncidentServices;
  /**
   * Writes a state change and the messages it causes together (an acknowledgement and its alert message, a
   * refused action's end and its messages); see ports/unit-of-work.port.ts.
   */
  unit: UnitOfWork;
  /** SLOs and golden signals; undefined without `prometheus.url` (the `slo` command says so). */
  slo?: SloServices;
  /** The FAQ and its votes; undefined when the config names no FAQ file (`faq` says so). */
  faq?: FaqServices;
  /** Measured use and prices (`cost`, `health`); absent where nothing is measured (then they say so). */
  cost?: CostServices;
  /** Bug reports in chat (`bug`, `bugs`); absent: those commands say they are not set up. */
  bugs?: BugServices;
}

/** What `faq` and its buttons need. */
export interface FaqServices {
  catalog: FaqCatalog;
  votes: FaqVoteStore;
}

/** What cost and health read: the sampler's measurements and the configured prices. */
export interface CostServices {
  usage: UsageStore;
  settings: CostSettings;
}

/** What incidents, alert buttons and on-call need. */
export interface IncidentServices {
  store: IncidentStore;
  overrides: OncallOverrideStore;
  /** Alertmanager's silences API; undefined when no Alertmanager URL is configured (the button says so). */
  silencer?: Silencer;
  settings: IncidentSettings;
}

/** What the safe actions and the confirm flow need. */
export interface ActionServices {
  pending: PendingActionStore;
  deployments: DeploymentStore;
  locks: LockStore;
  freezes: FreezeStore;
  queue: ActionQueue;
  notifier: Notifier;
  recurringFreezes: readonly RecurringFreeze[];
  /** How long a confirm button stays valid. */
  confirmTtlMs: number;
  /**
   * Confirm/Cancel clicks refused because the database was away; their actions get back the time they had
   * left once it answers (the expiry sweep must share this instance). Without it, such an action may expire.
   */
  outageClicks?: OutageClicks;
  /** Where a deploy plan finds the commits it brings (images' labels, CI records, the code host); none when absent. */
  changes?: ChangeSources;
  /** Delayed jobs of scheduled actions (`deploy … at 22:00`); without it, scheduling is refused. */
  scheduler?: ActionScheduler;
  /** Freeze periods from the projects' iCalendar feeds (besides the YAML windows and ad hoc ones). */
  freezeFeeds?: FreezeFeeds;
  /** Where the lifecycle events of scheduled actions (refused at run time, cancelled) are audited. */
  audit?: AuditLog;
  /** What `promote` needs beyond a deploy; without it the command says promotion is not set up. */
  promotion?: PromotionServices;
}

/** The registry check, the keyed hash of configuration values and the soak time of promotions. */
export interface PromotionServices {
  images: ImageRegistry;
  keys: InstallationKeys;
  /** How long the source environment must have run a version before it is promoted without --force. */
  soakMs: number;
}

export interface Limits {
  /** Maximum log lines a `logs` request may return. */
  maxLogLines: number;
  /** Default log lines when none are asked for. */
  defaultLogLines: number;
  /** Per-host timeout for runtime calls, in milliseconds. */
  hostTimeoutMs: number;
  /** Replies whose code output exceeds this many lines are sent as a file. */
  inlineLogLines: number;
}
