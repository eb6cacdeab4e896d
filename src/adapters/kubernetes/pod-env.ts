import type { ContainerSpec } from './workload.js';
import type { Json } from './kube-client.js';
import { KubernetesNotFoundError, KubernetesRefusedError } from './kube-call.js';

/**
 * A container's environment as its pod template declares it, KEY → value: plain values as they are,
 * ConfigMap values read from their ConfigMaps, and every Secret named only, never read
 * (`secretKeyRef db/password`). `envFrom` comes first and `env` overrides it, as in the kubelet.
 */

export type ReadConfigMap = (name: string) => Promise<Json>;

export async function containerEnv(container: ContainerSpec, readConfigMap: ReadConfigMap): Promise<Record<string, string>> {
  const maps = new Map<string, Promise<Record<string, string> | string>>();
  const data = (name: string): Promise<Record<string, string> | string> => {
    let found = maps.get(name);
    if (found === undefined) {
      found = readConfigMap(name).then(
        (cm) => ({ ...((cm.data as Record<string, string> | undefined) ?? {}) }),
        (error: unknown) => {
          if (error instanceof KubernetesNotFoundError) return 'not found';
          if (error instanceof KubernetesRefusedError) return 'Deckhand may not read ConfigMaps';
          throw error;
        },
      );
      maps.set(name, found);
    }
    return found;
  };
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.secretRef) env[`${prefix}*`] = `secretRef ${from.secretRef.name} (every key, not read)`;
    if (from.configMapRef) {
      const values = await data(from.configMapRef.name);
      if (typeof values === 'string') env[`${prefix}*`] = `configMapRef ${from.configMapRef.name} (${values})`;
      else for (const [key, value] of Object.entries(values)) env[`${prefix}${key}`] = value;
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) {
      env[e.name] = e.value ?? '';
      continue;
    }
    const source = e.valueFrom as { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string }; resourceFieldRef?: { resource: string } };
    if (source.secretKeyRef) env[e.name] = `secretKeyRef ${source.secretKeyRef.name}/${source.secretKeyRef.key}`;
    else if (source.configMapKeyRef) {
      const { name, key } = source.configMapKeyRef;
      const values = await data(name);
      if (typeof values === 'string') env[e.name] = `configMapKeyRef ${name}/${key} (${values})`;
      else env[e.name] = values[key] ?? `configMapKeyRef ${name}/${key} (no such key)`;
    } else if (source.fieldRef) env[e.name] = `fieldRef ${source.fieldRef.fieldPath}`;
    else if (source.resourceFieldRef) env[e.name] = `resourceFieldRef ${source.resourceFieldRef.resource}`;
    else env[e.name] = '';
  }
  return env;
}
