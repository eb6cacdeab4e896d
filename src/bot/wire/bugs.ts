/**
 * Bug reports in chat: the dialog and report stores (PostgreSQL), GitHub issues (with GITHUB_TOKEN) for the
 * repositories `github.repos.<repo>.bugs` names, and the sweep that drops abandoned dialogs.
 */
import { GitHubIssues } from '../../adapters/github/github-issues.js';
import { PrismaBugDialogStore, PrismaBugReportStore } from '../../adapters/prisma/bug-report.repository.js';
import { DEFAULT_DIALOG_TTL_MS, type BugServices } from '../../core/support/bug-services.js';
import { periodic } from '../../jobs/periodic.js';
import type { DeckhandConfig } from '../config.js';
import type { Env } from '../env.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

/** `owner/name` → the project whose bug reports it takes. */
export function bugRepos(github: DeckhandConfig['github']): { repoOf(project: string): string | undefined; projectOf(repo: string): string | undefined } {
  const byRepo = new Map(Object.entries(github?.repos ?? {}).flatMap(([repo, r]) => (r.bugs ? [[repo.toLowerCase(), r.bugs] as const] : [])));
  const byProject = new Map(Object.entries(github?.repos ?? {}).flatMap(([repo, r]) => (r.bugs ? [[r.bugs, repo] as const] : [])));
  return { repoOf: (project) => byProject.get(project), projectOf: (repo) => byRepo.get(repo.toLowerCase()) };
}

export function wireBugs(env: Env, config: DeckhandConfig, infra: Infrastructure): Module & { services: BugServices } {
  const repos = bugRepos(config.github);
  const services: BugServices = {
    dialogs: new PrismaBugDialogStore(infra.prisma),
    reports: new PrismaBugReportStore(infra.prisma),
    ...(env.GITHUB_TOKEN ? { tracker: new GitHubIssues({ token: env.GITHUB_TOKEN, logger: infra.logger.child({ component: 'bug-issues' }), ...(env.GITHUB_API_URL ? { apiUrl: env.GITHUB_API_URL } : {}) }) } : {}),
    repoOf: repos.repoOf,
    dialogTtlMs: DEFAULT_DIALOG_TTL_MS,
  };
  // Every replica may sweep: the delete is idempotent. An expired dialog is ignored before it is swept.
  const sweep = periodic('bug dialog expiry', 5 * 60_000, () => services.dialogs.expire(infra.clock.now()), infra.logger);
  return {
    name: 'bugs',
    services,
    start: async () => sweep.start(),
    stop: () => sweep.stop(),
  };
}
