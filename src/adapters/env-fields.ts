/** Field types of environment variables, shared by src/bot/env.ts and the platforms' own variables. */
import { z } from 'zod';

/** An optional variable: unset and blank are the same, values are trimmed. */
export const optionalEnv = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** An optional URL variable; `what` says which URL in the error. */
export const urlEnv = (what: string) => optionalEnv.refine((v) => v === undefined || URL.canParse(v), `must be a URL (${what})`);
