/**
 * GitHub's compare API (`GET /repos/{owner}/{repo}/compare/{base}...{head}`) as the core's CodeHistory:
 * plain fetch with a timeout, the answer checked with zod, failures turned into short reasons (a bad
 * token, the rate limit, an unknown commit, a timeout) and comparisons kept per pair of commits in a
 * bounded LRU, since a commit pair's comparison never changes.
 */
import { z } from 'zod';
import type { CodeHistory, CommitComparison, CompareResult } from '../../core/ports/code-history.port.js';
import type { Logger } from '../../core/ports/logger.port.js';

export const GITHUB_API_URL = 'https://api.github.com';
const DEFAULT_TIMEOUT_MS = 3_000;
const DEFAULT_CACHE_SIZE = 500;

/** The part of GitHub's commit comparison Deckhand reads. */
const comparisonSchema = z.object({
  html_url: z.string(),
  permalink_url: z.string().optional(),
  status: z.enum(['ahead', 'behind', 'identical', 'diverged']),
  ahead_by: z.number().int().min(0),
  behind_by: z.number().int().min(0),
  total_commits: z.number().int().min(0),
  commits: z.array(
    z.object({
      sha: z.string(),
      commit: z.object({ message: z.string(), author: z.object({ name: z.string().optional() }).nullable().optional() }),
      author: z.object({ login: z.string() }).nullable().optional(),
    }),
  ),
});

export interface GitHubCompareOptions {
  token: string;
  logger: Logger;
  /** GitHub Enterprise: `https://github.example.com/api/v3`. */
  apiUrl?: string;
  timeoutMs?: number;
  cacheSize?: number;
  /** The fetch to use (tests intercept the global one). */
  fetch?: typeof fetch;
}

const firstLine = (message: string): string => message.split('\n', 1)[0]!.trim();

function toComparison(body: z.infer<typeof comparisonSchema>): CommitComparison {
  return {
    relation: body.status,
    aheadBy: body.ahead_by,
    behindBy: body.behind_by,
    commits: body.commits.map((c) => ({ sha: c.sha, title: firstLine(c.commit.message), author: c.author?.login ?? c.commit.author?.name ?? 'unknown' })),
    url: body.html_url,
  };
}

function rateLimited(response: Response): boolean {
  return response.status === 429 || (response.status === 403 && (response.headers.get('x-ratelimit-remaining') === '0' || response.headers.has('retry-after')));
}

function refusal(response: Response): string {
  if (rateLimited(response)) return "GitHub's API rate limit is reached";
  switch (response.status) {
    case 401:
      return 'GitHub refused the token (401)';
    case 403:
      return 'the token may not read this repository (403)';
    case 404:
      return 'GitHub knows no such repository or commit (404)';
    default:
      return `GitHub answered ${response.status}`;
  }
}

export class GitHubCompare implements CodeHistory {
  private readonly cache = new Map<string, CommitComparison>();
  private readonly apiUrl: string;
  private readonly timeoutMs: number;
  private readonly cacheSize: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: GitHubCompareOptions) {
    this.apiUrl = (options.apiUrl ?? GITHUB_API_URL).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async compare(repo: string, base: string, head: string): Promise<CompareResult> {
    const key = `${repo} ${base}...${head}`;
    const cached = this.cache.get(key);
    if (cached) {
      // Most recently used last: Map keeps insertion order.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return { ok: true, comparison: cached };
    }
    const result = await this.fetchComparison(repo, base, head);
    if (result.ok) this.remember(key, result.comparison);
    return result;
  }

  private remember(key: string, comparison: CommitComparison): void {
    this.cache.set(key, comparison);
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  private async fetchComparison(repo: string, base: string, head: string): Promise<CompareResult> {
    const [owner, name] = repo.split('/');
    const url = `${this.apiUrl}/repos/${encodeURIComponent(owner!)}/${encodeURIComponent(name!)}/compare/${encodeURIComponent(base)}...${encodeURIComponent(head)}?per_page=10`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.options.token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'deckhand',
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      this.options.logger.warn({ err, repo }, 'github compare failed');
      return { ok: false, reason: timedOut ? `GitHub did not answer within ${this.timeoutMs / 1000} s` : 'GitHub could not be reached' };
    }
    if (!response.ok) {
      void response.body?.cancel().catch(() => undefined);
      this.options.logger.warn({ repo, status: response.status }, 'github compare refused');
      return { ok: false, reason: refusal(response) };
    }
    const parsed = comparisonSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      this.options.logger.warn({ repo, issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) }, 'github compare answered an unexpected shape');
      return { ok: false, reason: 'GitHub answered something unexpected' };
    }
    return { ok: true, comparison: toComparison(parsed.data) };
  }
}
