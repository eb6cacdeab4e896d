import { maskText } from '../../core/domain/redact.js';

/** One dependency the bot needs to serve traffic (database, Redis, a Docker host…). */
export interface ReadinessCheck {
  name: string;
  /**
   * Resolves when healthy, or with `degraded` when the dependency works in a slower mode (still ready);
   * should honour `signal` (aborted when the check times out).
   */
  check(signal: AbortSignal): Promise<void | { degraded: string } | undefined>;
}

export type CheckResult =
  | { name: string; ok: true; durationMs: number; degraded?: string }
  | { name: string; ok: false; durationMs: number; error: string };

export interface ReadinessReport {
  ready: boolean;
  /** Ready, but some check reported a degraded mode. */
  degraded: boolean;
  checks: CheckResult[];
}

const MAX_ERROR_LENGTH = 160;

/**
 * Short, safe error text for a public endpoint: first line only, URLs (connection strings) dropped entirely,
 * token formats and key=value secrets masked, length capped. Never a stack.
 */
export function publicErrorText(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : 'check failed';
  const firstLine = raw.split('\n', 1)[0] ?? '';
  const withoutUrls = firstLine.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');
  const text = maskText(withoutUrls).trim() || 'check failed';
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(() => check.check(controller.signal)), timeout]);
    const durationMs = Math.round(performance.now() - started);
    return outcome?.degraded ? { name: check.name, ok: true, durationMs, degraded: publicErrorText(outcome.degraded) } : { name: check.name, ok: true, durationMs };
  } catch (err) {
    return { name: check.name, ok: false, durationMs: Math.round(performance.now() - started), error: publicErrorText(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in parallel, each with its own timeout; ready only when all pass, degraded when one says so. */
export async function runReadiness(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  return { ready: results.every((r) => r.ok), degraded: results.some((r) => r.ok && r.degraded !== undefined), checks: results };
}
