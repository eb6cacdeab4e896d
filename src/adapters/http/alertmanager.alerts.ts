/**
 * The AlertSource port over Alertmanager's HTTP API v2: `GET /api/v2/alerts` with one `filter` per label
 * matcher (every state: active, silenced, inhibited, unprocessed) and `GET /api/v2/status` for the start
 * time. Answers are validated with zod; any failure is a short Error, so the caller changes nothing.
 */
import { z } from 'zod';
import type { AlertSource, LabelMatcher } from '../../core/ports/alert-source.port.js';
import { alertmanagerEndpoint, failureText, shortReason } from './alertmanager.api.js';

export interface AlertmanagerAlertSourceOptions {
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` (a path prefix and user:password@ are kept). */
  url: string;
  /** Per request; default 5 s. */
  timeoutMs?: number;
  /** For tests; default the global fetch. */
  fetch?: typeof fetch;
}

/** Larger answers are refused rather than parsed (an unfiltered list of a huge Alertmanager). */
const MAX_BODY_CHARS = 8 * 1024 * 1024;

const alertsSchema = z.array(
  z.object({
    fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/i),
    labels: z.record(z.string(), z.string()),
    status: z.object({ state: z.enum(['unprocessed', 'active', 'suppressed']) }),
  }),
);
const statusSchema = z.object({ uptime: z.iso.datetime({ offset: true }) });

/** Label names the classic matcher syntax takes unquoted; Alertmanager 0.25 accepts only these. */
const LABEL_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** `name="value"` with `\`, `"` and newlines escaped as Alertmanager's matcher parser expects. */
export function matcherFilter(m: LabelMatcher): string {
  const value = m.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `${m.name}="${value}"`;
}

/** The query of the alert list: every state, and the matchers it can express (others only widen the list). */
export function alertsQuery(matchers: readonly LabelMatcher[]): URLSearchParams {
  const query = new URLSearchParams({ active: 'true', silenced: 'true', inhibited: 'true', unprocessed: 'true' });
  for (const m of matchers) if (LABEL_NAME.test(m.name)) query.append('filter', matcherFilter(m));
  return query;
}

export function createAlertmanagerAlertSource(options: AlertmanagerAlertSourceOptions): AlertSource {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const doFetch = options.fetch ?? fetch;

  /** GET `path` and parse it with `schema`; `what` names the request in errors. */
  const get = async <T>(path: string, query: URLSearchParams | undefined, schema: z.ZodType<T>, what: string): Promise<T> => {
    const { url, where, headers } = alertmanagerEndpoint(options.url, path);
    const target = query ? `${url}?${query.toString()}` : url;
    let res: Response;
    let text: string;
    try {
      res = await doFetch(target, { method: 'GET', headers, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      throw new Error(failureText(err, where, timeoutMs));
    }
    if (!res.ok) {
      const reason = shortReason(text);
      throw new Error(`Alertmanager refused ${what}: HTTP ${res.status}${reason ? ` (${reason})` : ''}`);
    }
    if (text.length > MAX_BODY_CHARS) throw new Error(`Alertmanager answered ${what} with more than ${MAX_BODY_CHARS} characters`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`Alertmanager answered ${what} with something that is not JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new Error(`Alertmanager answered ${what} in an unexpected shape`);
    return parsed.data;
  };

  return {
    async activeFingerprints(matchers) {
      const alerts = await get('/api/v2/alerts', alertsQuery(matchers), alertsSchema, 'the alert list');
      return new Set(alerts.map((a) => a.fingerprint));
    },
    async startedAt() {
      const status = await get('/api/v2/status', undefined, statusSchema, 'the status');
      return new Date(status.uptime);
    },
  };
}
