/**
 * Why an action stopped when Deckhand shut down while it ran (chat-safe, no final period). The unit under
 * way finished; nothing further was touched and what had been changed was put back.
 */
export const SHUTTING_DOWN = 'Stopped because Deckhand was shutting down';

/** True once the shutdown signal has fired. */
export const shuttingDown = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;
