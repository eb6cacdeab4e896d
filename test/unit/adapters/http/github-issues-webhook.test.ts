import { createRequire } from 'node:module';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubWebhookHandler } from '../../../../src/adapters/http/github-webhook.handler.js';
import { signGitHubPayload } from '../../../../src/adapters/http/github-webhook.signature.js';
import { createHttpServer, type HttpServer } from '../../../../src/adapters/http/http-server.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import type { NewBugReport } from '../../../../src/core/ports/bug-report.port.js';
import { MemoryBugReportStore } from '../../../fakes/memory-bugs.js';
import { MemoryDeploymentStore, RecordingNotifier } from '../../../fakes/memory-stores.js';
import { MemoryAuditLog } from '../../../fakes/memory-audit.js';

const SECRET = 'webhook-secret-for-issue-tests';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** GitHub's own example payloads (npm @octokit/webhooks-examples): issues opened, labeled, reopened, …, all on Codertocat/Hello-World#1. */
const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Json[] }[];
const issues = definitions.find((d) => d.name === 'issues')!.examples;
const example = (action: string, i = 0): Json => structuredClone(issues.filter((e) => e.action === action)[i]!);

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const filed = (over: Partial<NewBugReport> = {}): NewBugReport => ({
  project: 'shop', reporterId: 'alice', platform: 'telegram', chatId: '1001', title: 'Spelling error in the README file', doing: 'reading', expected: 'words',
  happened: 'typo', priority: 'low', screenshot: null, createdAt: new Date('2019-05-15T15:00:00Z'), ...over,
});

async function start(opts: { bugs?: boolean } = {}) {
  const reports = new MemoryBugReportStore();
  const clock = { now: () => new Date('2026-12-02T07:00:00Z') };
  const handler = createGitHubWebhookHandler({
    secret: SECRET,
    deployments: new MemoryDeploymentStore(),
    notifier: new RecordingNotifier(),
    audit: new MemoryAuditLog(),
    clock,
    logger: silentLogger,
    resolveService: () => null,
    ...(opts.bugs === false ? {} : { issues: { deps: { reports, clock }, projectOf: (repo: string) => (repo === 'Codertocat/Hello-World' ? 'shop' : undefined) } }),
  });
  const server = createHttpServer({ logger: silentLogger, metricsRegistry: new Registry(), routes: [{ method: 'POST', path: '/webhooks/github', handler }] });
  servers.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  let n = 0;
  const post = async (body: unknown, opts: { signature?: string; delivery?: string; event?: string } = {}) => {
    const raw = JSON.stringify(body);
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': opts.event ?? 'issues', 'x-github-delivery': opts.delivery ?? `iss-${++n}`, 'x-hub-signature-256': opts.signature ?? signGitHubPayload(SECRET, raw) },
      body: raw,
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  return { reports, post };
}

describe('GitHub issues webhook: bug reports follow their issues', () => {
  it('follows labeled, closed and reopened, and ignores an older state delivered late', async () => {
    const s = await start();
    const r = await s.reports.create(filed());
    await s.reports.linkIssue(r.id, { repo: 'Codertocat/Hello-World', number: 1, url: 'https://github.com/Codertocat/Hello-World/issues/1' });

    // labeled: GitHub's example, with the priority label added the way a triager would
    const labeled = example('labeled');
    labeled.issue.labels.push({ ...labeled.label, id: 2, name: 'critical' });
    expect(await s.post(labeled)).toMatchObject({ status: 200, body: { status: 'updated' } });
    expect(s.reports.rows[0]).toMatchObject({ status: 'open', priority: 'critical' });

    // closed: the package has no closed example; the reopened one as GitHub sends a close before it
    const closed = example('reopened');
    closed.action = 'closed';
    closed.issue.state = 'closed';
    closed.issue.updated_at = '2020-01-01T00:00:00Z';
    expect(await s.post(closed)).toMatchObject({ status: 200, body: { status: 'updated' } });
    expect(s.reports.rows[0]).toMatchObject({ status: 'closed', priority: null });

    const reopened = example('reopened');
    expect(await s.post(reopened)).toMatchObject({ status: 200, body: { status: 'updated' } });
    expect(s.reports.rows[0]?.status).toBe('open');

    // The close delivered again late (a new delivery id): its state is older than the reopen, so it changes nothing
    expect((await s.post(closed)).status).toBe(200);
    expect(s.reports.rows[0]?.status).toBe('open');
    expect(s.reports.rows).toHaveLength(1);
  });

  it('lists an issue opened on GitHub with the bug label, once per delivery', async () => {
    const s = await start();
    const opened = example('opened');
    expect(await s.post(opened, { delivery: 'open-1' })).toEqual({ status: 200, body: { status: 'recorded', delivery: 'open-1' } });
    expect(await s.post(opened, { delivery: 'open-1' })).toEqual({ status: 200, body: { status: 'duplicate', delivery: 'open-1' } });
    expect(s.reports.rows).toHaveLength(1);
    expect(s.reports.rows[0]).toMatchObject({ project: 'shop', reporterId: 'github:Codertocat', platform: 'github', title: 'Spelling error in the README file', status: 'open', issue: { repo: 'Codertocat/Hello-World', number: 1 } });
  });

  it("ties an issue to its report by the marker in the body, even before the issue's number was stored", async () => {
    const s = await start();
    const r = await s.reports.create(filed());
    const opened = example('opened');
    opened.issue.body = `Reported in chat.\n\n<!-- deckhand-report:${r.id} -->`;
    opened.issue.labels.push({ ...opened.issue.labels[0], id: 3, name: 'high' });
    expect((await s.post(opened)).body.status).toBe('updated');
    expect(s.reports.rows).toHaveLength(1);
    expect(s.reports.rows[0]).toMatchObject({ id: r.id, priority: 'high', issue: { number: 1, url: 'https://github.com/Codertocat/Hello-World/issues/1' } });
  });

  it('verifies the signature, ignores other actions and other repositories, and answers a bad payload with 400', async () => {
    const s = await start();
    const raw = JSON.stringify(example('opened'));
    expect(await s.post(example('opened'), { signature: signGitHubPayload('not-the-secret', raw) })).toEqual({ status: 401, body: { error: 'invalid signature' } });
    expect(await s.post(example('assigned'))).toMatchObject({ status: 200, body: { status: 'ignored' } });
    const elsewhere = example('opened');
    elsewhere.repository.full_name = 'someone/else';
    expect(await s.post(elsewhere)).toMatchObject({ status: 200, body: { status: 'ignored' } });
    const broken = example('labeled');
    delete broken.issue.number;
    const bad = await s.post(broken);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid issues payload');
    expect(s.reports.rows).toHaveLength(0);
  });

  it('acknowledges issues events and changes nothing where bug reports are not wired', async () => {
    const s = await start({ bugs: false });
    expect(await s.post(example('opened'))).toEqual({ status: 202, body: { status: 'ignored', event: 'issues' } });
  });
});
