/**
 * Failures every store port may raise. Adapters translate their driver's errors into these, so the core can
 * tell "the database is away" from a bug without knowing which database or client library is behind a port.
 */

/** The store behind a port cannot be reached right now (connection refused or lost, timed out): nothing was changed. */
export class StoreUnavailableError extends Error {
  override readonly name: string = 'StoreUnavailableError';
  constructor(
    /** What is away, as /readyz names it (`database`). */
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(`The ${store} cannot be reached.`, options);
  }
}

export const isStoreUnavailable = (error: unknown): error is StoreUnavailableError => error instanceof StoreUnavailableError;

/** What QueueUnavailableError names as away. */
export const JOB_QUEUE = 'job queue';

/**
 * The job queue cannot be reached (its server is away or does not answer in time): the job was not added.
 * A kind of StoreUnavailableError, so the pipeline answers it the same way, with the queue's own sentence.
 */
export class QueueUnavailableError extends StoreUnavailableError {
  override readonly name: string = 'QueueUnavailableError';
  constructor(options?: { cause?: unknown }) {
    super(JOB_QUEUE, options);
  }
}
