import type { ContainerInfo } from '../ports/runtime.port.js';

/**
 * A service's revision, runtime-neutral: the image id (digest) of each running unit, sorted. Two looks at
 * a service see the same revision when the same images run in the same number of units, whatever the
 * runtime did meanwhile (a restart, a recreated container); a deploy or a scale change makes a new one.
 */
export function revisionOf(units: readonly Pick<ContainerInfo, 'imageId'>[]): string[] {
  return units.map((u) => u.imageId).sort();
}

export function sameRevision(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * Whether the units running now are the ones the plan names (sorted names): the plan changes its units by
 * name, so one renamed or swapped for another since the request is a change even when the revision is
 * the same.
 */
export function sameUnits(now: readonly Pick<ContainerInfo, 'name'>[], planned: readonly string[]): boolean {
  return sameRevision(now.map((u) => u.name).sort(), [...planned].sort());
}
