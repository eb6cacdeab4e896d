/**
 * `POST /webhooks/github`: verifies GitHub's HMAC signature over the raw body, drops redelivered ids,
 * validates `deployment_status` and `workflow_run` payloads and hands them, as neutral CI events, to the
 * core (src/core/deploys/ci-events.ts), which records external deployments and announces them.
 * Other events are acknowledged with 202 and ignored. Bad input (wrong content type, empty, not JSON, nested
 * too deep, wrong shape) is a 400 naming what was wrong. Answers never carry stacks or payload echoes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { handleCiEvent, type CiEvent, type CiEventDeps } from '../../core/deploys/ci-events.js';
import { createMemoryDedupe, type IsFirstSeen } from '../memory-dedupe.js';
import { sendJson } from './http-response.js';
import type { RouteHandler } from './http-router.js';
import { containsNul, describeIssues, JSON_FAILURE_MESSAGE, jsonContentTypeProblem, parseJsonBody, readWebhookBody } from './webhook-body.js';
import { deploymentStatusEventSchema, issuesEventSchema, toCiDeploymentStatus, toCiWorkflowRun, workflowRunEventSchema } from './github-webhook.schema.js';
import { handleIssueEvent, ISSUE_ACTIONS, type IssueEventDeps } from '../../core/support/bug-issues.js';
import { toIssueState } from './github-issues.mapper.js';
import { verifyGitHubSignature } from './github-webhook.signature.js';

export interface GitHubWebhookOptions extends CiEventDeps {
  /** The webhook secret configured on GitHub. */
  secret: string;
  /** True once per delivery id (share one across replicas, e.g. RedisProcessedEvents); default in-memory. */
  isFirstSeen?: IsFirstSeen;
  /** Forgets a delivery whose handling failed, so GitHub's redelivery of it is handled (with `isFirstSeen`). */
  forgetSeen?: (delivery: string) => Promise<void>;
  /** Largest body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * `issues` events keep the bug reports filed as issues current; absent: they are ignored like other
   * events. `projectOf` names the project whose reports a repository takes (github.repos.<repo>.bugs).
   */
  issues?: { deps: IssueEventDeps; projectOf(repo: string): string | undefined };
}

const optionsSchema = z.object({
  secret: z.string().min(8, 'the GitHub webhook secret must be at least 8 characters'),
  maxBodyBytes: z.number().int().positive().max(25 * 1024 * 1024).default(1024 * 1024),
});

const headersSchema = z.object({
  event: z.string().regex(/^[a-z_]{1,50}$/),
  delivery: z.string().regex(/^[A-Za-z0-9-]{1,100}$/),
});

type Handled = 'deployment_status' | 'workflow_run';
const HANDLED = new Set<string>(['deployment_status', 'workflow_run']);

export function createGitHubWebhookHandler(options: GitHubWebhookOptions): RouteHandler {
  const { secret, maxBodyBytes } = optionsSchema.parse({ secret: options.secret, maxBodyBytes: options.maxBodyBytes });
  const local = createMemoryDedupe();
  const isFirstSeen = options.isFirstSeen ?? local;
  const forgetLocal = async (delivery: string) => local.forget(delivery);
  const logger = options.logger.child({ webhook: 'github' });

  /** Validates the payload and returns it as the core's CI event, or a short description of what is wrong. */
  type Work = { ok: true; run: () => Promise<string> } | { ok: false; problem: string };
  const ci = (event: Handled, payload: unknown, delivery: string): Work => {
    const parsed = parse(event, payload);
    return parsed.ok ? { ok: true, run: () => handleCiEvent(options, parsed.event, { source: 'github', deliveryId: `github-${delivery}` }) } : parsed;
  };
  /** An issues event: validated only for the actions that change a report; the rest are acknowledged. */
  const issue = (payload: unknown): Work => {
    const bugs = options.issues;
    if (!bugs) return { ok: true, run: async () => 'ignored' };
    const action = (payload as { action?: unknown } | null)?.action;
    if (typeof action !== 'string' || !ISSUE_ACTIONS.has(action)) return { ok: true, run: async () => 'ignored' };
    const parsed = issuesEventSchema.safeParse(payload);
    if (!parsed.success) return { ok: false, problem: describeIssues(parsed.error) };
    const project = bugs.projectOf(parsed.data.repository.full_name);
    if (!project) return { ok: true, run: async () => 'ignored' };
    return { ok: true, run: () => handleIssueEvent(bugs.deps, action, toIssueState(parsed.data, project)) };
  };
  const parse = (event: Handled, payload: unknown): { ok: true; event: CiEvent } | { ok: false; problem: string } => {
    if (event === 'deployment_status') {
      const parsed = deploymentStatusEventSchema.safeParse(payload);
      return parsed.success ? { ok: true, event: toCiDeploymentStatus(parsed.data) } : { ok: false, problem: describeIssues(parsed.error) };
    }
    const parsed = workflowRunEventSchema.safeParse(payload);
    return parsed.success ? { ok: true, event: toCiWorkflowRun(parsed.data) } : { ok: false, problem: describeIssues(parsed.error) };
  };

  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'POST' });
    const raw = await readWebhookBody(req, res, maxBodyBytes, { logger });
    if (!raw) return;
    if (!verifyGitHubSignature(secret, raw, req.headers['x-hub-signature-256'])) {
      logger.warn({ delivery: req.headers['x-github-delivery'] }, 'github webhook with a missing or wrong signature');
      return sendJson(res, 401, { error: 'invalid signature' });
    }
    const headers = headersSchema.safeParse({ event: req.headers['x-github-event'], delivery: req.headers['x-github-delivery'] });
    if (!headers.success) return sendJson(res, 400, { error: 'missing or invalid X-GitHub-Event / X-GitHub-Delivery' });
    const { event, delivery } = headers.data;
    if (event === 'ping') return sendJson(res, 200, { status: 'pong' });
    const issues = event === 'issues' && options.issues !== undefined;
    if (!HANDLED.has(event) && !issues) return sendJson(res, 202, { status: 'ignored', event });
    // GitHub can also send application/x-www-form-urlencoded; the hook must be set to application/json.
    const wrongType = jsonContentTypeProblem(req.headers['content-type']);
    if (wrongType) return sendJson(res, 400, { error: wrongType });
    const payload = parseJsonBody(raw);
    if (!payload.ok) return sendJson(res, 400, { error: JSON_FAILURE_MESSAGE[payload.reason] });
    if (containsNul(payload.value)) return sendJson(res, 400, { error: 'body contains a NUL character' });
    const work = issues ? issue(payload.value) : ci(event as Handled, payload.value, delivery);
    if (!work.ok) return sendJson(res, 400, { error: `invalid ${event} payload`, detail: work.problem });
    if (!(await isFirstSeen(delivery))) return sendJson(res, 200, { status: 'duplicate', delivery });
    let outcome: string;
    try {
      outcome = await work.run();
    } catch (err) {
      // Not handled: a redelivery must not be taken for a duplicate. 503, so GitHub shows it as failed.
      await (options.forgetSeen ?? forgetLocal)(delivery).catch(() => undefined);
      logger.error({ err: { message: err instanceof Error ? err.message : String(err) }, event, delivery }, 'github webhook could not be handled; redeliver it');
      return sendJson(res, 503, { error: 'could not record the delivery right now; redeliver it later', delivery });
    }
    logger.info({ event, delivery, outcome, receivedAt: options.clock.now() }, 'github webhook handled');
    sendJson(res, 200, { status: outcome, delivery });
  };
}
