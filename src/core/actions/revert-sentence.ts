import { plural } from '../domain/wording.js';
import type { RolloutFailed } from '../ports/runtime.port.js';

/**
 * The sentence for a rollout that failed and was put back (as far as it could be): what went wrong, then
 * what is back (`counted`: the units restored, in their runtimes' words) or what is not. Runtimes use it for their own units, the plan for units on several runtimes.
 */
export function revertSentence(reason: string, restored: number, problems: readonly string[], counted = plural(restored, 'container')): string {
  if (problems.length > 0) return `${reason}. Could not restore ${problems.join(', ')}: check by hand.`;
  if (restored === 0) return `${reason}. Nothing was changed.`;
  return `${reason}. Rolled back: ${counted} restored to the previous image.`;
}

/**
 * A runtime's failed rollout after it undid what it had changed: `failed` when something could not be put
 * back, `untouched` when nothing had been changed yet, else `rolled_back`.
 */
export function rolloutFailed(reason: string, changed: number, restored: number, problems: string[], noun = 'container'): RolloutFailed {
  const result = revertSentence(reason, restored, problems, plural(restored, noun));
  if (problems.length > 0) return { status: 'failed', reason, result, restored, problems };
  if (changed === 0) return { status: 'failed', reason, result, restored, problems, untouched: true };
  return { status: 'rolled_back', reason, result, restored, problems };
}
