import { z } from 'zod';

/** The words commands accept, validated the same way everywhere. */

/** A project or environment name (as the config allows them). */
export const nameWord = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be a name (letters, digits, . _ -)');

/** A service, optionally qualified by its project: `api` or `shop/api`. */
export const serviceWord = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,126}$/, 'must be a name (letters, digits, . _ - /)');

/** An image tag or digest. */
export const versionWord = z
  .string()
  .regex(/^(sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/, 'must be an image tag (e.g. 1.4.2) or a digest (sha256:…)');
