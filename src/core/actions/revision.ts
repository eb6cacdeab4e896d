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
