/** Who is on call for a project at an instant, with the override in effect applied (intents, paging, reports). */
import type { RotationSpec } from '../domain/catalog.js';
import { onCallWith, type OnCall } from '../domain/rotation.js';
import type { OncallOverride, OncallOverrideStore } from '../ports/oncall.port.js';

export interface ProjectOnCall {
  spec: RotationSpec;
  onCall: OnCall;
  /** The override in effect for the project, if any (the same for every rotation of the project). */
  override: OncallOverride | null;
}

/** One entry per rotation of the project (usually one); empty when the project has no rotation. */
export async function projectOnCall(rotations: readonly RotationSpec[], overrides: OncallOverrideStore, project: string, at: Date): Promise<ProjectOnCall[]> {
  const specs = rotations.filter((r) => r.project === project);
  if (specs.length === 0) return [];
  const override = await overrides.activeAt(project, at);
  return specs.map((spec) => ({ spec, onCall: onCallWith(spec, at, override), override }));
}
