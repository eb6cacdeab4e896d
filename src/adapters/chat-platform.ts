/**
 * What a chat platform brings to Deckhand. Each platform implements this in its own folder
 * (`src/adapters/<platform>/<platform>.platform.ts`) and has one entry in the registry (platforms.ts: an
 * import and a line), the only list of platforms; nothing else names a platform.
 */
import type { z } from 'zod';
import type { Catalog } from '../core/domain/catalog.js';
import type { Reply } from '../core/messages/reply.js';
import type { ChatCore } from '../core/pipeline/chat-core.js';
import type { Logger } from '../core/ports/logger.port.js';
import type { Notifier } from '../core/ports/notifier.port.js';
import type { PostedMessageStore } from '../core/ports/posted-message.port.js';
import type { RateLimits, SendGate } from './notifier/delivery.rate-gate.js';
import type { OutboxStore } from './notifier/outbox.port.js';
import type { Lease } from './redis/lease.js';
import type { MountedRoute } from './http/http-router.js';
import type { ReadinessCheck } from './http/readiness.js';

/** Where the process runs: the bot (HTTP server, chat connections) or the local REPL (`npm run shell`). */
export type RunMode = 'server' | 'shell';

export interface ChatPlatform<Env extends z.ZodObject = z.ZodObject> {
  /** The platform id: InboundEvent.platform, MessageRef.platform, the key of Person.accounts and of chat bindings. */
  readonly id: string;
  /**
   * What the platform calls a user's id, in the refusal of an unknown person ("telegram user id").
   * dispatchInbound puts it on every event this platform hands to the core; adapters never set it.
   */
  readonly userIdLabel: string;
  /**
   * The person field of deckhand.yaml holding the person's account id on this platform (`telegram: 42`);
   * absent when the account is the person id itself (the shell acts as a configured person).
   */
  readonly personField?: string;
  /**
   * That field's schema, `{ [personField]: <account id>.optional() }`, merged into the YAML's person
   * entries. It must parse to a string (`.transform(String)` for numeric ids): accounts are text.
   */
  readonly person?: z.ZodObject<Record<string, z.ZodType<string | undefined>>>;
  /** Whether `chats:` entries of deckhand.yaml may name this platform (`platform: telegram`). */
  readonly bindsChats: boolean;
  /** Its environment variables, validated with the rest of the environment (src/bot/env.ts). */
  readonly env: Env;
  /**
   * The variable whose being set turns the platform on in server mode (its bot token), named when no
   * platform is configured; absent when none does (the shell runs in shell mode only).
   */
  readonly enabledBy?: keyof z.output<Env> & string;
  /** Cross-field rules of its variables (one needs another); issues name the variable, never its value. */
  checkEnv?(env: z.output<Env>, ctx: z.RefinementCtx): void;
  /** Whether this run connects to it (its token is set; the shell only in shell mode). */
  configured(env: z.output<Env>, mode: RunMode): boolean;
  /** Builds its inbound adapter and delivery target; loads the platform's SDK only now. */
  wire(env: z.output<Env>, ctx: PlatformContext): Promise<WiredPlatform>;
}

/** What the shared inbound path (dispatchInbound) needs to know of the platform an event came from. */
export type PlatformIdentity = Pick<ChatPlatform, 'id' | 'userIdLabel'>;

/** What a platform is wired with. */
export interface PlatformContext {
  core: ChatCore;
  catalog: Catalog;
  logger: Logger;
  /** Where keyed publishes were posted (durable). */
  posted: PostedMessageStore;
  /** Where every outbound message waits until it is out (durable, shared by the replicas). */
  outbox: OutboxStore;
  /** False for an event key this platform already handled (redelivery, replay); shared by replicas. */
  isFirstSeen(key: string): Promise<boolean>;
  /**
   * A lease shared by the replicas of this deployment (in Redis, under QUEUE_PREFIX), for what only one of
   * them may do at a time (Telegram long polling); absent without a Redis client (the shell). `name` must
   * not contain a secret: hash it (redis/lease.ts secretDigest).
   */
  lease?(name: string, ttlMs: number): Lease;
  /**
   * A rate gate shared by the replicas (in Redis, under QUEUE_PREFIX), so the platform's limits hold for the
   * deployment and a 429 pauses the chat for all; absent without a Redis client (the shell), where the
   * in-process gate is used. `name` must not contain a secret: hash it (redis/lease.ts secretDigest).
   */
  rateGate?(name: string, limits: RateLimits): SendGate;
}

/** A connected platform: its pushes, its HTTP routes, its readiness and its lifecycle. */
export interface WiredPlatform {
  readonly id: string;
  /** Pushes to this platform's chats (progress edits, announcements, alerts), added to the NotifierRouter. */
  notifier: Notifier;
  /** Posts a reply to one chat (scheduled reports). */
  send(chatId: string, reply: Reply): Promise<void>;
  /** HTTP routes to mount on the bot's server (webhooks). */
  routes: MountedRoute[];
  readiness: ReadinessCheck[];
  /** Connects (polling, socket, webhook registration) and starts delivering from the outbox. */
  start(): Promise<void>;
  /** Stops taking events. */
  stop(): Promise<void>;
  /**
   * Stops delivering: calls in flight finish, this replica's chat lanes are given up; what still waits stays
   * in the outbox for another replica or the next start.
   */
  drain(): Promise<void>;
  /** Messages of this platform still waiting in the outbox (every replica's). */
  pending(): Promise<number>;
  /** The inbound adapter, for tests and tools. */
  readonly adapter?: unknown;
}
