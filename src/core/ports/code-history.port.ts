/**
 * Where a service's code lives (GitHub today) and what its images say about it: the commit an image was
 * built from, and the commits between two of them. Both answer or say why not; neither throws, so a plan
 * never waits on or fails because of them.
 */

/** One commit between two versions, as shown in a plan: the first line of its message and its author. */
export interface CommitSummary {
  sha: string;
  /** First line of the commit message. */
  title: string;
  /** The author's login where the code host knows it, else the name in the commit. */
  author: string;
}

/** How the head commit relates to the base commit (GitHub's compare `status`). */
export type CommitRelation = 'ahead' | 'behind' | 'identical' | 'diverged';

export interface CommitComparison {
  relation: CommitRelation;
  /** Commits in head that are not in base. */
  aheadBy: number;
  /** Commits in base that are not in head. */
  behindBy: number;
  /** The commits in head that are not in base, oldest first (the code host may list fewer than aheadBy). */
  commits: CommitSummary[];
  /** A page showing the whole comparison. */
  url: string;
}

export type CompareResult = { ok: true; comparison: CommitComparison } | { ok: false; reason: string };

export interface CodeHistory {
  /** Compares two commits (or tags) of `repo` (`owner/name`); `reason` is a short chat-safe sentence part. */
  compare(repo: string, base: string, head: string): Promise<CompareResult>;
}

/** The labels of an image's configuration, or why they could not be read. */
export type ImageLabelsResult = { ok: true; labels: Record<string, string> } | { ok: false; reason: string };

export interface ImageMetadata {
  /** The labels an image reference (`registry/repo:tag` or `@sha256:…`) was built with, read from its registry. */
  labels(image: string): Promise<ImageLabelsResult>;
}
