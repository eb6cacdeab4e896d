import { ContainerNotFoundError, HostUnreachableError, ImagePullError } from '../ports/runtime.port.js';

/**
 * A chat-safe description of an error: our own error types say what went wrong; anything else is
 * reported generically (its message may hold internals) and logged in full by the caller.
 */
export function describeError(error: unknown): string {
  if (error instanceof ImagePullError) return `cannot pull ${error.image}: ${oneLine(error.reason)}`;
  if (error instanceof HostUnreachableError) return `host ${error.host} unreachable: ${oneLine(error.reason)}`;
  if (error instanceof ContainerNotFoundError) return `container ${error.containerId.slice(0, 12)} not found`;
  return 'unexpected error (details in the bot log)';
}

export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
