import { z } from 'zod';

/**
 * How a service names its workload, and how units are named. A unit on Kubernetes is the workload, not a
 * pod: `deployment/<namespace>/<name>` (`/<container>` appended when the service names one), so a plan
 * pins names that survive every rollout and restart (pod names change each time). The click-time drift
 * check compares these names and the revision (the image the workload's container runs), so a deploy,
 * rollback or image change made since the plan was shown refuses the click, and a restart does not.
 */

export const WORKLOAD_KINDS = ['deployment', 'statefulset', 'daemonset'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** A DNS-1123 label (namespaces, containers) or subdomain (workload names). */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** The container the service is bound to; absent: the pod template's first container. */
  container?: string;
}

export const namespaceSchema = z.string().regex(LABEL, 'a namespace name (lowercase letters, digits and -)');

/** `deployment/shop/api` or `deployment/shop/api/web`: the unit's id and name. */
export function unitName(ref: WorkloadRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}${ref.container !== undefined ? `/${ref.container}` : ''}`;
}

/**
 * Reads a workload reference: `<kind>/<name>` (in `defaultNamespace`), `<kind>/<namespace>/<name>` or
 * `<kind>/<namespace>/<name>/<container>`; null when it is not one.
 */
export function parseWorkloadRef(text: string, defaultNamespace: string): WorkloadRef | null {
  const parts = text.split('/');
  const kind = WORKLOAD_KINDS.find((k) => k === parts[0]?.toLowerCase());
  if (kind === undefined) return null;
  let namespace = defaultNamespace;
  let name: string | undefined;
  let container: string | undefined;
  if (parts.length === 2) name = parts[1];
  else if (parts.length === 3) [, namespace = '', name] = parts;
  else if (parts.length === 4) [, namespace = '', name, container] = parts;
  else return null;
  if (!LABEL.test(namespace) || name === undefined || !SUBDOMAIN.test(name)) return null;
  if (container !== undefined && !LABEL.test(container)) return null;
  return container !== undefined ? { kind, namespace, name, container } : { kind, namespace, name };
}

/** A unit id as the core hands it back (the unit's name); refuses anything else. */
export function parseUnit(unit: string): WorkloadRef {
  const ref = parseWorkloadRef(unit, '');
  if (ref === null || unit.split('/').length < 3) throw new Error(`"${unit}" is not a Kubernetes workload unit (kind/namespace/name[/container])`);
  return ref;
}

export const WORKLOAD_HINT = 'on a kubernetes target, `container:` names the workload: deployment/<name>, deployment/<namespace>/<name> or deployment/<namespace>/<name>/<container> (statefulset/… and daemonset/… alike)';

/** A label selector in the API's text form (`a=b,c=d`) from matchLabels and In/NotIn/Exists/DoesNotExist expressions. */
export function selectorText(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
