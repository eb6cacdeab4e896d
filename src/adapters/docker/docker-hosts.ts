import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { z } from 'zod';
import { priceSchema } from '../../core/cost/prices.js';
import type { ContainerSelector } from '../../core/domain/catalog.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { HostUnreachableError, type RuntimeRegistry } from '../../core/ports/runtime.port.js';
import { DockerRuntime, type Degraded, type DockerRuntimeOptions, type RuntimeStartOptions } from './docker.runtime.js';
import { loadDockerode } from './dockerode-loader.js';

const URL_HINT = 'must look like unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host[:port]';

const tlsSchema = z
  .object({
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  })
  .strict()
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
    message: 'tls.cert and tls.key must be given together',
  });

/** One Docker host of the config: where its engine API is and how to talk to it. */
export const hostConfigSchema = z
  .object({
    /** The runtime kind (src/adapters/runtimes.ts); a host without one is a Docker host. */
    kind: z.literal('docker').optional(),
    url: z.string().trim().refine((url) => parseHostUrl(url) !== null, { message: `host url ${URL_HINT}` }),
    /** File paths of PEM files (tcp only). */
    tls: tlsSchema.optional(),
    /** Deadline of query calls (status, logs, env); default limits.hostTimeoutMs. */
    timeoutMs: z.number().int().positive().max(300_000).optional(),
    /** Deadline of each engine call of an action (create, stop, rename, start, remove, restart); default 30 s. */
    actionTimeoutMs: z.number().int().min(100).max(600_000).optional(),
    /**
     * Keep a live index of the catalog's containers on this host, so status needs no engine call (default
     * true); false for an engine whose event stream cannot be had (status then always asks the engine).
     */
    index: z.boolean().optional(),
    /** Full resync of the container index while its event stream is up; default 5 min. */
    indexResyncMs: z.number().int().min(1_000).max(86_400_000).optional(),
    /** What use of this host costs (see `cost:` in the README); a project's own prices win. */
    cost: priceSchema.optional(),
  })
  .strict()
  .refine((host) => host.tls === undefined || parseHostUrl(host.url)?.kind === 'tcp', {
    message: 'tls applies to tcp:// hosts only',
    path: ['tls'],
  });

export type HostConfig = z.infer<typeof hostConfigSchema>;

/** `hosts:` of the config: host name → host. */
export const hostsConfigSchema = z.record(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'host names use letters, digits, `_`, `.` and `-`'),
  hostConfigSchema,
);

export type ParsedHostUrl =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number | undefined }
  | { kind: 'ssh'; host: string; port: number; username: string | undefined };

/** Parses a host URL; null when it is not one of the supported forms. */
export function parseHostUrl(raw: string): ParsedHostUrl | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.search || url.hash || url.password) return null;
  const port = url.port === '' ? undefined : Number(url.port);
  switch (url.protocol) {
    case 'unix:':
      return url.host === '' && url.pathname.length > 1 ? { kind: 'unix', socketPath: decodeURIComponent(url.pathname) } : null;
    case 'tcp:':
      return url.hostname && !url.username && isRoot(url) ? { kind: 'tcp', host: bareHost(url), port } : null;
    case 'ssh:':
      return url.hostname && isRoot(url)
        ? { kind: 'ssh', host: bareHost(url), port: port ?? 22, username: decodeURIComponent(url.username) || undefined }
        : null;
    default:
      return null;
  }
}

function isRoot(url: URL): boolean {
  return url.pathname === '' || url.pathname === '/';
}

/** Hostname without the brackets URL keeps around IPv6 addresses. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export type ReadFile = (path: string) => Buffer;

/**
 * dockerode options for a host. Every transport field is set explicitly (undefined when unused) because
 * docker-modem merges DOCKER_HOST / DOCKER_CERT_PATH from the environment under the options it is given.
 */
