import { setMaxListeners } from 'node:events';
import { HostUnreachableError, RuntimeRefusedError } from '../../core/ports/runtime.port.js';
import { raceAbort } from '../race-abort.js';

/**
 * One Kubernetes API call under a deadline and the caller's signal, with its failures translated: a
 * cluster that cannot be reached becomes HostUnreachableError, a 403 a KubernetesRefusedError that says
 * what was refused, a 404 a KubernetesNotFoundError; the deadline passing is a TimeoutError.
 */

/** Socket-level error codes that mean "the API server cannot be reached", with a short human reason. */
const CONNECTION_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNABORTED: 'connection aborted',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

/** What a call was about, for the error messages (`patch deployments shop/api`). */
export interface CallWhat {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

const describeWhat = (w: CallWhat): string => `${w.verb} ${w.resource}${w.namespace !== undefined ? ` in namespace ${w.namespace}` : ''}${w.name !== undefined ? ` (${w.name})` : ''}`;

/** The cluster refused the call (403): Deckhand's account lacks the RBAC permission. Chat-safe message. */
export class KubernetesRefusedError extends RuntimeRefusedError {
  constructor(
    host: string,
    readonly what: CallWhat,
  ) {
    super(host, `Kubernetes refused: cannot ${what.verb} ${what.resource}${what.name !== undefined ? ` ${what.name}` : ''}${what.namespace !== undefined ? ` in namespace ${what.namespace}` : ''} (RBAC)`, `cluster ${host} refused Deckhand to ${describeWhat(what)}: its account lacks that permission (RBAC)`);
    this.name = 'KubernetesRefusedError';
  }
}

/** The object asked for does not exist (404). */
export class KubernetesNotFoundError extends Error {
  constructor(
    readonly host: string,
    readonly what: CallWhat,
  ) {
    super(`${what.resource} ${what.namespace !== undefined ? `${what.namespace}/` : ''}${what.name ?? ''} not found on ${host}`);
    this.name = 'KubernetesNotFoundError';
  }
}

/** The API server answered with an error other than 403/404 (a 409 conflict, a 422 invalid patch, an admission denial…). */
export class KubernetesApiError extends Error {
  constructor(
    readonly host: string,
    readonly code: number,
    readonly what: CallWhat,
    /** The API's own Status message, one line. */
    readonly reason: string,
  ) {
    super(`cluster ${host} rejected ${describeWhat(what)}: ${reason || `HTTP ${code}`}`);
    this.name = 'KubernetesApiError';
  }
}

export interface KubeCallScope {
  host: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `run` with a signal that fires at the deadline or when the caller's signal does, and races it so a
 * call that ignores the signal still returns on time.
 */
export async function kubeCall<T>(scope: KubeCallScope, what: CallWhat, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = AbortSignal.timeout(scope.timeoutMs);
  const signal = scope.signal ? AbortSignal.any([deadline, scope.signal]) : deadline;
  setMaxListeners(0, signal);
  try {
    return await raceAbort(run(signal), signal);
  } catch (error) {
    throw translateError(error, scope, what, deadline);
  }
}


interface ClientError {
  code?: unknown;
  body?: unknown;
  name?: unknown;
  type?: unknown;
  errno?: unknown;
  cause?: unknown;
}

/** The status code of an ApiException (`code`, with the API's Status in `body`) or a Watch error (`statusCode`). */
export function statusCodeOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown };
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number' && e.code >= 100 && e.code < 600) return e.code;
  return undefined;
}

/** The `message` of the API's Status body, when there is one. */
function statusMessage(body: unknown): string {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.slice(0, 200);
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message.replace(/\s+/g, ' ').slice(0, 300) : '';
}

export function translateError(error: unknown, scope: KubeCallScope, what: CallWhat, deadline?: AbortSignal): unknown {
  if (error instanceof KubernetesRefusedError || error instanceof KubernetesNotFoundError || error instanceof KubernetesApiError || error instanceof HostUnreachableError) return error;
  if (deadline?.aborted) {
    const timeout = new Error(`no answer from ${scope.host} within ${scope.timeoutMs} ms`);
    timeout.name = 'TimeoutError';
    return timeout;
  }
  if (scope.signal?.aborted) return scope.signal.reason ?? error;
  const status = statusCodeOf(error);
  if (status === 403) {
    // RBAC says "… cannot patch resource …"; anything else refused with a 403 is an admission webhook's answer.
    const message = statusMessage((error as ClientError).body);
    return message === '' || /\bcannot \w+ resource\b/.test(message) ? new KubernetesRefusedError(scope.host, what) : new KubernetesApiError(scope.host, status, what, message);
  }
  if (status === 401) return new HostUnreachableError(scope.host, 'the cluster did not accept Deckhand\'s credentials (401)');
  if (status === 404) return new KubernetesNotFoundError(scope.host, what);
  if (status !== undefined) return new KubernetesApiError(scope.host, status, what, statusMessage((error as ClientError).body));
  const code = connectionCode(error);
  if (code !== undefined) return new HostUnreachableError(scope.host, CONNECTION_ERRORS[code] ?? code);
  return error;
}

/** node-fetch puts the socket's code on the error itself (`code`, `errno`); undici-style errors on `cause`. */
function connectionCode(error: unknown): string | undefined {
  for (let e = error as ClientError | undefined, depth = 0; e && depth < 4; e = e.cause as ClientError | undefined, depth++) {
    for (const c of [e.code, e.errno]) if (typeof c === 'string' && c in CONNECTION_ERRORS) return c;
    if (e.type === 'system' && typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/** A chat-safe description of an error met while acting on a cluster (no URL, no stack). */
export function describeKubeError(error: unknown): string {
  if (error instanceof KubernetesRefusedError || error instanceof KubernetesNotFoundError || error instanceof KubernetesApiError) return oneLine(error.message);
  if (error instanceof HostUnreachableError) return `cluster ${error.host} unreachable: ${oneLine(error.reason)}`;
  if (error instanceof Error && error.name === 'TimeoutError') return oneLine(error.message);
  return 'unexpected error (details in the bot log)';
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
