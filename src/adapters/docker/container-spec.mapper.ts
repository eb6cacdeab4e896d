import { isDeepStrictEqual } from 'node:util';
import type Docker from 'dockerode';

/**
 * Builds the create options of a replacement container from the old container's inspect output, the way
 * watchtower and compose do: settings equal to the old image's defaults are left out so the new image's
 * defaults (its version label, CMD, HEALTHCHECK, env) apply; everything the operator set is kept.
 */

export interface Healthcheck {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
}

/** The image settings a container inherits (Docker's image Config; Podman's libpod Healthcheck added). */
export interface ImageDefaults {
  Env?: string[] | null;
  Labels?: Record<string, string> | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | string | null;
  WorkingDir?: string;
  User?: string;
  Healthcheck?: Healthcheck | null;
}

interface Endpoint {
  Aliases?: string[] | null;
  IPAMConfig?: Record<string, unknown> | null;
}

interface MountPoint {
  Type?: string;
  Name?: string;
  Destination?: string;
}

/** The fields of a full container inspect that a replacement keeps. */
export interface CloneSource {
  Id: string;
  Name: string;
  Config: ImageDefaults & {
    Image?: string;
    Hostname?: string;
    Domainname?: string;
    ExposedPorts?: Record<string, object> | null;
    Tty?: boolean;
    OpenStdin?: boolean;
    StopTimeout?: number;
  };
  HostConfig?: Record<string, unknown> & { NetworkMode?: string; Binds?: string[] | null; Mounts?: Array<{ Target?: string }> | null };
  NetworkSettings?: { Networks?: Record<string, Endpoint> | null } | null;
  Mounts?: MountPoint[] | null;
}

export interface NetworkAttachment {
  network: string;
  aliases: string[];
}

export interface CloneSpec {
  create: Docker.ContainerCreateOptions;
  /** Networks beyond the first, connected after create (older APIs take one endpoint at create). */
  extraNetworks: NetworkAttachment[];
}

/** HostConfig fields carried over verbatim; engine-computed defaults (cgroups, pids, shm) are left out. */
const HOST_FIELDS = [
  'Binds', 'PortBindings', 'RestartPolicy', 'ExtraHosts', 'Dns', 'DnsOptions', 'DnsSearch', 'CapAdd', 'CapDrop',
  'Privileged', 'ReadonlyRootfs', 'LogConfig', 'Memory', 'MemoryReservation', 'NanoCpus', 'CpuShares', 'Init',
  'Tmpfs', 'SecurityOpt', 'GroupAdd', 'PublishAllPorts', 'VolumesFrom', 'Devices', 'Mounts', 'Sysctls',
] as const;

/** Default networks, on which the engine refuses network-scoped aliases. */
const DEFAULT_NETWORKS = new Set(['bridge', 'default', 'podman']);
/** Network modes that are not networks to attach to. */
const SPECIAL_MODE = /^(host|none|container:.+|ns:.+|slirp4netns.*|pasta.*|private)$/;

export function cloneSpec(
  old: CloneSource,
  image: ImageDefaults,
  target: { image: string; name: string; labels: Record<string, string>; dropLabels: (key: string) => boolean },
): CloneSpec {
  const [first, ...extraNetworks] = networkAttachments(old);
  const create: Docker.ContainerCreateOptions = {
    name: target.name,
    Image: target.image,
    ...configOverrides(old, image),
    Env: envOverrides(old, image),
    Labels: { ...labelOverrides(old.Config.Labels, image.Labels, target.dropLabels), ...target.labels },
    HostConfig: hostConfig(old, first !== undefined),
  };
  if (first !== undefined) {
    create.NetworkingConfig = { EndpointsConfig: { [first.network]: endpointConfig(first) } };
  }
  return { create, extraNetworks };
}

export function endpointConfig(attachment: NetworkAttachment): Docker.EndpointSettings {
  return attachment.aliases.length > 0 ? { Aliases: attachment.aliases } : {};
}

