/** Chat messages announcing CI deployments and workflow runs. */
import { maskText } from '../domain/redact.js';
import { formatDuration } from '../domain/duration.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply, Tone } from '../messages/reply.js';
import type { ExternalDeploy } from './external-deploy.js';

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
/** Text from GitHub is shown as data: one line, secrets masked, length capped. */
const safe = (s: string, max = 200) => clip(maskText(s.split('\n', 1)[0] ?? '').trim(), max);
const httpsLink = (url: string | null | undefined) => (url && /^https:\/\/\S+$/.test(url) ? url : undefined);

export interface DeployNotice {
  deploy: ExternalDeploy;
  repo: string;
  ref: string;
  sha: string;
  description?: string | null;
  link?: string | null;
}

export function deployAnnouncement(n: DeployNotice): Reply {
  const { target, version, status, startedAt, finishedAt, requestedBy } = n.deploy;
  const where = `${target.project}/${target.env}`;
  const ok = status === 'succeeded';
  const b = new ReplyBuilder(ok ? 'success' : 'error')
    .text(ok ? `CI deployed ${target.service} ${version} to ${where}.` : `CI deploy of ${target.service} ${version} to ${where} failed.`)
    .fields([
      { label: 'Repository', value: n.repo },
      { label: 'Ref', value: `${safe(n.ref, 100)} @ ${n.sha.slice(0, 7)}` },
      { label: 'By', value: safe(requestedBy.replace(/^github:/, ''), 100) },
      { label: 'Took', value: formatDuration(finishedAt.getTime() - startedAt.getTime()) },
    ]);
  if (n.description) b.context(safe(n.description));
  const link = httpsLink(n.link);
  if (link) b.context(link);
  return b.build();
}

const TONES: Record<string, Tone> = { success: 'success', failure: 'error', timed_out: 'error', startup_failure: 'error', action_required: 'warning' };

/** What a workflow run announcement shows (from the CI's payload; text is shown as data). */
export interface WorkflowRunInfo {
  conclusion: string | null;
  branch: string | null;
  sha: string;
  startedAt?: Date;
  updatedAt: Date;
  title?: string;
  link: string;
}

export function workflowAnnouncement(repo: string, workflowName: string, run: WorkflowRunInfo, deployedTo?: string): Reply {
  const conclusion = run.conclusion ?? 'unknown';
  const branch = run.branch ? ` on ${safe(run.branch, 100)}` : '';
  const b = new ReplyBuilder(TONES[conclusion] ?? 'info').text(`Workflow "${safe(workflowName, 100)}"${branch}: ${conclusion.replace(/_/g, ' ')}.`);
  const fields = [
    { label: 'Repository', value: repo },
    { label: 'Commit', value: run.sha.slice(0, 7) },
  ];
  if (deployedTo) fields.push({ label: 'Deployed to', value: deployedTo });
  if (run.startedAt) fields.push({ label: 'Took', value: formatDuration(run.updatedAt.getTime() - run.startedAt.getTime()) });
  b.fields(fields);
  if (run.title) b.context(safe(run.title));
  const link = httpsLink(run.link);
  if (link) b.context(link);
  return b.build();
}
