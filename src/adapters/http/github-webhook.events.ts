/** What Deckhand does with each GitHub event: record external deployments and announce them. */
import type { DeploymentStore } from '../../core/ports/deployment.port.js';
import type { IncidentStore } from '../../core/ports/incident.port.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { Notifier } from '../../core/ports/notifier.port.js';
import type { Reply } from '../../core/messages/reply.js';
import { deployAnnouncement, workflowAnnouncement } from './github-webhook.announce.js';
import { recordExternalDeploy, versionOf, type ExternalDeploy, type WebhookTarget } from './github-webhook.recorder.js';
import type { DeploymentStatusEvent, WorkflowRunEvent } from './github-webhook.schema.js';

/**
 * Maps a repository (`owner/name`) and a GitHub environment to a catalog service, or null when unmapped.
 * `environment` is null for workflow runs that are not deploys: any target of the repository will do, only
 * its project is used (to know which chats to tell).
 */
export type ResolveWebhookTarget = (repo: string, environment: string | null) => WebhookTarget | null;

/** The GitHub environment a workflow deploys to, or null when the workflow is not a deploy workflow. */
export type DeployWorkflow = (repo: string, workflow: { name: string; path: string }) => string | null;

export interface GitHubEventDeps {
  deployments: DeploymentStore;
  notifier: Notifier;
  resolveService: ResolveWebhookTarget;
  deployWorkflow?: DeployWorkflow;
  /** Which completed runs of workflows that are not deploys are announced; default 'all'. */
  announceRuns?: 'all' | 'failures' | 'none';
  logger: Logger;
  /** Open incidents of the project get a timeline entry for each recorded CI deploy. */
  incidents?: IncidentStore;
}

export type EventOutcome = 'recorded' | 'announced' | 'duplicate' | 'ignored' | 'unmapped';

const RUN_STATUS: Record<string, 'succeeded' | 'failed'> = { success: 'succeeded', failure: 'failed', timed_out: 'failed', startup_failure: 'failed' };
const laterOf = (a: Date, b: Date) => (b.getTime() > a.getTime() ? b : a);

/** A chat outage must not turn a recorded deploy into a webhook failure (GitHub would not resend it anyway). */
async function announce(deps: GitHubEventDeps, project: string, reply: Reply): Promise<void> {
  try {
    await deps.notifier.announce(project, reply);
  } catch (err) {
    deps.logger.warn({ err, project }, 'github webhook announcement failed');
  }
}

export async function onDeploymentStatus(deps: GitHubEventDeps, e: DeploymentStatusEvent): Promise<EventOutcome> {
  const { deployment, deployment_status: ds } = e;
  const status = ds.state === 'success' ? 'succeeded' : ds.state === 'failure' || ds.state === 'error' ? 'failed' : null;
  if (!status) return 'ignored';
  const repo = e.repository.full_name;
  const target = deps.resolveService(repo, ds.environment ?? deployment.environment);
  if (!target) return 'unmapped';
  const deploy: ExternalDeploy = {
    target,
    repo,
    actionId: `github-deployment:${deployment.id}`,
    version: versionOf(deployment.ref, deployment.sha),
    startedAt: deployment.created_at,
    finishedAt: laterOf(deployment.created_at, ds.created_at),
    status,
    committedAt: e.workflow_run?.head_commit?.timestamp ?? null,
    requestedBy: `github:${deployment.creator?.login ?? e.sender?.login ?? 'unknown'}`,
    note: `GitHub deployment ${deployment.id}: ${ds.state}`,
  };
  if (!(await recordExternalDeploy(deps.deployments, deploy, timelineOf(deps)))) return 'duplicate';
  const link = ds.environment_url || ds.target_url;
  await announce(deps, target.project, deployAnnouncement({ deploy, repo, ref: deployment.ref, sha: deployment.sha, description: ds.description, link }));
  return 'recorded';
}

export async function onWorkflowRun(deps: GitHubEventDeps, e: WorkflowRunEvent): Promise<EventOutcome> {
  const run = e.workflow_run;
  if (e.action !== 'completed' || run.conclusion === null) return 'ignored';
  const repo = e.repository.full_name;
  const workflow = { name: e.workflow?.name || run.name || 'workflow', path: e.workflow?.path ?? run.path ?? '' };
  const environment = deps.deployWorkflow?.(repo, workflow) ?? null;
  const target = deps.resolveService(repo, environment);
  if (!target) return 'unmapped';
  const status = RUN_STATUS[run.conclusion];
  if (environment === null || !status) {
    const mode = deps.announceRuns ?? 'all';
    if (mode === 'none' || (mode === 'failures' && run.conclusion === 'success')) return 'ignored';
    await announce(deps, target.project, workflowAnnouncement(repo, workflow.name, run));
    return 'announced';
  }
  const startedAt = run.run_started_at ?? run.created_at;
  const recorded = await recordExternalDeploy(deps.deployments, {
    target,
    repo,
    actionId: `github-run:${run.id}:${run.run_attempt ?? 1}`,
    version: versionOf(run.head_branch ?? '', run.head_sha),
    startedAt,
    finishedAt: laterOf(startedAt, run.updated_at),
    status,
    committedAt: run.head_commit?.timestamp ?? null,
    requestedBy: `github:${e.sender?.login ?? 'unknown'}`,
    note: `GitHub workflow run ${run.id}: ${run.conclusion}`,
  }, timelineOf(deps));
  if (!recorded) return 'duplicate';
  await announce(deps, target.project, workflowAnnouncement(repo, workflow.name, run, `${target.project}/${target.env} (${target.service})`));
  return 'recorded';
}

const timelineOf = (deps: GitHubEventDeps) => (deps.incidents ? { incidents: deps.incidents, logger: deps.logger } : undefined);