export function dockerOptionsFor(config: HostConfig, readFile: ReadFile = readFileSync): Docker.DockerOptions {
  const parsed = parseHostUrl(config.url);
  if (parsed === null) throw new Error(`host url ${URL_HINT}`);
  const base: Docker.DockerOptions = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
  };
  switch (parsed.kind) {
    case 'unix':
      return { ...base, socketPath: parsed.socketPath, protocol: 'http' };
    case 'ssh': {
      const sshOptions = process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {};
      return { ...base, protocol: 'ssh', host: parsed.host, port: parsed.port, username: parsed.username, sshOptions };
    }
    case 'tcp':
      return tcpOptions(base, parsed.host, parsed.port, config.tls, readFile);
  }
}

function tcpOptions(
  base: Docker.DockerOptions,
  host: string,
  port: number | undefined,
  tls: HostConfig['tls'],
  readFile: ReadFile,
): Docker.DockerOptions {
  if (tls === undefined) return { ...base, protocol: 'http', host, port: port ?? 2375 };
  return {
    ...base,
    protocol: 'https',
    host,
    port: port ?? 2376,
    ca: tls.ca === undefined ? undefined : readFile(tls.ca),
    cert: tls.cert === undefined ? undefined : readFile(tls.cert),
    key: tls.key === undefined ? undefined : readFile(tls.key),
  };
}

export interface DockerRuntimeRegistryOptions {
  /** Deadline of query calls for hosts without their own `timeoutMs`. */
  defaultTimeoutMs?: number;
  /** Deadline of each action call for hosts without their own `actionTimeoutMs` (default 30 s). */
  defaultActionTimeoutMs?: number;
  /** Reads TLS files (tests inject their own; default fs.readFileSync). */
  readFile?: ReadFile;
  /** Where rollouts log the errors they report in chat only by kind. */
  logger?: Logger;
  /** The catalog's selectors per host: each host keeps a live index of the containers they match. */
  selectors?: Record<string, readonly ContainerSelector[]>;
}

/** The runtimes of every configured host, built once at start-up (TLS files are read then). */
export class DockerRuntimeRegistry implements RuntimeRegistry {
  private readonly runtimes = new Map<string, DockerRuntime>();

  constructor(hosts: Record<string, HostConfig>, options: DockerRuntimeRegistryOptions = {}) {
    const checked = hostsConfigSchema.parse(hosts);
    for (const [name, config] of Object.entries(checked)) {
      const Dockerode = loadDockerode();
      const docker = new Dockerode(dockerOptionsFor(config, options.readFile));
      const timeoutMs = config.timeoutMs ?? options.defaultTimeoutMs;
      const actionTimeoutMs = config.actionTimeoutMs ?? options.defaultActionTimeoutMs;
      const runtimeOptions: DockerRuntimeOptions = {};
      if (timeoutMs !== undefined) runtimeOptions.timeoutMs = timeoutMs;
      if (actionTimeoutMs !== undefined) runtimeOptions.actionTimeoutMs = actionTimeoutMs;
      if (options.logger !== undefined) runtimeOptions.logger = options.logger;
      const selectors = options.selectors?.[name] ?? [];
      if (selectors.length > 0 && config.index !== false) {
        runtimeOptions.index = { selectors, ...(config.indexResyncMs !== undefined ? { resyncIntervalMs: config.indexResyncMs } : {}) };
      }
      this.runtimes.set(name, new DockerRuntime(name, docker, runtimeOptions));
    }
  }

  /** The runtime of a configured host; an unknown host is reported as unreachable. */
  get(host: string): DockerRuntime {
    const runtime = this.runtimes.get(host);
    if (runtime === undefined) throw new HostUnreachableError(host, 'no such host in the configuration');
    return runtime;
  }

  hosts(): string[] {
    return [...this.runtimes.keys()];
  }

  /** Starts every host's container index in parallel (see DockerRuntime.start); never rejects. */
  async start(options: RuntimeStartOptions = {}): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((r) => r.start(options)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((r) => r.close()));
  }

  /** Readiness of one host: rejects when its engine does not answer, `degraded` when its index is not live. */
  check(host: string, signal: AbortSignal): Promise<Degraded | undefined> {
    return this.get(host).readiness({ signal });
  }
}
