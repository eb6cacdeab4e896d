import { createRequire } from 'node:module';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubWebhookHandler, type GitHubWebhookOptions } from '../../../../src/adapters/http/github-webhook.handler.js';
import { signGitHubPayload } from '../../../../src/adapters/http/github-webhook.signature.js';
import { createHttpServer, type HttpServer } from '../../../../src/adapters/http/http-server.js';
import { commitTimeOf, computeDora } from '../../../../src/core/domain/dora.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { MemoryDeploymentStore, RecordingNotifier } from '../../../fakes/memory-stores.js';
import { MemoryAuditLog } from '../../../fakes/memory-audit.js';

const SECRET = 'webhook-secret-for-tests';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** GitHub's own example payloads (npm @octokit/webhooks-examples). */
const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Json[] }[];
const example = (name: string, i: number): Json => structuredClone(definitions.find((d) => d.name === name)!.examples[i]!);

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The handler mounted on the real HTTP server, with repos mapped the way the lead's config will. */
async function start(overrides: Partial<GitHubWebhookOptions> = {}) {
  const deployments = new MemoryDeploymentStore();
  const notifier = new RecordingNotifier();
  const audit = new MemoryAuditLog();
  const handler = createGitHubWebhookHandler({
    secret: SECRET,
    deployments,
    notifier,
    audit,
    clock: { now: () => new Date('2026-11-23T12:00:00Z') },
    logger: silentLogger,
    resolveService: (repo, environment) => {
      if (repo === 'Codertocat/Hello-World' && environment === 'production') return { project: 'shop', env: 'prod', service: 'api', image: 'reg/shop/api' };
      if (repo === 'octo-org/octo-repo') return { project: 'shop', env: environment === 'production' ? 'prod' : 'staging', service: 'web' };
      return null;
    },
    ...overrides,
  });
  const server = createHttpServer({ logger: silentLogger, metricsRegistry: new Registry(), routes: [{ method: 'POST', path: '/webhooks/github', handler }] });
  servers.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  let n = 0;
  const post = async (event: string, body: unknown, opts: { signature?: string | null; delivery?: string; raw?: string } = {}) => {
    const raw = opts.raw ?? JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': opts.delivery ?? `d-${++n}` };
    if (opts.signature !== null) headers['x-hub-signature-256'] = opts.signature ?? signGitHubPayload(SECRET, raw);
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/github`, { method: 'POST', headers, body: raw });
    return { status: res.status, body: (await res.json()) as Json };
  };
  return { deployments, notifier, audit, post };
}

describe('GitHub webhook signatures', () => {
  it('rejects a forged, a missing and a tampered signature with 401 and records nothing', async () => {
    const s = await start();
    const body = example('deployment_status', 0);
    const raw = JSON.stringify(body);
    expect(await s.post('deployment_status', body, { signature: signGitHubPayload('not-the-secret', raw) })).toEqual({ status: 401, body: { error: 'invalid signature' } });
    expect((await s.post('deployment_status', body, { signature: null })).status).toBe(401);
    expect((await s.post('deployment_status', body, { signature: 'sha256=zz' })).status).toBe(401);
    const tampered = raw.replace('"success"', '"failure"');
    expect((await s.post('deployment_status', body, { raw: tampered, signature: signGitHubPayload(SECRET, raw) })).status).toBe(401);
    expect(s.deployments.rows).toHaveLength(0);
    expect(s.notifier.announcements).toHaveLength(0);
  });

  it('drops a replayed delivery id: one record, one announcement', async () => {
    const s = await start();
    const body = example('deployment_status', 0);
    expect(await s.post('deployment_status', body, { delivery: 'abc-1' })).toEqual({ status: 200, body: { status: 'recorded', delivery: 'abc-1' } });
    expect(await s.post('deployment_status', body, { delivery: 'abc-1' })).toEqual({ status: 200, body: { status: 'duplicate', delivery: 'abc-1' } });
    // A redelivery under a new id is still the same GitHub deployment.
    expect((await s.post('deployment_status', body, { delivery: 'abc-2' })).body.status).toBe('duplicate');
    expect(s.deployments.rows).toHaveLength(1);
    expect(s.notifier.announcements).toHaveLength(1);
  });

  it('answers 503 when the delivery cannot be recorded, and handles GitHub’s redelivery of it once it can', async () => {
    const deployments = new MemoryDeploymentStore();
    const recent = deployments.recent.bind(deployments);
    let down = true;
    deployments.recent = async (...args) => {
      if (down) throw new Error("Can't reach database server at 127.0.0.1:5432");
      return recent(...args);
    };
    const s = await start({ deployments });
    const body = example('deployment_status', 0);
    const failed = await s.post('deployment_status', body, { delivery: 'abc-9' });
    expect(failed).toEqual({ status: 503, body: { error: 'could not record the delivery right now; redeliver it later', delivery: 'abc-9' } });
    expect(JSON.stringify(failed.body)).not.toContain('127.0.0.1');
    down = false;
    expect(await s.post('deployment_status', body, { delivery: 'abc-9' })).toEqual({ status: 200, body: { status: 'recorded', delivery: 'abc-9' } });
    expect(await s.post('deployment_status', body, { delivery: 'abc-9' })).toEqual({ status: 200, body: { status: 'duplicate', delivery: 'abc-9' } });
    expect(s.notifier.announcements).toHaveLength(1);
  });
});

describe('GitHub webhook audit', () => {
  it('audits each recorded external deployment with github as the actor and the delivery id, and nothing else', async () => {
    const s = await start();
    await s.post('deployment_status', example('deployment_status', 0), { delivery: 'abc-1' });
    await s.post('deployment_status', example('deployment_status', 0), { delivery: 'abc-2' });
    await s.post('ping', { zen: 'hi' });

    expect(s.deployments.rows).toHaveLength(1);
    expect(s.audit.entries).toHaveLength(1);
    const [row] = s.deployments.rows;
    expect(s.audit.last()).toEqual({
      requestId: 'github-abc-1',
      at: new Date('2026-11-23T12:00:00Z'),
      platform: 'webhook',
      platformUserId: 'github',
      personId: null,
      chatId: 'shop',
      intent: 'deploy.external',
      args: `shop/prod api@${row!.version} by ${row!.requestedBy}`,
      detail: `succeeded: GitHub deployment ${example('deployment_status', 0).deployment.id}: success (deployment ${row!.id})`,
      outcome: 'ok',
      durationMs: 0,
    });
  });
});

describe('deployment_status', () => {
  it('records a successful deployment as external and announces it in the project chats', async () => {
    const s = await start();
    await s.deployments.start({
      actionId: 'a-old', kind: 'deploy', project: 'shop', env: 'prod', service: 'api', version: '1.0.0', image: 'reg/shop/api:1.0.0',
      previousVersion: null, previousImage: null, requestedBy: 'alice', approvedBy: null, startedAt: new Date('2019-05-01T00:00:00Z'), source: 'deckhand',
    });
    await s.deployments.finish('1', 'succeeded', new Date('2019-05-01T00:05:00Z'));

    const res = await s.post('deployment_status', example('deployment_status', 0));

    expect(res).toMatchObject({ status: 200, body: { status: 'recorded' } });
    const [row] = await s.deployments.recent({ project: 'shop', limit: 1 });
    expect(row).toMatchObject({
      actionId: 'github-deployment:145988746', kind: 'deploy', project: 'shop', env: 'prod', service: 'api',
      version: 'f95f852', image: 'reg/shop/api:f95f852', previousVersion: '1.0.0', previousImage: 'reg/shop/api:1.0.0',
      requestedBy: 'github:Codertocat', approvedBy: null, status: 'succeeded', source: 'external',
      startedAt: new Date('2019-05-15T15:20:53Z'), finishedAt: new Date('2019-05-15T15:20:55Z'),
    });
    expect(row!.steps.map((st) => st.text)).toEqual(['GitHub deployment 145988746: success']);
    expect(s.notifier.announcements).toHaveLength(1);
    const { project, reply } = s.notifier.announcements[0]!;
    expect(project).toBe('shop');
    expect(reply.tone).toBe('success');
    expect(reply.text).toBe('CI deployed api f95f852 to shop/prod.\n\nRepository: Codertocat/Hello-World\nRef: master @ f95f852\nBy: Codertocat\nTook: 2s');
  });

  it('takes the last success before the deployment was created as its previous version, not a later deploy', async () => {
    // Given 1.0.0 deployed before the CI deployment was created (15 May) and 3.0.0 after it
    const s = await start();
    const ran = async (actionId: string, version: string, at: string) => {
      const d = await s.deployments.start({
        actionId, kind: 'deploy', project: 'shop', env: 'prod', service: 'api', version, image: `reg/shop/api:${version}`,
        previousVersion: null, previousImage: null, requestedBy: 'alice', approvedBy: null, startedAt: new Date(at), source: 'deckhand',
      });
      await s.deployments.finish(d.id, 'succeeded', new Date(new Date(at).getTime() + 60_000));
    };
    await ran('a-1', '1.0.0', '2019-05-01T00:00:00Z');
    await ran('a-3', '3.0.0', '2019-06-01T00:00:00Z');

    // When its status arrives only now
    expect((await s.post('deployment_status', example('deployment_status', 0))).body.status).toBe('recorded');

    // Then it replaced 1.0.0
    expect(s.deployments.rows.find((r) => r.actionId === 'github-deployment:145988746')).toMatchObject({
      version: 'f95f852', previousVersion: '1.0.0', previousImage: 'reg/shop/api:1.0.0',
    });
  });

  it('records a failed deployment with its commit time, used for lead time', async () => {
    const s = await start();
    const body = example('deployment_status', 0);
    body.deployment_status.state = 'failure';
    body.deployment_status.target_url = 'https://ci.example.com/run/7';
    body.deployment.ref = 'v2.1.0';
    body.workflow_run = { ...example('deployment_status', 1).workflow_run, head_commit: { id: body.deployment.sha, message: 'fix', timestamp: '2019-05-15T14:20:55Z' } };

    expect((await s.post('deployment_status', body)).body.status).toBe('recorded');

    const row = s.deployments.rows[0]!;
    expect(row).toMatchObject({ status: 'failed', version: 'v2.1.0', image: 'reg/shop/api:v2.1.0', previousVersion: null });
    expect(commitTimeOf(row)).toEqual(new Date('2019-05-15T14:20:55Z'));
    const reply = s.notifier.announcements[0]!.reply;
    expect(reply.tone).toBe('error');
    expect(reply.text).toContain('CI deploy of api v2.1.0 to shop/prod failed.');
    expect(reply.text).toContain('https://ci.example.com/run/7');
  });

  it('ignores statuses that are not final and environments nobody mapped', async () => {
    const s = await start();
    expect((await s.post('deployment_status', example('deployment_status', 1))).body.status).toBe('ignored'); // in_progress
    const staging = example('deployment_status', 0);
    staging.deployment_status.environment = 'qa';
    staging.deployment.environment = 'qa';
    expect((await s.post('deployment_status', staging)).body.status).toBe('unmapped');
    expect(s.deployments.rows).toHaveLength(0);
    expect(s.notifier.announcements).toHaveLength(0);
  });
});

describe('workflow_run', () => {
  it('announces a completed run of a workflow that is not a deploy', async () => {
    const s = await start();
    const res = await s.post('workflow_run', example('workflow_run', 1));
    expect(res.body.status).toBe('announced');
    expect(s.deployments.rows).toHaveLength(0);
    const reply = s.notifier.announcements[0]!.reply;
    expect(reply.tone).toBe('success');
    expect(reply.text.split('\n')[0]).toBe('Workflow "test" on master: success.');
    expect(reply.text).toContain('https://github.com/octo-org/octo-repo/actions/runs/289782451');
  });

  it('records a deploy workflow run with the head commit time and counts it in DORA', async () => {
    const s = await start({ deployWorkflow: (repo, wf) => (repo === 'octo-org/octo-repo' && wf.path === '.github/workflows/test.yml' ? 'production' : null) });
    const run = example('workflow_run', 1);
    run.workflow_run.updated_at = '2020-10-05T16:40:07Z';

    expect((await s.post('workflow_run', run)).body.status).toBe('recorded');

    const row = s.deployments.rows[0]!;
    expect(row).toMatchObject({ actionId: 'github-run:289782451:1', project: 'shop', env: 'prod', service: 'web', version: '3484a3f', image: 'github:octo-org/octo-repo@3484a3f', source: 'external', status: 'succeeded' });
    expect(s.notifier.announcements[0]!.reply.text).toContain('Deployed to: shop/prod (web)');
    const dora = computeDora(s.deployments.rows, [], { days: 7 }, new Date('2020-10-06T00:00:00Z'));
    expect(dora.leadTime).toEqual({ medianMs: 8 * 60_000, samples: 1 }); // 16:32:07 commit → 16:40:07 finished
  });

  it('ignores runs that are not completed, and non-deploy runs when only failures are announced', async () => {
    const s = await start({ announceRuns: 'failures' });
    expect((await s.post('workflow_run', example('workflow_run', 3))).body.status).toBe('ignored'); // requested
    expect((await s.post('workflow_run', example('workflow_run', 1))).body.status).toBe('ignored'); // success
    const failed = example('workflow_run', 1);
    failed.workflow_run.conclusion = 'failure';
    expect((await s.post('workflow_run', failed)).body.status).toBe('announced');
    expect(s.notifier.announcements.map((a) => a.reply.tone)).toEqual(['error']);
  });
});

describe('other requests', () => {
  it('acknowledges other events with 202 and answers ping', async () => {
    const s = await start();
    expect(await s.post('push', example('push', 0))).toEqual({ status: 202, body: { status: 'ignored', event: 'push' } });
    expect(await s.post('ping', { zen: 'Keep it logically awesome.' })).toEqual({ status: 200, body: { status: 'pong' } });
  });

  it('refuses invalid payloads, non-JSON bodies and missing delivery ids without echoing internals', async () => {
    const s = await start();
    const bad = example('deployment_status', 0);
    bad.deployment.sha = 'not a sha';
    const res = await s.post('deployment_status', bad);
    expect(res).toEqual({ status: 400, body: { error: 'invalid deployment_status payload', detail: 'deployment.sha: must be a commit sha' } });
    expect(await s.post('deployment_status', null, { raw: '{"action":' })).toEqual({ status: 400, body: { error: 'body is not JSON' } });
    expect((await s.post('deployment_status', example('deployment_status', 0), { delivery: '' })).status).toBe(400);
    expect(s.deployments.rows).toHaveLength(0);
  });

  it('refuses bodies over the limit with 413', async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const body = { ...example('deployment_status', 0), padding: 'x'.repeat(2048) };
    expect(await s.post('deployment_status', body)).toEqual({ status: 413, body: { error: 'payload too large' } });
  });

  it('refuses a secret too short to be one', () => {
    expect(() => createGitHubWebhookHandler({ secret: 'short', deployments: new MemoryDeploymentStore(), notifier: new RecordingNotifier(), audit: new MemoryAuditLog(), clock: { now: () => new Date() }, logger: silentLogger, resolveService: () => null })).toThrow(/at least 8 characters/);
  });
});
