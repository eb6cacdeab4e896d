import { z } from 'zod';
import type { ContainerSelector } from '../core/domain/catalog.js';
import type { Logger } from '../core/ports/logger.port.js';
import { HostUnreachableError, type Runtime, type RuntimeRegistry } from '../core/ports/runtime.port.js';
import { DockerRuntimeRegistry, hostConfigSchema as dockerHostSchema } from './docker/docker-hosts.js';
import type { RuntimeStartOptions } from './docker/docker.runtime.js';
import { KubernetesRuntimeRegistry, kubernetesHostSchema } from './kubernetes/kubernetes-hosts.js';

/**
 * Every runtime kind Deckhand can act on. A host of the config names its kind (`kind:`, default `docker`);
 * a catalog service names its host (`target:` or `host:`). A new kind is one folder under src/adapters/
 * with a host schema (its `kind` a required `z.literal`) and a registry, then one entry in each of the two
 * tables below: HOST_SCHEMAS and KINDS.
 */

/** Each kind's host schema; docker's `kind` is optional, so hosts written before kinds existed still parse. */
const HOST_SCHEMAS = [dockerHostSchema, kubernetesHostSchema] as const;

type HostOf<K extends RuntimeKind> = Extract<RuntimeHostConfig, { kind?: K }>;
type KindRegistry<K extends RuntimeKind> = (hosts: Record<string, HostOf<K>>, options: RuntimeOptions) => RuntimeRegistry & KindLifecycle;

/** What a kind's registry may add: starting and closing what it keeps running, a readiness check beyond ping. */
interface KindLifecycle {
  start?(options?: RuntimeStartOptions): Promise<void>;
  close?(): Promise<void>;
  /** Rejects when the host is down; `degraded` when it answers but works in a slower mode. */
  check?(host: string, signal: AbortSignal): Promise<{ degraded: string } | undefined>;
}

const KINDS: { [K in RuntimeKind]: KindRegistry<K> } = {
  docker: (hosts, o) => new DockerRuntimeRegistry(hosts, { ...(o.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: o.defaultTimeoutMs } : {}), ...(o.logger ? { logger: o.logger } : {}), ...(o.selectors ? { selectors: o.selectors } : {}) }),
  // Loads @kubernetes/client-node only when a kubernetes host's runtime makes its first call.
  kubernetes: (hosts, o) => new KubernetesRuntimeRegistry(hosts, { ...(o.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: o.defaultTimeoutMs } : {}), ...(o.logger ? { logger: o.logger } : {}), ...(o.selectors ? { selectors: o.selectors } : {}) }),
};

/** The kinds there are, for messages. */
export const runtimeKinds = (): string[] => Object.keys(KINDS);

/** One host of `hosts:` in the config, of any kind; an unknown kind is refused naming the kinds there are. */
export const runtimeHostSchema = z.discriminatedUnion('kind', HOST_SCHEMAS, {
  error: (issue) => (issue.code === 'invalid_union' ? `one of: ${runtimeKinds().join(', ')} (a host without kind: is docker)` : undefined),
});
export type RuntimeHostConfig = z.infer<(typeof HOST_SCHEMAS)[number]>;
export type RuntimeKind = NonNullable<RuntimeHostConfig['kind']>;

export interface RuntimeOptions {
  /** Deadline of query calls for hosts without their own. */
  defaultTimeoutMs?: number;
  logger?: Logger;
  /** The catalog's selectors per host, for kinds that keep an index of what they select. */
  selectors?: Record<string, readonly ContainerSelector[]>;
}

/** The runtimes of every configured host, whatever their kind: each host's runtime comes from its kind's registry. */
export class Runtimes implements RuntimeRegistry {
  private readonly byHost = new Map<string, RuntimeRegistry & KindLifecycle>();

  constructor(hosts: Record<string, RuntimeHostConfig>, options: RuntimeOptions = {}) {
    const byKind = new Map<RuntimeKind, Record<string, RuntimeHostConfig>>();
    for (const [name, host] of Object.entries(hosts)) {
      const kind = host.kind ?? 'docker';
      byKind.set(kind, { ...byKind.get(kind), [name]: host });
    }
    for (const [kind, kindHosts] of byKind) {
      // Hosts are grouped by their kind, so each group is that kind's host type.
      const registry = (KINDS[kind] as KindRegistry<RuntimeKind>)(kindHosts as Record<string, HostOf<RuntimeKind>>, options);
      for (const name of registry.hosts()) this.byHost.set(name, registry);
    }
  }

  /** The runtime of a configured host; an unknown host is reported as unreachable. */
  get(host: string): Runtime {
    const registry = this.byHost.get(host);
    if (registry === undefined) throw new HostUnreachableError(host, 'no such host in the configuration');
    return registry.get(host);
  }

  hosts(): string[] {
    return [...this.byHost.keys()];
  }

  /** Starts what each kind keeps running (Docker: the container indexes); never rejects. */
  async start(options: RuntimeStartOptions = {}): Promise<void> {
    await Promise.all([...new Set(this.byHost.values())].map((r) => r.start?.(options)));
  }

  async close(): Promise<void> {
    await Promise.all([...new Set(this.byHost.values())].map((r) => r.close?.()));
  }

  /** Readiness of one host: its kind's own check, else a ping. */
  async check(host: string, signal: AbortSignal): Promise<{ degraded: string } | undefined> {
    const registry = this.byHost.get(host);
    if (registry?.check) return registry.check(host, signal);
    await this.get(host).ping({ signal });
    return undefined;
  }
}
