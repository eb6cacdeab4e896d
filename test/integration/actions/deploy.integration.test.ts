/**
 * Safe actions end to end on the real stack: core → PostgreSQL → BullMQ on Redis → action processor →
 * Podman pulling from the local registry. The tests form one story on the same three prod replicas
 * (each checks the versions it starts from), so history builds up the way it would in production:
 * 9.9 fails to pull, :bad is rolled back, 2.0 is deployed with four-eyes, 1.0 by a double-clicked
 * approval, 2.0 again by an admin's --force past a lock, then `rollback` returns to 1.0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionsStack, pendingIdOf, REPLICAS, type ActionsStack } from '../../support/actions-stack.js';
import { WEB_IMAGES, WEB_REPO } from '../../support/registry.js';

let stack: ActionsStack;
let prodIds: string[];
let prodNames: string[];

beforeAll(async () => {
  stack = await createActionsStack({ name: 'deploy-it', settings: { healthTimeoutMs: 20_000, healthGraceMs: 1_000 } });
  prodIds = await stack.createReplicas('prod', WEB_IMAGES.v1);
  await stack.createReplicas('staging', WEB_IMAGES.v1);
  prodNames = (await stack.containers('prod')).map((c) => c.Name.replace(/^\//, ''));
});

afterAll(async () => {
  await stack?.close();
});

/** [name, image, running] of each prod container. */
async function prodState(): Promise<[string, string, boolean][]> {
  return (await stack.containers('prod')).map((c) => [c.Name.replace(/^\//, ''), c.Config.Image, c.State.Running]);
}

const running = (image: string): [string, string, boolean][] => prodNames.map((n) => [n, image, true]);

async function deploymentsOf(actionId: string) {
  return (await stack.deps.deployments.recent({ project: 'shop', env: 'prod', limit: 50 })).filter((d) => d.actionId === actionId);
}

/** Requests `command` as `requester` and has `approver` approve it; returns the action id and message id. */
async function approved(command: string, requester: 'carol' | 'alice', approver: 'bob' | 'dave') {
  const request = await stack.say(command, requester);
  const id = pendingIdOf(request);
  if (!id) throw new Error(`no buttons: ${request.text}`);
  const answer = await stack.click(request, 'Approve', approver);
  expect(answer.text).toMatch(/running now/);
  return { id, messageId: request.messageId!, answer };
}

describe('deploy on the real stack (PostgreSQL, Redis, Podman, registry)', { timeout: 90_000 }, () => {
  it('stops at the pull of a missing tag before touching any container', async () => {
    expect(await prodState()).toEqual(running(WEB_IMAGES.v1));
    const { id } = await approved('deploy web prod 9.9', 'carol', 'bob');

    const action = await stack.waitForAction(id, 'failed');

    expect(action.result).toMatch(/^Stopped before touching any container: cannot pull 127\.0\.0\.1:5000\/deckhand\/web:9\.9/);
    expect((await stack.containers('prod')).map((c) => c.Id)).toEqual(prodIds);
    expect(await prodState()).toEqual(running(WEB_IMAGES.v1));
    expect((await deploymentsOf(id)).map((d) => d.status)).toEqual(['failed']);
  });

  it('rolls a version whose healthcheck fails back: the original containers run 1.0 under their names', async () => {
    const { id, messageId } = await approved('deploy web prod bad', 'carol', 'bob');

    const action = await stack.waitForAction(id, 'failed');

    expect(action.result).toMatch(/is not healthy on bad \(unhealthy.*Rolled back: 1 container restored/);
    expect((await stack.containers('prod')).map((c) => c.Id)).toEqual(prodIds);
    expect(await prodState()).toEqual(running(WEB_IMAGES.v1));
    const [record] = await deploymentsOf(id);
    expect(record).toMatchObject({ status: 'rolled_back', version: 'bad', previousVersion: '1.0' });
    expect(stack.notifier.editsOf(messageId).at(-1)).toMatch(/\(failed\)/);
    expect(stack.notifier.editsOf(messageId).join('\n')).toMatch(/Restored web-prod-1/);
  });

  it('deploys 2.0 with four-eyes: own approval and a viewer refused, a second operator approves', async () => {
    const request = await stack.say('deploy web prod 2.0', 'carol');
    expect(request.text).toMatch(/1\.0 → 2\.0/);

    expect((await stack.click(request, 'Approve', 'carol')).text).toMatch(/cannot approve your own request/);
    expect((await stack.click(request, 'Approve', 'vic')).text).toMatch(/need the operator role/);
    expect((await stack.click(request, 'Approve', 'bob')).text).toBe('Approved by Bob (requested by Carol); running now. Progress follows here.');
    const id = pendingIdOf(request)!;
    await stack.waitForAction(id, 'succeeded');

    const now = await stack.containers('prod');
    expect(now).toHaveLength(REPLICAS);
    expect(await prodState()).toEqual(running(WEB_IMAGES.v2));
    expect(now.map((c) => c.Config.Labels['org.opencontainers.image.version'])).toEqual(['2.0', '2.0', '2.0']);
    for (const old of prodIds) await expect(stack.docker.getContainer(old).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const [record] = await deploymentsOf(id);
    expect(record).toMatchObject({ status: 'succeeded', kind: 'deploy', version: '2.0', previousVersion: '1.0', image: WEB_IMAGES.v2, requestedBy: 'carol', approvedBy: 'bob' });
    expect(record!.finishedAt).not.toBeNull();
    const edits = stack.notifier.editsOf(request.messageId!);
    const firstIndex = (re: RegExp) => edits.findIndex((t) => re.test(t));
    expect(firstIndex(/Pulling 127\.0\.0\.1:5000\/deckhand\/web:2\.0/)).toBeGreaterThanOrEqual(0);
    expect(firstIndex(/Replacing 1\/3/)).toBeGreaterThan(firstIndex(/Pulling/));
    expect(firstIndex(/Replacing 3\/3/)).toBeGreaterThan(firstIndex(/Replacing 1\/3/));
    expect(edits.at(-1)).toMatch(/\(succeeded\)[\s\S]*Now running web 2\.0 \(3 containers replaced\)[\s\S]*Done in \d+ s/);
    expect(stack.notifier.announced('shop')).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Deploy shop\/prod: web 1\.0 → 2\.0 started, requested by Carol, approved by Bob\.$/),
      expect.stringMatching(/^Deploy shop\/prod: web 1\.0 → 2\.0 succeeded after \d+ s/),
    ]));
    prodIds = now.map((c) => c.Id);
  });

  it('runs two racing approvals once: one job, one set of deployment records', async () => {
    const request = await stack.say('deploy web prod 1.0', 'carol');
    const id = pendingIdOf(request)!;

    const answers = await Promise.all([stack.click(request, 'Approve', 'bob'), stack.click(request, 'Approve', 'bob'), stack.click(request, 'Approve', 'dave')]);

    expect(answers.filter((a) => /running now/.test(a.text))).toHaveLength(1);
    expect(answers.filter((a) => /^Already approved by (Bob|Dave)/.test(a.text))).toHaveLength(2);
    await stack.waitForAction(id, 'succeeded');
    expect(await prodState()).toEqual(running(WEB_IMAGES.v1));
    expect((await deploymentsOf(id)).map((d) => [d.status, d.version])).toEqual([['succeeded', '1.0']]);
    const jobs = await stack.queue.queue.getJobs(['completed', 'failed', 'active', 'waiting']);
    expect(jobs.filter((j) => j.data.actionId === id)).toHaveLength(1);
    prodIds = (await stack.containers('prod')).map((c) => c.Id);
  });

  it('refuses an expired click and a locked env; an admin --force runs and is announced', async () => {
    // expired: five minutes and a second later
    const stale = await stack.say('deploy web prod 2.0', 'carol');
    stack.setClockOffset(5 * 60_000 + 1_000);
    const late = await stack.click(stale, 'Approve', 'bob').finally(() => stack.setClockOffset(0));
    expect(late.text).toMatch(/^This request expired at .*; nothing ran\./);
    expect((await stack.deps.pendingActions.get(pendingIdOf(stale)!))?.status).toBe('pending');

    // locked by another person: refused at request time and at click time
    const early = await stack.say('deploy web prod 2.0', 'carol');
    expect((await stack.say('lock shop prod release freeze for audit', 'bob')).text).toMatch(/locked by Bob/);
    expect((await stack.say('deploy web prod 2.0', 'carol')).text).toMatch(/^Cannot deploy now: shop\/prod is locked by Bob/);
    expect((await stack.click(early, 'Approve', 'dave')).text).toMatch(/^Cannot run now: shop\/prod is locked by Bob/);

    // forced by an admin, approved by another admin
    const forced = await stack.say('deploy web prod 2.0 --force', 'alice');
    const approval = await stack.click(forced, 'Approve', 'dave');
    expect(approval.text).toBe('Approved by Dave (requested by Alice); running now. Progress follows here.');
    const id = pendingIdOf(forced)!;
    await stack.waitForAction(id, 'succeeded');

    expect(await prodState()).toEqual(running(WEB_IMAGES.v2));
    expect(stack.notifier.announced('shop')).toEqual(expect.arrayContaining([
      'Forced deploy of shop/prod (web) approved by Dave, overriding lock/freeze.',
      expect.stringMatching(/^Deploy shop\/prod: web 1\.0 → 2\.0 started \(forced past lock\/freeze\), requested by Alice, approved by Dave\.$/),
    ]));
    expect(stack.notifier.editsOf(forced.messageId!).join('\n')).toMatch(/Running despite the manual lock: locked by Bob/);
    expect((await stack.deps.locks.get('shop', 'prod', new Date()))?.holder).toEqual({ kind: 'person', id: 'bob' }); // the manual lock stays
    expect((await stack.say('unlock shop prod', 'bob')).text).toMatch(/unlocked by Bob/);
  });

  it('rolls back to the previous succeeded version', async () => {
    const request = await stack.say('rollback web prod', 'carol');
    expect(request.text).toMatch(/2\.0 → 1\.0/);
    const id = pendingIdOf(request)!;
    await stack.click(request, 'Approve', 'bob');

    await stack.waitForAction(id, 'succeeded');

    expect(await prodState()).toEqual(running(`${WEB_REPO}:1.0`));
    expect((await deploymentsOf(id))[0]).toMatchObject({ kind: 'rollback', status: 'succeeded', version: '1.0', previousVersion: '2.0' });
  });

  it('restarts web in staging (no approval needed): every container starts again', async () => {
    const before = await stack.containers('staging');
    const request = await stack.say('restart web staging', 'carol');
    expect((await stack.click(request, 'Confirm', 'carol')).text).toMatch(/^Confirmed by Carol; running now/);

    await stack.waitForAction(pendingIdOf(request)!, 'succeeded');

    const after = await stack.containers('staging');
    expect(after.map((c) => c.Id)).toEqual(before.map((c) => c.Id));
    for (const [i, c] of after.entries()) {
      expect(c.State.Running).toBe(true);
      expect(Date.parse(c.State.StartedAt)).toBeGreaterThan(Date.parse(before[i]!.State.StartedAt));
    }
  });
});
