import type { EnvironmentSpec, ServiceSpec } from '../domain/catalog.js';
import { hint } from '../domain/suggest.js';
import { replies } from '../messages/reply-builder.js';
import type { Resolution } from '../intents/intent.js';
import { resolveService } from './targets.js';

/** Arguments shared by restart, deploy and rollback: what to act on, where, and whether forced. */
export interface ActionTarget {
  env: EnvironmentSpec;
  services: ServiceSpec[];
  /** True when a whole project was named. */
  wholeProject: boolean;
  force: boolean;
}

/** Image reference for a version of a repository: `repo:tag` or `repo@sha256:…`. */
export function imageRef(repository: string, version: string): string {
  return version.startsWith('sha256:') ? `${repository}@${version}` : `${repository}:${version}`;
}

/**
 * `<service|project> <env>`: a project name means every service of the env (with `needImage`, every
 * service that has an image repository configured).
 */
export function resolveActionTarget(
  catalog: Parameters<typeof resolveService>[0],
  chatProjects: string[],
  what: string,
  envWord: string,
  force: boolean,
  usage: string,
  needImage: boolean,
): Resolution<ActionTarget> {
  const project = catalog.projects.find((p) => p.name === what && chatProjects.includes(p.name));
  if (project) {
    const env = project.environments.find((e) => e.name === envWord);
    if (!env) return { ok: false, outcome: 'not_found', reply: replies.error(`Project ${project.name} has no environment "${envWord}".`, hint('environment', envWord, project.environments.map((e) => e.name))) };
    const services = needImage ? env.services.filter((s) => s.image) : env.services;
    if (services.length === 0) return { ok: false, outcome: 'invalid', reply: replies.error(`No service of ${project.name}/${env.name} has an image repository configured.`, 'Add `image:` to the services in the config.') };
    return { ok: true, args: { env, services, wholeProject: true, force } };
  }
  const t = resolveService(catalog, chatProjects, what, envWord, usage);
  if (!t.ok) return t;
  if (needImage && !t.args.service.image) {
    return { ok: false, outcome: 'invalid', reply: replies.error(`${t.args.service.name} has no image repository configured, so it cannot be deployed by version.`, 'Add `image: registry/repo` to the service in the config.') };
  }
  return { ok: true, args: { env: t.args.env, services: [t.args.service], wholeProject: false, force } };
}
