import { z } from 'zod';
import type { Logger } from '../core/ports/logger.port.js';
import { HostUnreachableError, type Runtime, type RuntimeRegistry } from '../core/ports/runtime.port.js';
import { DockerRuntimeRegistry, hostConfigSchema as dockerHostSchema } from './docker/docker-hosts.js';

/**
 * Every runtime kind Deckhand can act on, one line each. A host of the config names its kind (`kind:`,
 * default `docker`); a catalog service names its host (`target:` or `host:`). A new kind is one folder
 * under src/adapters/ with a host schema and a registry, plus one line in each table below.
 */

/** One host of `hosts:` in the config, of any kind. */
export const runtimeHostSchema = dockerHostSchema;
export type RuntimeHostConfig = z.infer<typeof runtimeHostSchema>;
export type RuntimeKind = NonNullable<RuntimeHostConfig['kind']>;

export interface RuntimeOptions {
  /** Deadline of query calls for hosts without their own. */
  defaultTimeoutMs?: number;
  logger?: Logger;
}

type KindRegistry = (hosts: Record<string, RuntimeHostConfig>, options: RuntimeOptions) => RuntimeRegistry;

const KINDS: Record<RuntimeKind, KindRegistry> = {
  docker: (hosts, o) => new DockerRuntimeRegistry(hosts, { ...(o.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: o.defaultTimeoutMs } : {}), ...(o.logger ? { logger: o.logger } : {}) }),
};

/** The runtimes of every configured host, whatever their kind: each host's runtime comes from its kind's registry. */
export class Runtimes implements RuntimeRegistry {
  private readonly byHost = new Map<string, RuntimeRegistry>();

  constructor(hosts: Record<string, RuntimeHostConfig>, options: RuntimeOptions = {}) {
    const byKind = new Map<RuntimeKind, Record<string, RuntimeHostConfig>>();
    for (const [name, host] of Object.entries(hosts)) {
      const kind = host.kind ?? 'docker';
      byKind.set(kind, { ...byKind.get(kind), [name]: host });
    }
    for (const [kind, kindHosts] of byKind) {
      const registry = KINDS[kind](kindHosts, options);
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
}