/** Settings that differ from the old image's, so the new image's defaults apply to the rest. */
function configOverrides(old: CloneSource, image: ImageDefaults): Partial<Docker.ContainerCreateOptions> {
  const c = old.Config;
  const result: Partial<Docker.ContainerCreateOptions> = {};
  if (!sameList(c.Cmd, image.Cmd)) result.Cmd = c.Cmd ?? [];
  if (!sameList(c.Entrypoint, image.Entrypoint)) result.Entrypoint = c.Entrypoint ?? [];
  if (!sameHealthcheck(c.Healthcheck, image.Healthcheck) && c.Healthcheck) result.Healthcheck = c.Healthcheck as Docker.HealthConfig;
  if (c.WorkingDir && c.WorkingDir !== (image.WorkingDir || '/')) result.WorkingDir = c.WorkingDir;
  if (c.User && c.User !== (image.User ?? '')) result.User = c.User;
  if (c.Hostname && !old.Id.startsWith(c.Hostname)) result.Hostname = c.Hostname;
  if (c.Domainname) result.Domainname = c.Domainname;
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length > 0) result.ExposedPorts = { ...c.ExposedPorts };
  if (c.Tty) result.Tty = true;
  if (c.OpenStdin) result.OpenStdin = true;
  if (c.StopTimeout !== undefined && c.StopTimeout > 0) result.StopTimeout = c.StopTimeout;
  return result;
}

/** The container's env minus what the image set (and the HOSTNAME Podman adds), in the original order. */
function envOverrides(old: CloneSource, image: ImageDefaults): string[] {
  const inherited = new Set(image.Env ?? []);
  return (old.Config.Env ?? []).filter((entry) => !inherited.has(entry) && !entry.startsWith('HOSTNAME='));
}

function labelOverrides(
  labels: Record<string, string> | null | undefined,
  inherited: Record<string, string> | null | undefined,
  drop: (key: string) => boolean,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (drop(key) || inherited?.[key] === value) continue;
    result[key] = value;
  }
  return result;
}

function hostConfig(old: CloneSource, attached: boolean): Docker.HostConfig {
  const source = old.HostConfig ?? {};
  const result: Record<string, unknown> = {};
  for (const field of HOST_FIELDS) {
    const value = source[field];
    if (value !== undefined && value !== null && value !== '') result[field] = value;
  }
  const volumes = uncoveredVolumes(old);
  if (volumes.length > 0) result.Mounts = [...((result.Mounts as unknown[] | undefined) ?? []), ...volumes];
  const mode = source.NetworkMode;
  if (mode && SPECIAL_MODE.test(mode)) result.NetworkMode = mode;
  else if (!attached && mode) result.NetworkMode = mode;
  return result as Docker.HostConfig;
}

/** Volumes the container has that neither Binds nor HostConfig.Mounts name (anonymous image volumes). */
function uncoveredVolumes(old: CloneSource): Array<{ Type: 'volume'; Source: string; Target: string }> {
  const covered = new Set<string>();
  for (const bind of old.HostConfig?.Binds ?? []) {
    const target = bind.split(':')[1];
    if (target) covered.add(target);
  }
  for (const mount of old.HostConfig?.Mounts ?? []) if (mount.Target) covered.add(mount.Target);
  return (old.Mounts ?? [])
    .filter((m) => m.Type === 'volume' && m.Name && m.Destination && !covered.has(m.Destination))
    .map((m) => ({ Type: 'volume' as const, Source: m.Name!, Target: m.Destination! }));
}

/** User networks with the aliases the operator gave (engine-added id and name aliases dropped). */
function networkAttachments(old: CloneSource): NetworkAttachment[] {
  const mode = old.HostConfig?.NetworkMode ?? '';
  if (SPECIAL_MODE.test(mode)) return [];
  const generated = new Set([old.Id.slice(0, 12), old.Config.Hostname ?? '', old.Name.replace(/^\//, '')]);
  const attachments = Object.entries(old.NetworkSettings?.Networks ?? {})
    .filter(([network]) => !DEFAULT_NETWORKS.has(network))
    .map(([network, endpoint]) => ({
      network,
      aliases: (endpoint.Aliases ?? []).filter((alias) => !generated.has(alias)),
    }));
  // Keep the configured network mode first, so the primary network stays primary.
  return attachments.sort((a, b) => Number(b.network === mode) - Number(a.network === mode));
}

function sameList(a: string[] | string | null | undefined, b: string[] | string | null | undefined): boolean {
  const norm = (v: string[] | string | null | undefined): string[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return isDeepStrictEqual(norm(a), norm(b));
}

function sameHealthcheck(a: Healthcheck | null | undefined, b: Healthcheck | null | undefined): boolean {
  const norm = (h: Healthcheck | null | undefined) => ({
    Test: h?.Test ?? [],
    Interval: h?.Interval ?? 0,
    Timeout: h?.Timeout ?? 0,
    Retries: h?.Retries ?? 0,
    StartPeriod: h?.StartPeriod ?? 0,
  });
  return isDeepStrictEqual(norm(a), norm(b));
}
