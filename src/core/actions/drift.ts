import { findService } from '../domain/catalog.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { CoreServices } from '../services.js';
import { revisionOf, sameRevision, sameUnits } from './revision.js';
import { findContainers, hostProblem } from './runtime-query.js';

/** Whether what runs now still matches what the requester was shown. */
export async function changedSince(action: PendingAction, services: CoreServices): Promise<string | null> {
  const specs = action.plan.services.map((p) => findService(services.catalog, action.plan.project, action.plan.env, p.service));
  if (specs.some((s) => !s)) return 'The configuration changed since the request';
  // Compared with the revision shown, so asked of the runtime itself, never its cache.
  const found = await findContainers(specs.map((s) => s!), services, { fresh: true });
  for (const [i, planned] of action.plan.services.entries()) {
    const now = found.get(specs[i]!)!;
    if (!now.ok) return hostProblem(now);
    const images = new Set(now.containers.map((c) => c.image));
    // The same units by name (what the runner changes), running the same revision when the plan pinned one
    // (plans stored before revisions were pinned have none).
    const same = sameUnits(now.containers, planned.units) && (!planned.revision || sameRevision(revisionOf(now.containers), planned.revision));
    if (!same || images.size !== 1 || !images.has(planned.currentImage)) {
      const nowVersion = now.containers[0]?.version ?? 'nothing';
      return `${planned.service} changed since the request (now ${nowVersion}, was ${planned.currentVersion})`;
    }
  }
  return null;
}
