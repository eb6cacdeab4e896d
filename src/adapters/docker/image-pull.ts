import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { ImagePullError } from '../../core/ports/runtime.port.js';
import { pullParameters } from './image-reference.js';

/** Longest engine message kept in an ImagePullError reason (it reaches chat). */
const MAX_REASON = 300;

interface ProgressEvent {
  error?: unknown;
  errorDetail?: { message?: unknown } | null;
}

/**
 * Pulls `ref` and reads the whole progress stream: engines answer HTTP 200 and report a failed pull in the
 * stream (`errorDetail`), so the status alone proves nothing. HTTP errors become ImagePullError too;
 * transport errors and aborts pass through for engineCall to translate.
 */
export async function pullImage(docker: Docker, ref: string, signal: AbortSignal): Promise<void> {
  let response: IncomingMessage;
  try {
    response = await openPull(docker, ref, signal);
  } catch (error) {
    throw httpPullError(ref, error) ?? error;
  }
  const failure = await firstError(response, signal);
  if (failure !== undefined) throw new ImagePullError(ref, shorten(failure));
}

function openPull(docker: Docker, ref: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/images/create?',
        method: 'POST',
        isStream: true,
        abortSignal: signal,
        options: pullParameters(ref),
        statusCodes: { 200: true, 404: 'repository or tag not found', 500: 'server error' },
      },
      (error, stream) => (error ? reject(error) : resolve(stream as IncomingMessage)),
    );
  });
}

/** The engine's message of an HTTP-level pull failure, or undefined for non-HTTP errors. */
function httpPullError(ref: string, error: unknown): ImagePullError | undefined {
  const e = error as { statusCode?: unknown; json?: { message?: unknown } | null; reason?: unknown };
  if (typeof e?.statusCode !== 'number') return undefined;
  const message = typeof e.json?.message === 'string' ? e.json.message : typeof e.reason === 'string' ? e.reason : '';
  return new ImagePullError(ref, shorten(message || `engine answered HTTP ${e.statusCode}`));
}

/** Reads newline-delimited JSON events to the end; returns the first error message, if any. */
async function firstError(response: IncomingMessage, signal: AbortSignal): Promise<string | undefined> {
  const onAbort = (): void => {
    response.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  let pending = '';
  let failure: string | undefined;
  try {
    for await (const chunk of response) {
      pending += (chunk as Buffer).toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      failure ??= lines.map(errorOf).find((m) => m !== undefined);
    }
    return failure ?? errorOf(pending);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function errorOf(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  let event: ProgressEvent;
  try {
    event = JSON.parse(line) as ProgressEvent;
  } catch {
    return undefined;
  }
  const detail = event.errorDetail?.message;
  if (typeof detail === 'string' && detail) return detail;
  return typeof event.error === 'string' && event.error ? event.error : undefined;
}

function shorten(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_REASON ? oneLine : `${oneLine.slice(0, MAX_REASON - 1)}…`;
}
