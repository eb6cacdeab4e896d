/**
 * `POST /webhooks/alertmanager`: checks the bearer token or basic auth (anything else 401), bounds the body,
 * validates the version "4" payload and hands the group to the core's incident service. Bad input (wrong content type,
 * empty, not JSON, nested too deep, wrong shape) is a 400 naming what was wrong; only a failure of Deckhand
 * itself is a 5xx, which makes Alertmanager retry. Answers never carry stacks or payload echoes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { sendJson } from './http-response.js';
import type { RouteHandler } from './http-router.js';
import { containsNul, describeIssues, JSON_FAILURE_MESSAGE, jsonContentTypeProblem, parseJsonBody, readWebhookBody } from './webhook-body.js';
import { alertmanagerAuthSchema, isAuthorized, type AlertmanagerAuth } from './alertmanager.auth.js';
import { processAlertGroup, type AlertProcessorDeps } from '../../core/incidents/alert-notification.js';
import { alertmanagerPayloadSchema, toAlertGroup } from './alertmanager.schema.js';

export const ALERTMANAGER_WEBHOOK_PATH = '/webhooks/alertmanager';

export interface AlertmanagerWebhookOptions extends Omit<AlertProcessorDeps, 'projectLabel'> {
  auth: AlertmanagerAuth;
  /** Label naming the project; default `project`. */
  projectLabel?: string;
  /** Largest body accepted; default 1 MiB. */
  maxBodyBytes?: number;
}

const optionsSchema = z.object({
  auth: alertmanagerAuthSchema,
  projectLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/, 'must be a Prometheus label name').default('project'),
  maxBodyBytes: z.number().int().positive().max(25 * 1024 * 1024).default(1024 * 1024),
});

export function createAlertmanagerWebhookHandler(options: AlertmanagerWebhookOptions): RouteHandler {
  const { auth, projectLabel, maxBodyBytes } = optionsSchema.parse({
    auth: options.auth,
    projectLabel: options.projectLabel,
    maxBodyBytes: options.maxBodyBytes,
  });
  const logger = options.logger.child({ webhook: 'alertmanager' });
  const deps: AlertProcessorDeps = { ...options, logger, projectLabel };

  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'POST' });
    if (!isAuthorized(auth, req.headers.authorization)) {
      logger.warn({ remote: req.socket.remoteAddress }, 'alertmanager webhook with missing or wrong credentials');
      return sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
    }
    const wrongType = jsonContentTypeProblem(req.headers['content-type']);
    if (wrongType) return sendJson(res, 400, { error: wrongType });
    const raw = await readWebhookBody(req, res, maxBodyBytes, { logger });
    if (!raw) return;
    const payload = parseJsonBody(raw);
    if (!payload.ok) return sendJson(res, 400, { error: JSON_FAILURE_MESSAGE[payload.reason] });
    if (containsNul(payload.value)) return sendJson(res, 400, { error: 'body contains a NUL character' });
    const parsed = alertmanagerPayloadSchema.safeParse(payload.value);
    if (!parsed.success) return sendJson(res, 400, { error: 'invalid Alertmanager payload', detail: describeIssues(parsed.error) });
    const outcome = await processAlertGroup(deps, toAlertGroup(parsed.data));
    logger.info({ groupKey: parsed.data.groupKey, status: parsed.data.status, outcome }, 'alertmanager notification handled');
    sendJson(res, 200, { status: 'ok', ...outcome });
  };
}
