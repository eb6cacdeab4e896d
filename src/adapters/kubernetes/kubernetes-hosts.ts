import { z } from 'zod';
import { priceSchema } from '../../core/cost/prices.js';
import type { ContainerSelector } from '../../core/domain/catalog.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { HostUnreachableError, type RuntimeRegistry } from '../../core/ports/runtime.port.js';
import type { ClusterAccess, KubeApi } from './kube-client.js';
import { KubernetesRuntime, type KubernetesRuntimeOptions } from './kubernetes.runtime.js';
import { namespaceSchema, parseWorkloadRef, WORKLOAD_HINT } from './workload-ref.js';

/**
 * One cluster of the config (`kind: kubernetes`): a kubeconfig file and optionally one of its contexts,
 * or `inCluster: true` for the service account of the pod Deckhand runs in. Services on it name their
 * workload in `container:` (see workload-ref.ts). Nothing here loads @kubernetes/client-node: the
 * runtime does on its first call.
 */
export const kubernetesHostSchema = z
  .object({
    kind: z.literal('kubernetes'),
    /** Path of a kubeconfig file. */
    kubeconfig: z.string().trim().min(1).optional(),
    /** A context of that file; default its current-context. */
    context: z.string().trim().min(1).optional(),
    /** Use the pod's service account (KUBERNETES_SERVICE_HOST and the mounted token). */
    inCluster: z.literal(true).optional(),
    /** Namespace of workloads named without one, and of `labels:` selectors; default `default`. */
    namespace: namespaceSchema.optional(),
    /** Deadline of query calls (status, logs, env); default limits.hostTimeoutMs. */
    timeoutMs: z.number().int().positive().max(300_000).optional(),
    /** Deadline of each API call of an action (patch, read, list); default 30 s. */
    actionTimeoutMs: z.number().int().min(100).max(600_000).optional(),
    /** What use of this host costs (see `cost:` in the README); a project's own prices win. */
    cost: priceSchema.optional(),
  })
  .strict()
  .refine((h) => (h.kubeconfig === undefined) !== (h.inCluster === undefined), { message: 'a kubernetes host needs `kubeconfig: <path>` or `inCluster: true`, one of them' })
  .refine((h) => h.context === undefined || h.kubeconfig !== undefined, { message: '`context` applies to a kubeconfig file', path: ['context'] });

export type KubernetesHostConfig = z.infer<typeof kubernetesHostSchema>;

export interface KubernetesRuntimeRegistryOptions {
  defaultTimeoutMs?: number;
  logger?: Logger;
  /** Extra runtime options (tests: poll interval, recovery wait). */
  runtime?: Omit<KubernetesRuntimeOptions, 'namespace' | 'timeoutMs' | 'actionTimeoutMs' | 'logger'>;
  connect?: (access: ClusterAccess) => Promise<KubeApi>;
  /** The catalog's selectors per host: a name that is not a workload is warned about at start. */
  selectors?: Record<string, readonly ContainerSelector[]>;
}

export function accessOf(config: KubernetesHostConfig): ClusterAccess {
  return config.inCluster ? { inCluster: true } : { kubeconfig: config.kubeconfig!, context: config.context };
}

/** The runtimes of every configured cluster. */
export class KubernetesRuntimeRegistry implements RuntimeRegistry {
  private readonly runtimes = new Map<string, KubernetesRuntime>();

  constructor(hosts: Record<string, KubernetesHostConfig>, options: KubernetesRuntimeRegistryOptions = {}) {
    for (const [name, raw] of Object.entries(hosts)) {
      const config = kubernetesHostSchema.parse(raw);
      const runtimeOptions: KubernetesRuntimeOptions = { ...options.runtime };
      const timeoutMs = config.timeoutMs ?? options.defaultTimeoutMs;
      if (timeoutMs !== undefined) runtimeOptions.timeoutMs = timeoutMs;
      if (config.actionTimeoutMs !== undefined) runtimeOptions.actionTimeoutMs = config.actionTimeoutMs;
      if (config.namespace !== undefined) runtimeOptions.namespace = config.namespace;
      if (options.logger !== undefined) runtimeOptions.logger = options.logger;
      if (options.connect !== undefined) runtimeOptions.connect = options.connect;
      this.runtimes.set(name, new KubernetesRuntime(name, accessOf(config), runtimeOptions));
      for (const selector of options.selectors?.[name] ?? []) {
        if (selector.name !== undefined && parseWorkloadRef(selector.name, config.namespace ?? 'default') === null) {
          options.logger?.warn({ host: name, container: selector.name }, `"${selector.name}" names no workload, so it finds nothing: ${WORKLOAD_HINT}`);
        }
      }
    }
  }

  get(host: string): KubernetesRuntime {
    const runtime = this.runtimes.get(host);
    if (runtime === undefined) throw new HostUnreachableError(host, 'no such host in the configuration');
    return runtime;
  }

  hosts(): string[] {
    return [...this.runtimes.keys()];
  }
}
