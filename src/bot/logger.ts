import { pino, type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';
import { z } from 'zod';
import { MASK, maskUrlCredentials } from '../core/domain/redact.js';
import type { Logger as CoreLogger } from '../core/ports/logger.port.js';

/** Pino's logger; structurally a superset of the core's Logger port (checked below). */
export type Logger = PinoLogger;

export const REDACTED = '[redacted]';

/** Keys whose values are secrets wherever they appear in our log objects (matched up to three levels deep). */
const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'accessToken',
  'refreshToken',
  'signingSecret',
  'clientSecret',
  'webhookSecret',
  'secret',
  'password',
  'passwd',
  'apiKey',
  'privateKey',
  'authorization',
  'cookie',
  'set-cookie',
  'x-slack-signature',
  'x-hub-signature-256',
  'x-telegram-bot-api-secret-token',
  'databaseUrl',
  'redisUrl',
  'connectionString',
  'DATABASE_URL',
  'REDIS_URL',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'GITHUB_WEBHOOK_SECRET',
];

/** Objects whose every value is treated as a secret (environment maps). */
const SECRET_MAPS = ['env', 'environment'];

function key(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `["${k}"]`;
}

/** Builds pino redact paths: each key at the top level and under one or two levels of any object. */
export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const k of SECRET_KEYS) {
    paths.push(key(k).replace(/^\./, ''), `*${key(k)}`, `*.*${key(k)}`);
  }
  for (const m of SECRET_MAPS) paths.push(`${m}.*`, `*.${m}.*`);
  return paths;
}

/** URL credentials masked, including the user-less form `redis://:password@host`. */
export function maskUrls(text: string): string {
  return maskUrlCredentials(text).replace(/([a-z][a-z0-9+.-]*:\/\/):([^\s@/]+)@/gi, `$1:${MASK}@`);
}

/**
 * Error serializer: message, type, code and stack stay in logs (never in chat); URL credentials masked. A
 * summary the caller made (`{ message, code?, cause? }`, no stack) keeps its own fields.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (isSummary(err)) return summaryOf(err);
  if (!(err instanceof Error)) return { message: maskUrls(String(err)) };
  const out: Record<string, unknown> = {
    type: err.constructor?.name ?? err.name,
    message: maskUrls(err.message),
    stack: err.stack ? maskUrls(err.stack) : undefined,
  };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.cause !== undefined) out.cause = serializeError(err.cause);
  return out;
}

function isSummary(err: unknown): err is Record<string, unknown> & { message: string } {
  if (typeof err !== 'object' || err === null || err instanceof Error) return false;
  const proto: unknown = Object.getPrototypeOf(err);
  return (proto === Object.prototype || proto === null) && typeof (err as { message?: unknown }).message === 'string';
}

function summaryOf(err: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? maskUrls(v) : k === 'cause' ? serializeError(v) : v;
  }
  return out;
}

/** Masks `scheme://user:password@` in string values of a log object (bounded depth, copies only when changed). */
function maskStrings(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.includes('://') ? maskUrls(value) : value;
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, depth - 1));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // Errors, Dates, Buffers keep their shape
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskStrings(v, depth - 1);
  return out;
}

export const loggerOptionsSchema = z.object({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Pretty printing needs pino-pretty, which is not a dependency: only JSON output is supported. */
  pretty: z.literal(false).optional(),
  name: z.string().min(1).optional(),
});

export type LoggerOptions = z.input<typeof loggerOptionsSchema>;

/** JSON logger with secrets redacted. `destination` defaults to stdout (tests pass a stream to capture). */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const opts = loggerOptionsSchema.parse(options);
  const config = {
    level: opts.level as Level | 'silent',
    name: opts.name ?? 'deckhand',
    redact: { paths: redactPaths(), censor: REDACTED },
    serializers: { err: serializeError, error: serializeError },
    formatters: { log: (obj: Record<string, unknown>) => maskStrings(obj, 4) as Record<string, unknown> },
    hooks: {
      logMethod(this: PinoLogger, args: Parameters<PinoLogger['info']>, method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskStrings(a, 0) : a)));
      },
    },
  };
  return destination ? pino(config, destination) : pino(config);
}

/** Compile-time proof that the pino logger satisfies the core's Logger port. */
export function asCoreLogger(logger: Logger): CoreLogger {
  return logger;
}
