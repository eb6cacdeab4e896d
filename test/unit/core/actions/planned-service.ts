import type { PlannedService } from '../../../../src/core/ports/pending-action.port.js';
import type { MemoryContainer } from '../../../fakes/memory-runtime.js';

/**
 * The plan entry for `name` on `host` moving from `repo:from` to `repo:to`, pinned to the units running now
 * (their image ids, sorted, as the revision). Used by the action tests that span two hosts.
 */
export const plannedService = (
  name: string,
  host: string,
  repo: string,
  from: string,
  to: string,
  units: readonly Pick<MemoryContainer, 'name' | 'imageId'>[],
): PlannedService => ({
  service: name,
  host,
  currentImage: `${repo}:${from}`,
  currentVersion: from,
  targetImage: `${repo}:${to}`,
  targetVersion: to,
  revision: units.map((u) => u.imageId).sort(),
  units: units.map((u) => u.name),
});
