import type { ContainerInfo, ContainerState, HealthState } from '../../core/ports/runtime.port.js';
import type { ContainerSelector } from '../../core/domain/catalog.js';

/** The fields of `GET /containers/json` entries that selection needs. */
export interface ContainerSummary {
  Id: string;
  Names?: string[] | null;
  Labels?: Record<string, string> | null;
}

/** The fields of `GET /containers/{id}/json` that ContainerInfo needs. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  RestartCount?: number;
  State: { Status?: string; StartedAt?: string; Health?: { Status?: string } | null };
  Config: { Image?: string; Labels?: Record<string, string> | null; Env?: string[] | null; Tty?: boolean; StopTimeout?: number };
}

export const VERSION_LABEL = 'org.opencontainers.image.version';

const STATES: Record<string, ContainerState> = {
  running: 'running',
  restarting: 'restarting',
  paused: 'paused',
  exited: 'exited',
  created: 'created',
  dead: 'dead',
  removing: 'removing',
  // Podman's own words, in case its compatibility layer passes them through.
  stopped: 'exited',
  configured: 'created',
  initialized: 'created',
};

const HEALTH: Record<string, HealthState> = { healthy: 'healthy', unhealthy: 'unhealthy', starting: 'starting' };

/**
 * Whether a listed container matches a selector: exact name (without the leading slash) and every label
 * equal. A selector with neither a name nor labels matches nothing, so a config slip never selects a whole host.
 */
export function matchesSelector(selector: ContainerSelector, container: ContainerSummary): boolean {
  const labels = Object.entries(selector.labels ?? {});
  if (selector.name === undefined && labels.length === 0) return false;
  if (selector.name !== undefined && !(container.Names ?? []).some((n) => stripSlash(n) === selector.name)) {
    return false;
  }
  const actual = container.Labels ?? {};
  return labels.every(([key, value]) => actual[key] === value);
}

export function toContainerInfo(inspect: ContainerInspect): ContainerInfo {
  const labels = inspect.Config.Labels ?? {};
  const image = inspect.Config.Image ?? inspect.Image;
  return {
    id: inspect.Id,
    name: stripSlash(inspect.Name),
    image,
    imageId: inspect.Image,
    version: versionOf(labels, image, inspect.Image),
    state: STATES[inspect.State.Status ?? ''] ?? 'unknown',
    health: HEALTH[inspect.State.Health?.Status ?? ''] ?? 'none',
    startedAt: parseStartedAt(inspect.State.StartedAt),
    restartCount: inspect.RestartCount ?? 0,
    labels: { ...labels },
  };
}

/** The version label, else the image tag, else the short image id. */
export function versionOf(labels: Record<string, string>, image: string, imageId: string): string {
  const label = labels[VERSION_LABEL]?.trim();
  if (label) return label;
  const tag = imageTag(image);
  if (tag) return tag;
  return imageId.replace(/^sha256:/, '').slice(0, 12);
}

/** Tag of an image reference: after the last `:` that follows the last `/`, ignoring digests. */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? '';
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  return colon === -1 ? undefined : lastPart.slice(colon + 1) || undefined;
}

/** KEY=value pairs split on the first `=`; an entry without `=` has an empty value. */
export function parseEnvironment(env: readonly string[] | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of env ?? []) {
    const eq = entry.indexOf('=');
    if (eq === 0) continue;
    if (eq === -1) result[entry] = '';
    else result[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return result;
}

function parseStartedAt(value: string | undefined): Date | null {
  if (!value || value.startsWith('0001-01-01')) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}
