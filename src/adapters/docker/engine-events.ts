import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';

/** The fields of a `GET /events` entry the container index reads (Docker and Podman's compatible API). */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  /** Older engines put the action here only. */
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null };
  /** Seconds since the epoch. */
  time?: number;
}

/**
 * Actions after which a container's status fields may differ. Docker says `destroy`, Podman 4 `remove`;
 * Docker appends the state to health events (`health_status: healthy`), Podman 4 sends a bare
 * `health_status` whose own `HealthStatus` field can lag the check it reports, so the container is read
 * again rather than the event trusted. Exec, attach, top, resize, copy… change nothing status shows.
 */
const STATE_ACTIONS = new Set([
  'create', 'init', 'start', 'restart', 'die', 'died', 'stop', 'kill', 'oom', 'pause', 'unpause',
  'destroy', 'remove', 'rename', 'update', 'health_status', 'cleanup',
]);

/** The container an event is about, when it is one whose status fields may have changed. */
export function stateChange(event: EngineEvent): { id: string; name: string | undefined; attributes: Record<string, string>; action: string } | null {
  if (event.Type !== undefined && event.Type !== 'container') return null;
  const action = (event.Action ?? event.status ?? '').split(':', 1)[0]?.trim() ?? '';
  if (!STATE_ACTIONS.has(action)) return null;
  const id = event.Actor?.ID ?? event.id;
  if (typeof id !== 'string' || id === '') return null;
  const attributes = event.Actor?.Attributes ?? {};
  return { id, name: attributes.name, attributes, action };
}

/**
 * Opens the engine's container event stream (`GET /events?filters={"type":["container"]}`), from `since`
 * (seconds since the epoch) when given so events of a reconnect's gap are replayed. Resolves once the
 * engine has answered with the stream's headers; aborting `signal` ends the request.
 */
export function openContainerEvents(docker: Docker, since: number | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  const options: Record<string, string> = { filters: JSON.stringify({ type: ['container'] }) };
  if (since !== undefined) options.since = String(since);
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/events?',
        method: 'GET',
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
        options,
      },
      (error, response) => (error ? reject(error) : resolve(response as IncomingMessage)),
    );
  });
}

/** Splits a newline-delimited JSON stream into events; a line that is not JSON is handed to `onBadLine`. */
export function readEvents(stream: IncomingMessage, onEvent: (event: EngineEvent) => void, onBadLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') parseLine(line, onEvent, onBadLine);
      newline = buffered.indexOf('\n');
    }
    // An engine that never sends a newline must not grow the buffer without bound.
    if (buffered.length > 1_000_000) {
      onBadLine(buffered.slice(0, 200));
      buffered = '';
    }
  });
}

function parseLine(line: string, onEvent: (event: EngineEvent) => void, onBadLine: (line: string) => void): void {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    onBadLine(line.slice(0, 200));
    return;
  }
  if (typeof event === 'object' && event !== null) onEvent(event as EngineEvent);
  else onBadLine(line.slice(0, 200));
}
