import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Logger } from '../../core/ports/logger.port.js';
import { sendJson } from './http-response.js';
import { ClientAbortedError, PayloadTooLargeError, readBody, type DrainLimits } from './read-body.js';

/** Shared by the webhook receivers (Alertmanager, GitHub, Telegram): bounded body, JSON parsing, safe error text. */

export interface ReadWebhookBodyOptions {
  /** Where a refused or abandoned body is reported (at warn / debug); nothing is logged without it. */
  logger?: Logger;
  /** How much of an oversized body is read and discarded before the 413; default DEFAULT_DRAIN_LIMITS. */
  drain?: DrainLimits;
}

/**
 * The raw body, or null when the request is already dealt with: answered 413 (with `connection: close`,
 * after draining the rest of the body so the client reads the answer) when it is over `maxBytes`, or left
 * alone when the client went away mid-body.
 */
export async function readWebhookBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  options: ReadWebhookBodyOptions = {},
): Promise<Buffer | null> {
  try {
    return await readBody(req, maxBytes, options.drain);
  } catch (err) {
    if (err instanceof ClientAbortedError) {
      options.logger?.debug({ path: req.url?.split('?')[0] }, 'webhook client went away before its body was complete');
      return null;
    }
    if (!(err instanceof PayloadTooLargeError)) throw err;
    options.logger?.warn({ path: req.url?.split('?')[0], limit: maxBytes, drained: err.drained }, 'webhook body over the limit');
    sendJson(res, 413, { error: 'payload too large' }, { connection: 'close' });
    return null;
  }
}

/** Deeper JSON is refused before parsing: no webhook Deckhand reads nests anywhere near this. */
export const MAX_JSON_DEPTH = 64;

export type JsonBodyFailure = 'empty' | 'not JSON' | 'too deeply nested';
export type JsonBodyResult = { ok: true; value: unknown } | { ok: false; reason: JsonBodyFailure };

export interface ParseJsonOptions {
  /** Largest nesting of arrays and objects accepted; default MAX_JSON_DEPTH. */
  maxDepth?: number;
}

/**
 * True when `text` nests `[` / `{` deeper than `maxDepth` outside strings. One pass over the characters,
 * stopping at the first level too deep, so it costs less than the parse it protects.
 */
export function jsonNestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** Short text for a 400 answer: what was wrong, never what was sent. */
export const JSON_FAILURE_MESSAGE: Record<JsonBodyFailure, string> = {
  empty: 'body is empty',
  'not JSON': 'body is not JSON',
  'too deeply nested': 'body is too deeply nested',
};

/** Parses a webhook body with a nesting limit: `{ ok: true, value }`, or why it is not acceptable JSON. */
export function parseJsonBody(raw: Buffer | string, options: ParseJsonOptions = {}): JsonBodyResult {
  return parseJson(raw, options.maxDepth ?? MAX_JSON_DEPTH);
}

function parseJson(raw: Buffer | string, maxDepth: number): JsonBodyResult {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.trim() === '') return { ok: false, reason: 'empty' };
  if (jsonNestsDeeperThan(text, maxDepth)) return { ok: false, reason: 'too deeply nested' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
}

/**
 * True when a string (or key) anywhere in `value` holds U+0000. JSON allows it (`\u0000`), PostgreSQL text
 * and jsonb do not: storing it would fail as a 500, so the webhooks refuse it as bad input. Recursion is
 * bounded by the depth check parseJsonBody already made.
 */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
  }
  return false;
}

/**
 * Null when the Content-Type is JSON (`application/json`, `application/*+json`, any parameters) or absent;
 * otherwise the short problem to answer with 400.
 */
export function jsonContentTypeProblem(header: string | undefined): string | null {
  if (header === undefined || header.trim() === '') return null;
  const type = header.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type) ? null : 'content-type must be application/json';
}

/** Field paths and zod messages only (at most three, keys cut to 64 characters): never payload values. */
export function describeIssues(error: z.ZodError): string {
  const segment = (k: PropertyKey) => (typeof k === 'string' && k.length > 64 ? `${k.slice(0, 63)}…` : String(k));
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(segment).join('.')}: ${i.message}`)
    .join('; ');
}
