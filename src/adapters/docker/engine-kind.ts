import type Docker from 'dockerode';

interface VersionInfo {
  Components?: Array<{ Name?: string }> | null;
}

export type EngineKind = 'docker' | 'podman';

/** Podman reports a "Podman Engine" component in `/version`; anything else is treated as Docker Engine. */
export async function detectEngineKind(docker: Docker, signal: AbortSignal): Promise<EngineKind> {
  // dockerode honours abortSignal on version; its type definitions do not declare the options argument.
  const version = docker.version.bind(docker) as unknown as (o: { abortSignal: AbortSignal }) => Promise<VersionInfo>;
  const { Components } = await version({ abortSignal: signal });
  const podman = (Components ?? []).some((c) => c.Name === 'Podman Engine');
  return podman ? 'podman' : 'docker';
}
