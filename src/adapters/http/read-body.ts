import type { IncomingMessage } from 'node:http';

export class PayloadTooLargeError extends Error {
  /**
   * @param limit the largest body accepted
   * @param drained true when the rest of the body was read and discarded, so an answer reaches the client;
   *   false when the client sent more than the drain allows (answer with `connection: close`, it may be lost).
   */
  constructor(
    readonly limit: number,
    readonly drained = true,
  ) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

/** The client went away (or broke the framing) before its body was complete: there is nobody to answer. */
export class ClientAbortedError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('client closed the request before its body was complete', options);
    this.name = 'ClientAbortedError';
  }
}

/** How much of a refused body is read and thrown away so the client is still listening for the answer. */
export interface DrainLimits {
  maxBytes: number;
  maxMs: number;
}

/** Enough for a client that sends a body ten or more times the usual limit; a few seconds at most. */
export const DEFAULT_DRAIN_LIMITS: DrainLimits = { maxBytes: 64 * 1024 * 1024, maxMs: 5000 };

/**
 * `drained`: the body was read to its end. `cut`: the client sent more than `limits` allow (in bytes or time).
 * `closed`: the client went away first.
 */
export type DrainOutcome = 'drained' | 'cut' | 'closed';

/**
 * Reads and discards the rest of a request body. A client that is still writing its body when the server
 * answers and closes the socket sees EPIPE or ECONNRESET, not the answer: drain first, then answer.
 */
export function drainBody(req: IncomingMessage, limits: DrainLimits = DEFAULT_DRAIN_LIMITS): Promise<DrainOutcome> {
  if (req.readableEnded || req.complete) return Promise.resolve('drained');
  if (req.destroyed) return Promise.resolve('closed');
  return new Promise((resolve) => {
    let size = 0;
    const finish = (outcome: DrainOutcome) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onClosed);
      req.off('close', onClosed);
      if (outcome === 'cut') req.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish('cut');
    };
    const onEnd = () => finish('drained');
    const onClosed = () => finish('closed');
    const timer = setTimeout(() => finish('cut'), limits.maxMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onClosed);
    req.on('close', onClosed);
    req.resume();
  });
}

/**
 * Reads a mounted route's body, refusing more than `maxBytes` (also when no Content-Length was sent).
 * The server itself never buffers bodies: mounted handlers call this when they need the raw bytes.
 * On overflow the rest of the body is drained (up to `drain`) before this rejects with PayloadTooLargeError,
 * so the 413 the caller sends reaches the client; answer it with `connection: close`.
 * Rejects with ClientAbortedError when the client goes away mid-body.
 */
export function readBody(req: IncomingMessage, maxBytes: number, drain: DrainLimits = DEFAULT_DRAIN_LIMITS): Promise<Buffer> {
  if (req.destroyed && !req.readableEnded) return Promise.reject(new ClientAbortedError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      cleanup();
      chunks.length = 0;
      const rest = { maxBytes: Math.max(0, drain.maxBytes - size), maxMs: drain.maxMs };
      void drainBody(req, rest).then((outcome) => reject(new PayloadTooLargeError(maxBytes, outcome === 'drained')));
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new ClientAbortedError({ cause: err }));
    };
    const onClose = () => {
      cleanup();
      reject(new ClientAbortedError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
