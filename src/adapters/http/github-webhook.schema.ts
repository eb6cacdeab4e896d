/** zod schemas of the GitHub webhook payloads Deckhand acts on (only the fields it reads), mapped to the core's CI events. */
import { z } from 'zod';
import type { CiDeploymentStatus, CiWorkflowRun } from '../../core/deploys/ci-events.js';

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

const laterOf = (a: Date, b: Date) => (b.getTime() > a.getTime() ? b : a);
const TAG_LIKE = /^v?\d+(\.\d+)*([-+][0-9A-Za-z.-]+)?$/;
const RUN_STATUS: Record<string, 'succeeded' | 'failed'> = { success: 'succeeded', failure: 'failed', timed_out: 'failed', startup_failure: 'failed' };

/** A version tag (`v1.4.2`, `2.0.0-rc.1`) when the ref is one, otherwise the short commit sha. */
export function versionOf(ref: string, sha: string): string {
  const name = ref.replace(/^refs\/tags\//, '');
  return name.length <= 100 && TAG_LIKE.test(name) ? name : sha.slice(0, 7);
}

/** A `deployment_status` payload as the core's neutral CI event. */
export function toCiDeploymentStatus(e: DeploymentStatusEvent): CiDeploymentStatus {
  const { deployment, deployment_status: ds } = e;
  const status = ds.state === 'success' ? 'succeeded' : ds.state === 'failure' || ds.state === 'error' ? 'failed' : null;
  return {
    kind: 'deployment_status',
    repo: e.repository.full_name,
    environment: ds.environment ?? deployment.environment,
    status,
    record: {
      actionId: `github-deployment:${deployment.id}`,
      version: versionOf(deployment.ref, deployment.sha),
      startedAt: deployment.created_at,
      finishedAt: laterOf(deployment.created_at, ds.created_at),
      committedAt: e.workflow_run?.head_commit?.timestamp ?? null,
      requestedBy: `github:${deployment.creator?.login ?? e.sender?.login ?? 'unknown'}`,
      note: `GitHub deployment ${deployment.id}: ${ds.state}`,
    },
    ref: deployment.ref,
    sha: deployment.sha,
    description: ds.description,
    link: ds.environment_url || ds.target_url,
  };
}

/** A `workflow_run` payload as the core's neutral CI event. */
export function toCiWorkflowRun(e: WorkflowRunEvent): CiWorkflowRun {
  const run = e.workflow_run;
  const startedAt = run.run_started_at ?? run.created_at;
  return {
    kind: 'workflow_run',
    repo: e.repository.full_name,
    completed: e.action === 'completed',
    workflow: { name: e.workflow?.name || run.name || 'workflow', path: e.workflow?.path ?? run.path ?? '' },
    status: run.conclusion === null ? undefined : RUN_STATUS[run.conclusion],
    record: {
      actionId: `github-run:${run.id}:${run.run_attempt ?? 1}`,
      version: versionOf(run.head_branch ?? '', run.head_sha),
      startedAt,
      finishedAt: laterOf(startedAt, run.updated_at),
      committedAt: run.head_commit?.timestamp ?? null,
      requestedBy: `github:${e.sender?.login ?? 'unknown'}`,
      note: `GitHub workflow run ${run.id}: ${run.conclusion}`,
    },
    run: {
      conclusion: run.conclusion,
      branch: run.head_branch,
      sha: run.head_sha,
      ...(run.run_started_at ? { startedAt: run.run_started_at } : {}),
      updatedAt: run.updated_at,
      ...(run.display_title ? { title: run.display_title } : {}),
      link: run.html_url,
    },
  };
}

/** `issues` events: the issue as it is now (state, labels, title), for the bug reports filed as issues. */
export const issuesEventSchema = z.object({
  action: text(50),
  issue: z.object({
    number: z.number().int().positive(),
    html_url: z.url(),
    title: text(1000),
    state: z.enum(['open', 'closed']),
    body: z.string().max(262_144).nullable().optional(),
    labels: z.array(z.object({ name: text(100) })).default([]),
    user: login.nullable().optional(),
    created_at: isoTime,
    updated_at: isoTime,
  }),
  repository: repositorySchema,
  sender: login.optional(),
});

export type IssuesEvent = z.infer<typeof issuesEventSchema>;
