/**
 * What Deckhand does with a finished CI deployment or workflow run (GitHub today): record external deployments
 * (audited with the CI as the actor, noted on open incidents) and announce them and the runs in the project's
 * chats. The webhook handler maps the CI's payload to these neutral events; everything else happens here.
 */
import { auditSystemChange } from '../audit/system-change.js';
import type { Reply } from '../messages/reply.js';
import type { AuditLog } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { DeploymentStore } from '../ports/deployment.port.js';
import type { IncidentStore } from '../ports/incident.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Notifier } from '../ports/notifier.port.js';
import { deployAnnouncement, workflowAnnouncement, type WorkflowRunInfo } from './ci-announcements.js';
import { recordExternalDeploy, type ExternalDeploy, type WebhookTarget } from './external-deploy.js';

/**
 * Maps a repository (`owner/name`) and a CI environment to a catalog service, or null when unmapped.
 * `environment` is null for workflow runs that are not deploys: any target of the repository will do, only
 * its project is used (to know which chats to tell).
 */
export type ResolveWebhookTarget = (repo: string, environment: string | null) => WebhookTarget | null;

/** The CI environment a workflow deploys to, or null when the workflow is not a deploy workflow. */
export type DeployWorkflow = (repo: string, workflow: { name: string; path: string }) => string | null;

export interface CiEventDeps {
  deployments: DeploymentStore;
  notifier: Notifier;
  resolveService: ResolveWebhookTarget;
  deployWorkflow?: DeployWorkflow;
  /** Which completed runs of workflows that are not deploys are announced; default 'all'. */
  announceRuns?: 'all' | 'failures' | 'none';
  logger: Logger;
  clock: Clock;
  /** Every recorded external deployment gets an entry. */
  audit: AuditLog;
  /** Open incidents of the project get a timeline entry for each recorded CI deploy. */
  incidents?: IncidentStore;
}

export type EventOutcome = 'recorded' | 'announced' | 'duplicate' | 'ignored' | 'unmapped';

/** The record of a CI deploy, before its catalog target and status are known. */
export type CiDeployRecord = Omit<ExternalDeploy, 'target' | 'status' | 'repo'>;

/** A deployment status: finished (`status`) or not (null: ignored). */
export interface CiDeploymentStatus {
  kind: 'deployment_status';
  repo: string;
  environment: string;
  status: 'succeeded' | 'failed' | null;
  record: CiDeployRecord;
  ref: string;
  sha: string;
  description?: string | null;
  link?: string | null;
}

/** A workflow run: `completed` false (or no conclusion) is ignored; `status` is set for conclusions that end a deploy. */
export interface CiWorkflowRun {
  kind: 'workflow_run';
  repo: string;
  completed: boolean;
  workflow: { name: string; path: string };
  status: 'succeeded' | 'failed' | undefined;
  record: CiDeployRecord;
  run: WorkflowRunInfo;
}

export type CiEvent = CiDeploymentStatus | CiWorkflowRun;

/** Who sent the event (the audit actor, e.g. `github`) and the id of the delivery (the audit request id). */
export interface CiDelivery {
  source: string;
  deliveryId: string;
}

/** A chat outage must not turn a recorded deploy into a webhook failure (the CI would not resend it anyway). */
async function announce(deps: CiEventDeps, project: string, reply: Reply, delivery: CiDelivery): Promise<void> {
  try {
    // Keyed by the delivery: the CI redelivering it (or a second replica handling it) announces it once.
    await deps.notifier.announce(project, reply, { key: `ci:${delivery.source}:${delivery.deliveryId}` });
  } catch (err) {
    deps.logger.warn({ err, project }, 'github webhook announcement failed');
  }
}

/** Records the deploy (once) and audits it; false when it was recorded before. */
async function record(deps: CiEventDeps, deploy: ExternalDeploy, delivery: CiDelivery): Promise<boolean> {
  const startedAt = deps.clock.now().getTime();
  const recorded = await recordExternalDeploy(deps.deployments, deploy, deps.incidents ? { incidents: deps.incidents, logger: deps.logger } : undefined);
  if (!recorded) return false;
  const { project, env, service } = deploy.target;
  await auditSystemChange(deps, {
    source: 'webhook',
    actor: delivery.source,
    requestId: delivery.deliveryId,
    project,
    intent: 'deploy.external',
    args: `${project}/${env} ${service}@${deploy.version} by ${deploy.requestedBy}`,
    detail: `${deploy.status}: ${deploy.note} (deployment ${recorded.id})`,
    durationMs: deps.clock.now().getTime() - startedAt,
  });
  return true;
}

async function onDeploymentStatus(deps: CiEventDeps, e: CiDeploymentStatus, delivery: CiDelivery): Promise<EventOutcome> {
  if (!e.status) return 'ignored';
  const target = deps.resolveService(e.repo, e.environment);
  if (!target) return 'unmapped';
  const deploy: ExternalDeploy = { ...e.record, target, repo: e.repo, status: e.status };
  if (!(await record(deps, deploy, delivery))) return 'duplicate';
  await announce(deps, target.project, deployAnnouncement({ deploy, repo: e.repo, ref: e.ref, sha: e.sha, description: e.description, link: e.link }), delivery);
  return 'recorded';
}

async function onWorkflowRun(deps: CiEventDeps, e: CiWorkflowRun, delivery: CiDelivery): Promise<EventOutcome> {
  if (!e.completed || e.run.conclusion === null) return 'ignored';
  const environment = deps.deployWorkflow?.(e.repo, e.workflow) ?? null;
  const target = deps.resolveService(e.repo, environment);
  if (!target) return 'unmapped';
  if (environment === null || !e.status) {
    const mode = deps.announceRuns ?? 'all';
    if (mode === 'none' || (mode === 'failures' && e.run.conclusion === 'success')) return 'ignored';
    await announce(deps, target.project, workflowAnnouncement(e.repo, e.workflow.name, e.run), delivery);
    return 'announced';
  }
  if (!(await record(deps, { ...e.record, target, repo: e.repo, status: e.status }, delivery))) return 'duplicate';
  await announce(deps, target.project, workflowAnnouncement(e.repo, e.workflow.name, e.run, `${target.project}/${target.env} (${target.service})`), delivery);
  return 'recorded';
}

/** Handles one CI event: what the webhook answers with. */
export function handleCiEvent(deps: CiEventDeps, event: CiEvent, delivery: CiDelivery): Promise<EventOutcome> {
  return event.kind === 'deployment_status' ? onDeploymentStatus(deps, event, delivery) : onWorkflowRun(deps, event, delivery);
}
