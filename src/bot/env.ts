import { z } from 'zod';
import { optionalEnv, urlEnv } from '../adapters/env-fields.js';
import { chatPlatforms, platformEnvShape } from '../adapters/platforms.js';

/** Process environment (secrets and deployment settings). Everything about projects lives in the YAML config. */

const optional = optionalEnv;

export const envSchema = z
  .object({
    DECKHAND_CONFIG: z.string().default('./deckhand.yaml'),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
    QUEUE_PREFIX: optional.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,64}$/.test(v), 'must be 1–64 characters of A-Z a-z 0-9 _ - (Redis key prefix of the job queues)'),
    HTTP_HOST: z.string().default('0.0.0.0'),
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    // Each chat platform's own variables (src/adapters/<platform>/<platform>.platform.ts).
    ...platformEnvShape,
    ALERTMANAGER_WEBHOOK_TOKEN: optional.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
    ALERTMANAGER_WEBHOOK_USER: optional,
    ALERTMANAGER_WEBHOOK_PASSWORD: optional.refine((v) => v === undefined || v.length >= 12, 'must be at least 12 characters'),
    GITHUB_WEBHOOK_SECRET: optional.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
    // Read access to the repositories under github.repos: deploy plans show the commits a deploy brings.
    GITHUB_TOKEN: optional.refine((v) => v === undefined || /^[A-Za-z0-9_]{20,255}$/.test(v), 'must be a GitHub token (ghp_…, github_pat_…, ghs_…: letters, digits and _)'),
    GITHUB_API_URL: urlEnv('GitHub API, e.g. https://github.example.com/api/v3'),
    // Registries spoken to over plain HTTP when reading image labels, besides loopback ones: host:port, comma-separated.
    REGISTRY_INSECURE: optional,
  })
  .superRefine((e, ctx) => {
    for (const platform of chatPlatforms) if ('checkEnv' in platform) platform.checkEnv(e, ctx);
    if (Boolean(e.ALERTMANAGER_WEBHOOK_USER) !== Boolean(e.ALERTMANAGER_WEBHOOK_PASSWORD)) {
      const missing = e.ALERTMANAGER_WEBHOOK_USER ? 'ALERTMANAGER_WEBHOOK_PASSWORD' : 'ALERTMANAGER_WEBHOOK_USER';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required for basic auth (set both ALERTMANAGER_WEBHOOK_USER and ALERTMANAGER_WEBHOOK_PASSWORD)' });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** The Alertmanager webhook's credentials (bearer token and/or basic auth), or undefined when it is off. */
export function alertmanagerAuth(env: Env): { bearerToken?: string; basic?: { username: string; password: string } } | undefined {
  const basic = env.ALERTMANAGER_WEBHOOK_USER && env.ALERTMANAGER_WEBHOOK_PASSWORD
    ? { username: env.ALERTMANAGER_WEBHOOK_USER, password: env.ALERTMANAGER_WEBHOOK_PASSWORD }
    : undefined;
  if (!env.ALERTMANAGER_WEBHOOK_TOKEN && !basic) return undefined;
  return { ...(env.ALERTMANAGER_WEBHOOK_TOKEN ? { bearerToken: env.ALERTMANAGER_WEBHOOK_TOKEN } : {}), ...(basic ? { basic } : {}) };
}

/** Validates the environment; the error lists each variable and what it must be, never its value. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
  throw new Error(`Invalid environment:\n${lines.join('\n')}`);
}
