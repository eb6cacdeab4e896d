/** Alertmanager's `http_config` authentication: a bearer token or basic auth, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const alertmanagerAuthSchema = z
  .object({
    bearerToken: z.string().min(16, 'the Alertmanager bearer token must be at least 16 characters').optional(),
    basic: z.object({ username: z.string().min(1), password: z.string().min(12, 'the basic auth password must be at least 12 characters') }).optional(),
  })
  .refine((a) => a.bearerToken !== undefined || a.basic !== undefined, 'configure a bearer token or basic auth for the Alertmanager webhook');

export type AlertmanagerAuth = z.infer<typeof alertmanagerAuthSchema>;

/** Equal-length digests, so neither length nor content leaks through timing. */
function same(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Whether the Authorization header carries one of the configured credentials. */
export function isAuthorized(auth: AlertmanagerAuth, header: string | undefined): boolean {
  if (typeof header !== 'string') return false;
  const space = header.indexOf(' ');
  if (space <= 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer' && auth.bearerToken !== undefined) return same(value, auth.bearerToken);
  if (scheme === 'basic' && auth.basic !== undefined) {
    const expected = Buffer.from(`${auth.basic.username}:${auth.basic.password}`, 'utf8').toString('base64');
    return same(value, expected);
  }
  return false;
}
