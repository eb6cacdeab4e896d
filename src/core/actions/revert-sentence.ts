import { plural } from '../domain/wording.js';

/**
 * The sentence for a rollout that failed and was put back (as far as it could be): what went wrong, then
 * what is back or what is not. Runtimes use it for their own units, the plan for units on several runtimes.
 */
export function revertSentence(reason: string, restored: number, problems: readonly string[]): string {
  if (problems.length > 0) return `${reason}. Could not restore ${problems.join(', ')}: check by hand.`;
  if (restored === 0) return `${reason}. Nothing was changed.`;
  return `${reason}. Rolled back: ${plural(restored, 'container')} restored to the previous image.`;
}
