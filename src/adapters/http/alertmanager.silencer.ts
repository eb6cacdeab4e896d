/**
 * The Silencer port over Alertmanager's HTTP API v2 (`POST /api/v2/silences`), for the Silence button on
 * alert messages. Every failure becomes a short, chat-safe Error: no stack, no credentials, no long body.
 */
import { z } from 'zod';
import type { NewSilence, Silencer } from '../../core/ports/silencer.port.js';
import { alertmanagerEndpoint, failureText, shortReason } from './alertmanager.api.js';

export interface AlertmanagerSilencerOptions {
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` (a path prefix and user:password@ are kept). */
  url: string;
  /** Per request; default 5 s. */
  timeoutMs?: number;
  /** For tests; default the global fetch. */
  fetch?: typeof fetch;
}

const responseSchema = z.object({ silenceID: z.string().min(1).max(200) });

export function createAlertmanagerSilencer(options: AlertmanagerSilencerOptions): Silencer {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const doFetch = options.fetch ?? fetch;
  const { url, where, headers } = alertmanagerEndpoint(options.url, '/api/v2/silences');
  return {
    async expire(silenceId: string): Promise<void> {
      const id = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a silence id').parse(silenceId);
      const one = alertmanagerEndpoint(options.url, `/api/v2/silence/${id}`);
      let res: Response;
      try {
        res = await doFetch(one.url, { method: 'DELETE', headers: one.headers, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
        await res.text();
      } catch (err) {
        throw new Error(failureText(err, where, timeoutMs));
      }
      if (!res.ok) throw new Error(`Alertmanager did not expire silence ${id}: HTTP ${res.status}`);
    },
    async create(silence: NewSilence): Promise<string> {
      const body = JSON.stringify({
        matchers: silence.matchers,
        startsAt: silence.startsAt.toISOString(),
        endsAt: silence.endsAt.toISOString(),
        createdBy: silence.createdBy,
        comment: silence.comment,
      });
      let res: Response;
      let text: string;
      try {
        res = await doFetch(url, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
        text = await res.text();
      } catch (err) {
        throw new Error(failureText(err, where, timeoutMs));
      }
      if (!res.ok) {
        const reason = shortReason(text);
        throw new Error(`Alertmanager refused the silence: HTTP ${res.status}${reason ? ` (${reason})` : ''}`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error('Alertmanager answered something that is not JSON');
      }
      const parsed = responseSchema.safeParse(json);
      if (!parsed.success) throw new Error('Alertmanager answered without a silence id');
      return parsed.data.silenceID;
    },
  };
}
