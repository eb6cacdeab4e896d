/**
 * A worker process killed mid-deploy on the real stack: its first container is already replaced (and
 * waiting out its health grace) when it is SIGKILLed. The next worker must not run the job again;
 * recovery reverts the half-done replacement and finishes the action as failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionJobId } from '../../../src/core/ports/action-queue.port.js';
import { createActionsStack, pendingIdOf, type ActionsStack } from '../../support/actions-stack.js';
import { waitFor } from '../../support/podman.js';
import { WEB_IMAGES } from '../../support/registry.js';
import { ensureNoHealthcheckImage, NOHC_IMAGE } from './slow-image.support.js';

let stack: ActionsStack;
let child: ChildProcess | undefined;
const processed: string[] = [];

beforeAll(async () => {
  stack = await createActionsStack({
    name: 'worker-crash-it',
    worker: false,
    wrapProcessor: (real) => async (id) => {
      processed.push(id);
      await real(id);
    },
  });
  await ensureNoHealthcheckImage(stack.docker);
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stack?.close();
});

function startChild(): { proc: ChildProcess; lines: string[] } {
  const script = fileURLToPath(new URL('./deploy-worker.child.ts', import.meta.url));
  const env = { ...process.env, DECKHAND_TEST_PREFIX: stack.prefix, DECKHAND_TEST_DB_URL: stack.db.url, DECKHAND_TEST_CONFIG: stack.yaml };
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  return { proc, lines };
}

const bare = (name: string) => name.replace(/^\//, '');

describe('a worker killed mid-deploy (real process, PostgreSQL, Redis, Podman)', { timeout: 90_000 }, () => {
  it('never runs the deploy again; recovery reverts the replaced container and fails the action', async () => {
    // given three 1.0 replicas and an approved deploy of nohc that a worker process has started
    const ids = await stack.createReplicas('prod', WEB_IMAGES.v1);
    const names = (await stack.containers('prod')).map((c) => bare(c.Name));
    const request = await stack.say('deploy web prod nohc', 'carol');
    const id = pendingIdOf(request)!;
    expect((await stack.click(request, 'Approve', 'bob')).text).toMatch(/running now/);
    const started = startChild();
    child = started.proc;

    // when the first container has been replaced (the deploy waits for its health grace)...
    const replaced = await waitFor('the first replacement', async () => {
      const all = await stack.containers('prod');
      const fresh = all.find((c) => bare(c.Name) === names[0] && c.Config.Image === NOHC_IMAGE && c.State.Running);
      return fresh && all.some((c) => bare(c.Name) === `${names[0]}.deckhand-prev`) ? fresh : undefined;
    }, 30_000);
    expect(started.lines).toContain(`started ${id}`);
    expect(started.lines.some((l) => l.includes('Replacing 1/3'))).toBe(true);
    expect(started.lines.some((l) => l.includes('Replacing 2/3'))).toBe(false);
    // ...the worker process is killed
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    // then start-up recovery leaves it alone while the dead worker's job lock lasts
    expect(await stack.recovery()).toEqual([]);
    expect((await stack.deps.pendingActions.get(id))?.status).toBe('claimed');
    // and a new worker fails the stalled job without running it; recovery reverts and finishes the action
    stack.startWorker();
    const action = await stack.waitForAction(id, 'failed', 30_000);

    expect(action.result).toBe('Deckhand restarted while this ran; it was stopped and 1 container was restored.');
    expect(processed).toEqual([]);
    const job = await stack.queue.queue.getJob(actionJobId(id, action.claimedAt!));
    expect([await job?.getState(), job?.failedReason]).toEqual(['failed', 'job stalled more than allowable limit']);
    const now = await stack.containers('prod');
    expect(now.map((c) => [c.Id, bare(c.Name), c.Config.Image, c.State.Running])).toEqual(ids.map((cid, i) => [cid, names[i], WEB_IMAGES.v1, true]));
    await expect(stack.docker.getContainer(replaced.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const records = (await stack.deps.deployments.recent({ project: 'shop', limit: 10 })).filter((d) => d.actionId === id);
    expect(records.map((d) => [d.status, d.version])).toEqual([['failed', 'nohc']]);
    expect(await stack.deps.locks.get('shop', 'prod', new Date())).toBeNull();
    expect(stack.notifier.editsOf(request.messageId!).at(-1)).toMatch(/\(failed\)[\s\S]*1 container was restored/);
    // a late double click changes nothing: no job is left for the running worker to take or has run, and
    // the one job is the stalled one, unchanged
    const finishedOn = job?.finishedOn;
    expect((await stack.click(request, 'Approve', 'dave')).text).toMatch(/^This already ran \(failed\)/);
    expect(await stack.queue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')).toMatchObject({
      waiting: 0, active: 0, delayed: 0, prioritized: 0, completed: 0, failed: 1,
    });
    const after = await stack.queue.queue.getJob(actionJobId(id, action.claimedAt!));
    expect([await after?.getState(), after?.finishedOn]).toEqual(['failed', finishedOn]);
    expect(processed).toEqual([]);
  });
});
