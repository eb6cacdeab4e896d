import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { sendJson } from './http-response.js';
import { PayloadTooLargeError, readBody } from './read-body.js';

/** Shared by the webhook receivers (Alertmanager, GitHub): bounded body, JSON parsing, safe error text. */

/** The raw body, or null after answering 413 (with `connection: close`) when it is over `maxBytes`. */
export async function readWebhookBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<Buffer | null> {
  try {
    return await readBody(req, maxBytes);
  } catch (err) {
    if (!(err instanceof PayloadTooLargeError)) throw err;
    sendJson(res, 413, { error: 'payload too large' }, { connection: 'close' });
    return null;
  }
}

/** The parsed JSON, or undefined when the body is not JSON. */
export function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Field paths and zod messages only (at most three): never payload values. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.')}: ${i.message}`)
    .join('; ');
}
