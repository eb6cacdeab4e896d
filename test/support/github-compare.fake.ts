import { http, HttpResponse, type JsonBodyType } from 'msw';

/**
 * GitHub's compare API (`GET /repos/{owner}/{repo}/compare/{base}...{head}`) for msw, answering payloads
 * shaped like GitHub's commit comparison (the fields GitHub documents, not only those Deckhand reads).
 */

export interface FakeCommit {
  sha: string;
  message: string;
  /** GitHub login; null for a commit whose email maps to no account. */
  login: string | null;
  name?: string;
}

const API = 'https://api.github.com';

function user(login: string) {
  return {
    login,
    id: 1000 + login.length,
    node_id: 'MDQ6VXNlcjE=',
    avatar_url: `https://avatars.githubusercontent.com/u/${login}`,
    url: `${API}/users/${login}`,
    html_url: `https://github.com/${login}`,
    type: 'User',
    site_admin: false,
  };
}

function commitObject(repo: string, c: FakeCommit, parent?: string) {
  const person = { name: c.name ?? c.login ?? 'Someone', email: `${c.login ?? 'someone'}@example.com`, date: '2026-11-20T10:00:00Z' };
  return {
    sha: c.sha,
    node_id: `C_${c.sha.slice(0, 10)}`,
    commit: {
      author: person,
      committer: person,
      message: c.message,
      tree: { sha: 'f'.repeat(40), url: `${API}/repos/${repo}/git/trees/${'f'.repeat(40)}` },
      url: `${API}/repos/${repo}/git/commits/${c.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
    },
    url: `${API}/repos/${repo}/commits/${c.sha}`,
    html_url: `https://github.com/${repo}/commit/${c.sha}`,
    comments_url: `${API}/repos/${repo}/commits/${c.sha}/comments`,
    author: c.login ? user(c.login) : null,
    committer: c.login ? user(c.login) : null,
    parents: parent ? [{ sha: parent, url: `${API}/repos/${repo}/commits/${parent}`, html_url: `https://github.com/${repo}/commit/${parent}` }] : [],
  };
}

export interface ComparisonSpec {
  repo: string;
  base: string;
  head: string;
  status: 'ahead' | 'behind' | 'identical' | 'diverged';
  aheadBy?: number;
  behindBy?: number;
  commits?: FakeCommit[];
}

/** A commit comparison as GitHub answers it. */
export function comparisonPayload(s: ComparisonSpec): JsonBodyType {
  const commits = s.commits ?? [];
  const aheadBy = s.aheadBy ?? commits.length;
  const range = `${s.base}...${s.head}`;
  return {
    url: `${API}/repos/${s.repo}/compare/${range}`,
    html_url: `https://github.com/${s.repo}/compare/${range}`,
    permalink_url: `https://github.com/${s.repo}/compare/acme:${s.base.slice(0, 7)}...acme:${s.head.slice(0, 7)}`,
    diff_url: `https://github.com/${s.repo}/compare/${range}.diff`,
    patch_url: `https://github.com/${s.repo}/compare/${range}.patch`,
    base_commit: commitObject(s.repo, { sha: s.base, message: 'base', login: 'octocat' }),
    merge_base_commit: commitObject(s.repo, { sha: s.base, message: 'base', login: 'octocat' }),
    status: s.status,
    ahead_by: aheadBy,
    behind_by: s.behindBy ?? 0,
    total_commits: aheadBy,
    commits: commits.map((c, i) => commitObject(s.repo, c, i === 0 ? s.base : commits[i - 1]!.sha)),
    files: [],
  };
}

export interface CompareCall {
  repo: string;
  base: string;
  head: string;
  authorization: string | null;
}

/** A compare handler answering from `answer` (a payload, or a Response for failures), recording each call. */
export function compareHandler(answer: (call: CompareCall) => JsonBodyType | Response | Promise<JsonBodyType | Response>) {
  const calls: CompareCall[] = [];
  const handler = http.get(`${API}/repos/:owner/:repo/compare/:range`, async ({ params, request }) => {
    const [base = '', head = ''] = decodeURIComponent(String(params.range)).split('...');
    const call = { repo: `${String(params.owner)}/${String(params.repo)}`, base, head, authorization: request.headers.get('authorization') };
    calls.push(call);
    const answered = await answer(call);
    return answered instanceof Response ? answered : HttpResponse.json(answered);
  });
  return { handler, calls };
}

/** GitHub's answer when the rate limit is spent. */
export function rateLimited(): Response {
  return HttpResponse.json(
    { message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting' },
    { status: 403, headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1790000000' } },
  );
}

/** GitHub's answer for a commit or repository it does not know (or the token may not see). */
export function notFound(): Response {
  return HttpResponse.json({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest/commits/commits#compare-two-commits', status: '404' }, { status: 404 });
}
