import type { z } from 'zod';
import type { Catalog, Person, Role } from '../domain/catalog.js';
import type { Argv } from '../messages/argv.js';
import type { InboundEvent } from '../messages/inbound.js';
import type { Reply } from '../messages/reply.js';
import type { PlanResult } from '../actions/action-plan.js';
import type { CoreServices as Services, Limits } from '../services.js';

/** What an intent needs to be allowed: the minimum role on a project/environment. */
export interface Requirement {
  role: Role;
  /** Project the intent touches; undefined means "any project the chat/person can use". */
  project?: string;
  env?: string;
}

/** What a handler may use: the core's services and the list of intents (for help). */
export interface IntentServices extends Services {
  intents: () => readonly AnyIntent[];
}

export interface IntentContext<A> {
  event: InboundEvent;
  person: Person;
  /** Projects this chat may address (all of the person's projects in a private chat). */
  chatProjects: string[];
  args: A;
  requestId: string;
  services: IntentServices;
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
