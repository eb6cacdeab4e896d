/**
 * What a deploy changes in a service's code: each version resolves to a commit (the image's OCI revision
 * label, read from the running unit or the registry, else the CI deploy that recorded the version, else the
 * version itself when it is a commit sha), and the code host compares the two. Never throws and never
 * waits long: whatever cannot be known becomes a reason the plan shows, and the deploy goes on.
 */
import type { CodeHistory, CommitSummary, ImageMetadata } from '../ports/code-history.port.js';
import type { DeploymentStore } from '../ports/deployment.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { ServiceChanges } from '../ports/pending-action.port.js';

/** The OCI annotation (as an image label) naming the commit an image was built from. */
export const REVISION_LABEL = 'org.opencontainers.image.revision';

/** How many commits a plan keeps per service (the full list is behind the compare link). */
export const KEPT_COMMITS = 10;
/** The whole look-up (labels, CI records, compare) of one service gives up after this long. */
export const CHANGES_DEADLINE_MS = 5_000;

/** Where changes come from; wired when `github.repos` maps repositories to services. */
export interface ChangeSources {
  /** The code host's compare; undefined when no token is configured (`missing` says so). */
  code?: CodeHistory;
  /** Why `code` is missing, e.g. `GITHUB_TOKEN is not set`. */
  missing?: string;
  /** Image labels from the registry; undefined to rely on running units and CI records only. */
  images?: ImageMetadata;
  /** The repository (`owner/name`) mapped to a service, or undefined when none is. */
  repoOf(project: string, env: string, service: string): string | undefined;
}

/** One side of a deploy: the image, the version people know it by, and the running unit's labels if any. */
export interface VersionRef {
  image: string;
  version: string;
  labels?: Record<string, string>;
}

export interface ChangeRequest {
  project: string;
  env: string;
  service: string;
  current: VersionRef;
  target: VersionRef;
}

export interface ChangeDeps {
  sources: ChangeSources;
  deployments: DeploymentStore;
  logger: Logger;
}

const COMMIT_SHA = /^[0-9a-f]{7,40}$/i;
const CI_LOOKBACK = 50;

type Resolved = { ok: true; commit: string } | { ok: false; reason: string };

function fromLabels(labels: Record<string, string> | undefined): Resolved | undefined {
  const commit = labels?.[REVISION_LABEL]?.trim();
  return commit ? { ok: true, commit } : undefined;
}

/** The commit a version was built from; the reason says what was tried when none is known. */
async function resolveCommit(req: ChangeRequest, side: VersionRef, deps: ChangeDeps): Promise<Resolved> {
  const running = fromLabels(side.labels);
  if (running) return running;
  let registryReason: string | undefined;
  if (deps.sources.images) {
    const read = await deps.sources.images.labels(side.image);
    if (read.ok) {
      const labelled = fromLabels(read.labels);
      if (labelled) return labelled;
    } else registryReason = read.reason;
  }
  // A CI deploy records the version as its tag or short sha, both of which the code host can compare.
  const recorded = await deps.deployments.recent({ project: req.project, service: req.service, limit: CI_LOOKBACK }).catch(() => []);
  if (recorded.some((d) => d.source === 'external' && d.version === side.version)) return { ok: true, commit: side.version };
  if (COMMIT_SHA.test(side.version)) return { ok: true, commit: side.version };
  const label = registryReason ? `its labels could not be read: ${registryReason}` : `no ${REVISION_LABEL} label`;
  return { ok: false, reason: `no commit is known for ${side.version} (${label}, no CI deploy recorded)` };
}

const unknown = (reason: string): ServiceChanges => ({ known: false, reason });

async function lookUp(req: ChangeRequest, deps: ChangeDeps): Promise<ServiceChanges | undefined> {
  const { sources } = deps;
  const mapped = sources.repoOf(req.project, req.env, req.service);
  if (!mapped) return undefined;
  if (!sources.code) return unknown(sources.missing ?? 'no code host is configured');
  const [base, head] = await Promise.all([resolveCommit(req, req.current, deps), resolveCommit(req, req.target, deps)]);
  if (!base.ok) return unknown(base.reason);
  if (!head.ok) return unknown(head.reason);
  if (base.commit === head.commit) {
    return { known: true, repo: mapped, base: base.commit, head: head.commit, relation: 'identical', aheadBy: 0, behindBy: 0, commits: [], url: '' };
  }
  const compared = await sources.code.compare(mapped, base.commit, head.commit);
  if (!compared.ok) return unknown(compared.reason);
  const c = compared.comparison;
  return {
    known: true,
    repo: mapped,
    base: base.commit,
    head: head.commit,
    relation: c.relation,
    aheadBy: c.aheadBy,
    behindBy: c.behindBy,
    commits: keptCommits(c.commits),
    url: c.url,
  };
}

function keptCommits(commits: readonly CommitSummary[]): CommitSummary[] {
  return commits.slice(0, KEPT_COMMITS).map((c) => ({ sha: c.sha, title: c.title.slice(0, 200), author: c.author.slice(0, 100) }));
}

/**
 * The changes a deploy of one service makes, or undefined when no repository is mapped to it. Bounded by
 * CHANGES_DEADLINE_MS; a failure anywhere becomes a reason, never an error.
 */
export async function deployChanges(req: ChangeRequest, deps: ChangeDeps): Promise<ServiceChanges | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<ServiceChanges>((resolve) => {
    timer = setTimeout(() => resolve(unknown(`looking them up took longer than ${CHANGES_DEADLINE_MS / 1000} s`)), CHANGES_DEADLINE_MS);
  });
  try {
    return await Promise.race([lookUp(req, deps), deadline]);
  } catch (err) {
    deps.logger.warn({ err, service: req.service }, 'cannot look up the changes of a deploy');
    return unknown('looking them up failed');
  } finally {
    clearTimeout(timer);
  }
}
