import type { HttpProbe } from '../../core/ports/runtime.port.js';

export type { HttpProbe };

/** What a probe found: healthy (reported like a healthcheck), or the last reason it was not. */
export type ProbeOutcome = { healthy: true; via: 'healthcheck' } | { healthy: false; reason: 'timeout'; detail: string };

export type ProbeFetch = (url: string, signal: AbortSignal) => Promise<{ status: number }>;

const defaultFetch: ProbeFetch = (url, signal) => fetch(url, { signal, redirect: 'manual' });

/**
 * Polls the probe until it answers 2xx or the timeout passes. Never throws: a refused connection, a
 * non-2xx answer or the timeout come back as an unhealthy outcome with the last reason.
 */
export async function runHttpProbe(probe: HttpProbe, container: string, get: ProbeFetch = defaultFetch): Promise<ProbeOutcome> {
  const url = probe.url.replaceAll('{container}', encodeURIComponent(container));
  const deadline = Date.now() + probe.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const left = deadline - Date.now();
    try {
      const res = await get(url, AbortSignal.timeout(Math.max(1, Math.min(left, 5_000))));
      if (res.status >= 200 && res.status < 300) return { healthy: true, via: 'healthcheck' };
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    }
    await new Promise((r) => setTimeout(r, Math.min(probe.intervalMs ?? 1_000, Math.max(0, deadline - Date.now()))));
  }
  return { healthy: false, reason: 'timeout', detail: `probe ${url}: ${last}` };
}
