import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER_FORMAT = /^sha256=[0-9a-f]{64}$/;

/** `sha256=<hex>` of the raw body, as GitHub sends in `X-Hub-Signature-256`. */
export function signGitHubPayload(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `header` is GitHub's HMAC-SHA256 of exactly these bytes; compares in constant time. */
export function verifyGitHubSignature(secret: string, body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !HEADER_FORMAT.test(header)) return false;
  const expected = Buffer.from(signGitHubPayload(secret, body), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
