/** zod schemas of the GitHub webhook payloads Deckhand acts on (only the fields it reads). */
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const sha = z.string().regex(/^[0-9a-f]{7,64}$/, 'must be a commit sha');
const login = z.object({ login: z.string().min(1).max(100) });
const text = (max: number) => z.string().max(max);

export const repositorySchema = z.object({
  full_name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'must be owner/name'),
  html_url: z.url().optional(),
});

const headCommitSchema = z.object({ id: sha, message: text(65_536), timestamp: isoTime }).nullable().optional();

export const workflowRunSchema = z.object({
  id: z.number().int().positive(),
  name: text(255).nullable().optional(),
  path: text(1000).optional(),
  run_attempt: z.number().int().positive().optional(),
  status: text(50).nullable(),
  conclusion: text(50).nullable(),
  event: text(100).optional(),
  head_branch: text(255).nullable(),
  head_sha: sha,
  head_commit: headCommitSchema,
  html_url: z.url(),
  created_at: isoTime,
  updated_at: isoTime,
  run_started_at: isoTime.optional(),
  display_title: text(1000).optional(),
});

export const deploymentStatusEventSchema = z.object({
  action: text(50),
  deployment_status: z.object({
    id: z.number().int().positive(),
    state: z.enum(['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']),
    environment: text(255).optional(),
    description: text(1000).nullable().optional(),
    target_url: z.string().max(2000).nullable().optional(),
    environment_url: z.string().max(2000).nullable().optional(),
    created_at: isoTime,
  }),
  deployment: z.object({
    id: z.number().int().positive(),
    sha,
    ref: text(255),
    environment: z.string().min(1).max(255),
    created_at: isoTime,
    creator: login.nullable().optional(),
  }),
  /** Present when an Actions workflow created the status: its head commit carries the commit time. */
  workflow_run: workflowRunSchema.nullable().optional(),
  repository: repositorySchema,
  sender: login.optional(),
});

export const workflowRunEventSchema = z.object({
  action: text(50),
  workflow_run: workflowRunSchema,
  workflow: z.object({ name: text(255), path: text(1000) }).nullable().optional(),
  repository: repositorySchema,
  sender: login.optional(),
});

export type DeploymentStatusEvent = z.infer<typeof deploymentStatusEventSchema>;
export type WorkflowRunEvent = z.infer<typeof workflowRunEventSchema>;
export type WorkflowRun = z.infer<typeof workflowRunSchema>;
