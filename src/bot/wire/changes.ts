/**
 * What a deploy changes: the GitHub compare API (with GITHUB_TOKEN) for the repositories `github.repos`
 * maps to services, and image labels read from the registries. Undefined when no repository is mapped,
 * so plans show only the images, as before.
 */
import { GitHubCompare } from '../../adapters/github/github-compare.js';
import { RegistryLabels } from '../../adapters/registry/registry-labels.js';
import type { ChangeSources } from '../../core/deploys/deploy-changes.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { DeckhandConfig } from '../config.js';
import type { Env } from '../env.js';

/** `project/service` → repository, from every GitHub environment mapped to the service (any of its environments). */
export function repoIndex(github: DeckhandConfig['github']): Map<string, string> {
  const index = new Map<string, string>();
  for (const [repo, r] of Object.entries(github?.repos ?? {})) {
    for (const t of Object.values(r.environments)) {
      const exact = `${t.project}/${t.env}/${t.service}`;
      const anyEnv = `${t.project}/*/${t.service}`;
      if (!index.has(exact)) index.set(exact, repo);
      if (!index.has(anyEnv)) index.set(anyEnv, repo);
    }
  }
  return index;
}

export function wireChanges(env: Env, config: DeckhandConfig, logger: Logger): ChangeSources | undefined {
  const index = repoIndex(config.github);
  if (index.size === 0) return undefined;
  const log = logger.child({ component: 'deploy-changes' });
  const insecure = (env.REGISTRY_INSECURE ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    ...(env.GITHUB_TOKEN
      ? { code: new GitHubCompare({ token: env.GITHUB_TOKEN, logger: log, ...(env.GITHUB_API_URL ? { apiUrl: env.GITHUB_API_URL } : {}) }) }
      : { missing: 'GITHUB_TOKEN is not set' }),
    images: new RegistryLabels({ logger: log, insecure }),
    repoOf: (project, envName, service) => index.get(`${project}/${envName}/${service}`) ?? index.get(`${project}/*/${service}`),
  };
}
