import type Docker from 'dockerode';
import type { EngineKind } from './engine-kind.js';
import type { Healthcheck, ImageDefaults } from './container-spec.mapper.js';

interface ImageInspect {
  Config?: ImageDefaults | null;
}

interface LibpodImageInspect {
  Healthcheck?: Healthcheck | null;
}

/**
 * The settings containers inherit from an image. Podman's Docker-compatible image inspect leaves out the
 * HEALTHCHECK, so on Podman it is read from the libpod endpoint. An image that is gone (404) has no
 * defaults: then everything the container carries is kept.
 */
export async function imageDefaults(docker: Docker, image: string, kind: EngineKind, signal: AbortSignal): Promise<ImageDefaults> {
  let inspect: ImageInspect;
  try {
    // dockerode's image inspect takes no signal; engineCall's race still returns on abort.
    inspect = (await docker.getImage(image).inspect()) as ImageInspect;
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 404) return {};
    throw error;
  }
  const defaults: ImageDefaults = { ...inspect.Config };
  if (kind === 'podman') defaults.Healthcheck = (await libpodImage(docker, image, signal)).Healthcheck ?? null;
  return defaults;
}

function libpodImage(docker: Docker, image: string, signal: AbortSignal): Promise<LibpodImageInspect> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/v4.0.0/libpod/images/${encodeURIComponent(image)}/json`,
        method: 'GET',
        abortSignal: signal,
        statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
      },
      (error, data) => (error ? reject(error) : resolve(data as LibpodImageInspect)),
    );
  });
}

/** Runs a container's healthcheck once through Podman's API (Podman schedules checks with systemd timers). */
export function runPodmanHealthcheck(docker: Docker, id: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/healthcheck`,
        method: 'GET',
        abortSignal: signal,
        // 409: not running or no healthcheck (any more); the following inspect tells which.
        statusCodes: { 200: true, 404: 'no such container', 409: true, 500: 'server error' },
      },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}
