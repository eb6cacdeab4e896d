/**
 * GitHub's REST API for issues (`POST /repos/{owner}/{repo}/issues`) as the core's IssueTracker: plain
 * fetch with a timeout, the answer checked with zod, failures turned into short reasons (a bad token, no
 * write access, issues turned off, the rate limit, a timeout). The token needs the Issues write permission
 * (fine-grained) or the `repo` scope (classic) on the repositories that take bug reports.
 */
import { z } from 'zod';
import type { FiledIssue, IssueTracker } from '../../core/ports/bug-report.port.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { GITHUB_API_URL } from './github-compare.js';

const DEFAULT_TIMEOUT_MS = 10_000;

const createdSchema = z.object({ number: z.number().int().positive(), html_url: z.url() });

export interface GitHubIssuesOptions {
  token: string;
  logger: Logger;
  /** GitHub Enterprise: `https://github.example.com/api/v3`. */
  apiUrl?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

function refusal(response: Response): string {
  if (response.status === 429 || (response.status === 403 && (response.headers.get('x-ratelimit-remaining') === '0' || response.headers.has('retry-after')))) {
    return "GitHub's API rate limit is reached";
  }
  switch (response.status) {
    case 401:
      return 'GitHub refused the token (401)';
    case 403:
      return 'the token may not create issues in this repository (403)';
    case 404:
      return 'GitHub knows no such repository, or the token cannot see it (404)';
    case 410:
      return 'issues are turned off in this repository (410)';
    case 422:
      return 'GitHub did not accept the issue (422)';
    default:
      return `GitHub answered ${response.status}`;
  }
}

export class GitHubIssues implements IssueTracker {
  private readonly apiUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: GitHubIssuesOptions) {
    this.apiUrl = (options.apiUrl ?? GITHUB_API_URL).replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async createIssue(repo: string, issue: { title: string; body: string; labels: string[] }): Promise<FiledIssue> {
    const [owner, name] = repo.split('/');
    const url = `${this.apiUrl}/repos/${encodeURIComponent(owner!)}/${encodeURIComponent(name!)}/issues`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.options.token}`,
          'content-type': 'application/json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'deckhand',
        },
        body: JSON.stringify(issue),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      this.options.logger.warn({ repo, err: { name: err instanceof Error ? err.name : 'error' } }, 'github issue request failed');
      return { ok: false, reason: timedOut ? 'GitHub did not answer in time' : 'GitHub could not be reached' };
    }
    if (response.status !== 201) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, reason: refusal(response) };
    }
    const parsed = createdSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) return { ok: false, reason: 'GitHub answered with something that is not an issue' };
    return { ok: true, issue: { repo, number: parsed.data.number, url: parsed.data.html_url } };
  }
}
