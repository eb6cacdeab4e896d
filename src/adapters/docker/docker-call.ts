import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerNotFoundError, HostUnreachableError } from '../../core/ports/runtime.port.js';
import { raceAbort } from '../race-abort.js';

/** Socket-level error codes that mean "the engine cannot be reached", with a short human reason. */
const CONNECTION_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOENT: 'socket not found',
  EACCES: 'permission denied on the socket',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNABORTED: 'connection aborted',
  ENOTSOCK: 'not a socket',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

/** ssh2 reports transport failures with a `level` instead of a code. */
const SSH_LEVELS: Record<string, string> = {
  'client-socket': 'ssh connection failed',
  'client-timeout': 'ssh connection timed out',
  'client-authentication': 'ssh authentication failed',
  'client-ssh': 'ssh protocol error',
};

export interface CallScope {
  host: string;
  timeoutMs: number;
  /** The caller's signal; aborting it cancels the call. */
  signal?: AbortSignal | undefined;
  /** Set for container-scoped calls so a 404 becomes ContainerNotFoundError. */
  containerId?: string;
}

interface EngineError {
  code?: unknown;
  statusCode?: unknown;
  level?: unknown;
}

/**
 * Runs one engine operation under a deadline (scope.timeoutMs) and the caller's signal, and translates
 * failures into the port's errors. The operation gets the combined signal to hand to dockerode; the call
 * is also raced against it, so operations that ignore the signal still return on time.
 */
export async function engineCall<T>(scope: CallScope, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = AbortSignal.timeout(scope.timeoutMs);
  const signal = scope.signal ? AbortSignal.any([deadline, scope.signal]) : deadline;
  // One signal serves every request of the operation (e.g. an inspect per container), each adding a listener.
  setMaxListeners(0, signal);
  for (let attempt = 1; ; attempt++) {
    try {
      return await raceAbort(run(signal), signal);
    } catch (error) {
      if (attempt < WRITE_FAILURE_ATTEMPTS && isWriteFailure(error) && !signal.aborted) {
        await sleep(WRITE_FAILURE_PAUSE_MS * attempt, undefined, { signal }).catch(() => undefined);
        if (!signal.aborted) continue;
      }
      throw translateError(error, scope, deadline);
    }
  }
}

/**
 * EPIPE means the request could not be written: the engine closed the (kept-alive) connection as we sent,
 * so it never saw the request and sending it again on a fresh connection is safe for any call. A busy
 * Podman does this now and then; without the retry a deploy step failed with "connection closed" for a
 * request the engine never received. Connection resets are not retried: the engine may have acted.
 */
const WRITE_FAILURE_ATTEMPTS = 3;
const WRITE_FAILURE_PAUSE_MS = 100;

function isWriteFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as EngineError).code === 'EPIPE';
}


function translateError(error: unknown, scope: CallScope, deadline: AbortSignal): unknown {
  if (deadline.aborted) {
    return new HostUnreachableError(scope.host, `no answer within ${scope.timeoutMs} ms`);
  }
  if (scope.signal?.aborted) {
    const reason: unknown = scope.signal.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    return timedOut ? new HostUnreachableError(scope.host, 'timed out') : reason;
  }
  const engineError = (typeof error === 'object' && error !== null ? error : {}) as EngineError;
  if (typeof engineError.statusCode === 'number') {
    return translateHttpError(engineError.statusCode, error, scope);
  }
  const reason = connectionReason(engineError);
  return reason === undefined ? error : new HostUnreachableError(scope.host, reason);
}

function translateHttpError(status: number, error: unknown, scope: CallScope): Error {
  if (status === 404 && scope.containerId !== undefined) {
    return new ContainerNotFoundError(scope.containerId);
  }
  return new Error(`engine on host ${scope.host} answered HTTP ${status}`, { cause: error });
}

function connectionReason(error: EngineError): string | undefined {
  if (typeof error.code === 'string' && error.code in CONNECTION_ERRORS) {
    return `${CONNECTION_ERRORS[error.code]} (${error.code})`;
  }
  if (typeof error.level === 'string' && error.level in SSH_LEVELS) {
    return SSH_LEVELS[error.level];
  }
  return undefined;
}
