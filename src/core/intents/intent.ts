import type { z } from 'zod';
import type { Catalog, Person, Role } from '../domain/catalog.js';
import type { InboundEvent } from '../messages/inbound.js';
import type { Reply } from '../messages/reply.js';
import type { Clock } from '../ports/clock.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Metrics } from '../ports/metrics.port.js';
import type { RuntimeRegistry } from '../ports/runtime.port.js';
import type { ActionQueue } from '../ports/action-queue.port.js';
import type { DeploymentStore } from '../ports/deployment.port.js';
import type { FreezeStore } from '../ports/freeze.port.js';
import type { LockStore } from '../ports/lock.port.js';
import type { Notifier } from '../ports/notifier.port.js';
import type { IncidentStore } from '../ports/incident.port.js';
import type { OncallOverrideStore } from '../ports/oncall.port.js';
import type { Silencer } from '../ports/silencer.port.js';
import type { IncidentSettings } from '../incidents/incident-settings.js';
import type { ActionPlan, PendingActionStore } from '../ports/pending-action.port.js';
import type { RecurringFreeze } from '../domain/freeze.js';
import type { Argv } from '../messages/argv.js';

/** What an intent needs to be allowed: the minimum role on a project/environment. */
export interface Requirement {
  role: Role;
  /** Project the intent touches; undefined means "any project the chat/person can use". */
  project?: string;
  env?: string;
}

/** Everything a handler may use. Handlers never call a platform API. */
export interface CoreServices {
  catalog: Catalog;
  runtimes: RuntimeRegistry;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  limits: Limits;
  intents: () => readonly AnyIntent[];
  actions: ActionServices;
  incidents: IncidentServices;
}

export type { IncidentSettings };

/** What incidents, alert buttons and on-call need. */
export interface IncidentServices {
  store: IncidentStore;
  overrides: OncallOverrideStore;
  /** Alertmanager's silences API; undefined when no Alertmanager URL is configured (the button says so). */
  silencer?: Silencer;
  settings: IncidentSettings;
}

/** What the safe-actions intents and the confirm flow need. */
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
}

/** A confirmable intent's answer: a plan to store behind buttons, or a reply refusing to plan. */
export type PlanResult = { ok: true; plan: ActionPlan; notes?: string[] } | { ok: false; reply: Reply };

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

export interface IntentContext<A> {
  event: InboundEvent;
  person: Person;
  /** Projects this chat may address (all of the person's projects in a private chat). */
  chatProjects: string[];
  args: A;
  requestId: string;
  services: CoreServices;
  /** Whether the person holds `role` on project/env (used by help and by listing intents). */
  can(requirement: Requirement): boolean;
}

/** Result of turning argv into the intent's arguments: either values or a user-facing problem. */
export type Resolution<A> = { ok: true; args: A } | { ok: false; reply: Reply; outcome: 'invalid' | 'not_found' };

export interface IntentDefinition<A> {
  name: string;
  summary: string;
  /** Usage line without the command prefix, e.g. `logs <service> [env] [--lines N]`. */
  usage: string;
  /** Flags the intent accepts, with whether each takes a value. */
  flags?: Record<string, { value: boolean; description: string }>;
  /** zod schema of the raw arguments built from argv (positionals by name and flags). */
  schema: z.ZodType<unknown>;
  /** Maps argv to the object the schema validates. */
  toInput(argv: Argv): unknown;
  /** Resolves validated input against the catalog (unknown projects/services → suggestions). */
  resolve(input: never, ctx: ResolveContext): Resolution<A>;
  /** Lowest role that can run the intent somewhere; `null` = any known person. Used by `help`. */
  minRole: Role | null;
  /** Permission needed for these arguments (may depend on them, e.g. production); `null` = any known person. */
  requires(args: A): Requirement | null;
  /** Answers the request (every intent has `handle` or `plan`). */
  handle?(ctx: IntentContext<A>): Promise<Reply>;
  /**
   * Confirmable intents (restart, deploy, rollback) plan instead of acting: the confirm middleware stores
   * the plan as a pending action and answers with Confirm/Cancel buttons.
   */
  plan?(ctx: IntentContext<A>): Promise<PlanResult>;
}

export interface ResolveContext {
  catalog: Catalog;
  limits: Limits;
  chatProjects: string[];
  person: Person;
  /** The configured person a platform mention word of the command names (CommandEvent.mentions), if any. */
  mentioned?: (word: string) => Person | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyIntent = IntentDefinition<any>;

export function defineIntent<I, A>(
  def: Omit<IntentDefinition<A>, 'schema' | 'resolve'> & {
    schema: z.ZodType<I>;
    resolve(input: I, ctx: ResolveContext): Resolution<A>;
  },
): IntentDefinition<A> {
  return def as unknown as IntentDefinition<A>;
}
