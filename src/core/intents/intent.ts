import type { z } from 'zod';
import type { Catalog, Person, Role } from '../domain/catalog.js';
import type { InboundEvent } from '../messages/inbound.js';
import type { Reply } from '../messages/reply.js';
import type { Clock } from '../ports/clock.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Metrics } from '../ports/metrics.port.js';
import type { RuntimeRegistry } from '../ports/runtime.port.js';
import type { Argv } from './argv.js';

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
  handle(ctx: IntentContext<A>): Promise<Reply>;
}

export interface ResolveContext {
  catalog: Catalog;
  limits: Limits;
  chatProjects: string[];
  person: Person;
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
