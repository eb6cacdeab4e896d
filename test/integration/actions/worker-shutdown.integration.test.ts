/**
 * A worker process sent SIGTERM mid-deploy on the real stack (PostgreSQL, Redis, Podman). Within its
 * shutdown budget the step under way (the first replaced container's health grace) finishes, no further
 * container is touched, the replaced one goes back and the action ends failed saying why; past the budget
 * the process exits anyway and the next worker's recovery finishes the action, as after a crash.
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
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await createActionsStack({ name: 'worker-shutdown-it', worker: false });
  await ensureNoHealthcheckImage(stack.docker);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stack?.close();
});

function startChild(o: { graceMs: number; shutdownMs: number }): { proc: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const script = fileURLToPath(new URL('./deploy-worker.child.ts', import.meta.url));
  const env = {
    ...process.env,
    DECKHAND_TEST_PREFIX: stack.prefix,
    DECKHAND_TEST_DB_URL: stack.db.url,
    DECKHAND_TEST_CONFIG: stack.yaml,
    DECKHAND_TEST_GRACE_MS: String(o.graceMs),
    DECKHAND_TEST_SHUTDOWN_MS: String(o.shutdownMs),
  };
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  const lines: string[] = [];
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, lines, exited };
}

const bare = (name: string) => name.replace(/^\//, '');

/** Waits until the env's first container runs the slow image and its old one is kept aside. */
async function firstReplaced(env: 'prod' | 'staging', name: string) {
  return waitFor('the first replacement', async () => {
    const all = await stack.containers(env);
    const fresh = all.find((c) => bare(c.Name) === name && c.Config.Image === NOHC_IMAGE && c.State.Running);
    return fresh && all.some((c) => bare(c.Name) === `${name}.deckhand-prev`) ? fresh : undefined;
  }, 30_000);
}

describe('a worker sent SIGTERM mid-deploy (real process, PostgreSQL, Redis, Podman)', { timeout: 120_000 }, () => {
  it('lets the step under way finish, puts the replaced container back, releases the lock and says why', async () => {
    // given three 1.0 replicas and an approved deploy of nohc (a 4 s health grace) that a worker process runs
    const ids = await stack.createReplicas('prod', WEB_IMAGES.v1);
    const names = (await stack.containers('prod')).map((c) => bare(c.Name));
    const request = await stack.say('deploy web prod nohc', 'carol');
    const id = pendingIdOf(request)!;
    expect((await stack.click(request, 'Approve', 'bob')).text).toMatch(/running now/);
    const child = startChild({ graceMs: 4_000, shutdownMs: 20_000 });

    // when the first container has been replaced and waits out its grace, the worker gets SIGTERM
    const replaced = await firstReplaced('prod', names[0]!);
    const sent = Date.now();
    child.proc.kill('SIGTERM');

    // then it exits on its own, well within its budget
    expect(await child.exited).toBe(0);
    expect(Date.now() - sent).toBeLessThan(20_000);
    const result = 'Stopped because Deckhand was shutting down. Rolled back: 1 container restored to the previous image.';
    const action = await stack.deps.pendingActions.get(id);
    expect([action?.status, action?.result]).toEqual(['failed', result]);
    expect(child.lines.some((l) => l.includes('Replacing 2/3'))).toBe(false);
    expect(child.lines.filter((l) => l.startsWith('edit ')).at(-1)).toContain(result);
    expect(child.lines.indexOf('stopped')).toBeGreaterThan(child.lines.findIndex((l) => l.includes(result)));
    // the old containers run again under their names; the replacement is gone
    const now = await stack.containers('prod');
    expect(now.map((c) => [c.Id, bare(c.Name), c.Config.Image, c.State.Running])).toEqual(ids.map((cid, i) => [cid, names[i], WEB_IMAGES.v1, true]));
    await expect(stack.docker.getContainer(replaced.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const records = (await stack.deps.deployments.recent({ project: 'shop', limit: 10 })).filter((d) => d.actionId === id);
    expect(records.map((d) => [d.status, d.version])).toEqual([['rolled_back', 'nohc']]);
    expect(await stack.deps.locks.get('shop', 'prod', new Date())).toBeNull();
    // the job ended as done, so nothing is left for the next start to recover
    expect(await (await stack.queue.queue.getJob(actionJobId(id, action!.claimedAt!)))?.getState()).toBe('completed');
    expect(await stack.recovery()).toEqual([]);
  });

  it('past its budget exits anyway; the next worker recovers the action with a clear message', async () => {
    // given an approved deploy in staging whose first replaced container waits out a two-minute grace
    const ids = await stack.createReplicas('staging', WEB_IMAGES.v1);
    const names = (await stack.containers('staging')).map((c) => bare(c.Name));
    const request = await stack.say('deploy web staging nohc', 'carol');
    const id = pendingIdOf(request)!;
    expect((await stack.click(request, 'Confirm', 'carol')).text).toMatch(/running now/);
    const child = startChild({ graceMs: 120_000, shutdownMs: 1_500 });
    await firstReplaced('staging', names[0]!);

    // when it gets SIGTERM, the step under way cannot finish within 1.5 s
    const sent = Date.now();
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect((await stack.deps.pendingActions.get(id))?.status).toBe('claimed');

    // then a new worker fails the stalled job without running it, and recovery puts the container back
    stack.startWorker();
    const action = await stack.waitForAction(id, 'failed', 30_000);
    expect(action.result).toBe('Deckhand restarted while this ran; it was stopped and 1 container was restored.');
    const now = await stack.containers('staging');
    expect(now.map((c) => [c.Id, bare(c.Name), c.Config.Image, c.State.Running])).toEqual(ids.map((cid, i) => [cid, names[i], WEB_IMAGES.v1, true]));
    expect(await stack.deps.locks.get('shop', 'staging', new Date())).toBeNull();
  });
});
