/** Deployments made by CI: GitHub's deployment and workflow-run webhooks, mapped through `github.repos`. */
import { createGitHubWebhookHandler } from '../../adapters/http/github-webhook.handler.js';
import { findService } from '../../core/domain/catalog.js';
import type { Notifier } from '../../core/ports/notifier.port.js';
import type { DeckhandConfig } from '../config.js';
import type { Env } from '../env.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { Stores } from './stores.js';
import type { BugServices } from '../../core/support/bug-services.js';
import { bugRepos } from './bugs.js';

export function wireDeploys(env: Env, config: DeckhandConfig, infra: Infrastructure, stores: Stores, notifier: Notifier, bugs?: BugServices): Module {
  const github = config.github;
  if (!github) return { name: 'deploys' };
  if (!env.GITHUB_WEBHOOK_SECRET) {
    infra.logger.warn({}, 'github repositories are configured but GITHUB_WEBHOOK_SECRET is not set; /webhooks/github is off');
    return { name: 'deploys' };
  }
  const handler = createGitHubWebhookHandler({
    secret: env.GITHUB_WEBHOOK_SECRET,
    clock: infra.clock,
    deployments: stores.deployments,
    notifier,
    logger: infra.logger,
    incidents: stores.incidents,
    audit: stores.audit,
    isFirstSeen: (id) => stores.processed.firstSeen('github', id),
    forgetSeen: (id) => stores.processed.forget('github', id),
    resolveService: (repo, ghEnv) => {
      const r = github.repos[repo];
      if (!r) return null;
      const t = ghEnv ? r.environments[ghEnv] : Object.values(r.environments)[0];
      return t ? { ...t, image: findService(config.catalog, t.project, t.env, t.service)?.image } : null;
    },
    deployWorkflow: (repo, wf) => github.repos[repo]?.deployWorkflows[wf.path] ?? null,
    // Bug reports filed as issues follow them (state, priority label).
    ...(bugs ? { issues: { deps: { reports: bugs.reports, clock: infra.clock }, projectOf: bugRepos(github).projectOf } } : {}),
  });
  return { name: 'deploys', routes: [{ method: 'POST', path: '/webhooks/github', handler }] };
}
