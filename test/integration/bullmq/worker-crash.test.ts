import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { BullActionQueue } from '../../../src/adapters/bullmq/bull-action.queue.js';
import { startActionWorker, type ActionWorker } from '../../../src/adapters/bullmq/action.worker.js';
import { recoverUnfinished } from '../../../src/core/actions/action-recovery.js';
import { actionJobId } from '../../../src/core/ports/action-queue.port.js';
import { actionFixture, IMAGE } from '../../unit/jobs/action-fixture.js';
import { connection, obliterate, uniquePrefix, waitFor } from './redis-test.support.js';

const prefix = uniquePrefix('crash');
const queue = new BullActionQueue({ connection, prefix });
let child: ChildProcess | undefined;
let worker: ActionWorker | undefined;

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await worker?.close();
  await queue.close();
  await obliterate(prefix);
});

/** Starts the blocking worker process and resolves with its stdout lines as they come. */
function startChild(): { proc: ChildProcess; lines: string[] } {
  const script = fileURLToPath(new URL('./blocking-worker.child.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, DECKHAND_TEST_PREFIX: prefix }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  return { proc, lines };
}

describe('a worker killed mid-job (real Redis, real process)', () => {
  it('never runs the job again; the next worker fails it and recovery finishes the action as failed', async () => {
    // given a claimed deploy whose job a worker process has started
    const f = actionFixture();
    const action = await f.claimed('deploy', { replicas: 2 });
    await queue.enqueue(action.id, action.claimedAt!);
    const started = startChild();
    child = started.proc;
    await waitFor(() => started.lines.includes(`started ${action.id}`), 20_000);
    // the dying worker had replaced api-1 already
    await f.runtime.replace(`api-1-v0`, `${IMAGE}:1.4.2`);

    // when the process is killed and a new worker starts
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(await queue.isQueued(action.id, action.claimedAt)).toBe(true); // its job lock has not expired yet
    const processed: string[] = [];
    const abandoned: string[] = [];
    worker = startActionWorker({
      connection,
      prefix,
      logger: silentLogger,
      lockDurationMs: 2_000,
      stalledIntervalMs: 300,
      processor: async (id) => void processed.push(id),
      onAbandoned: async (id, reason) => {
        abandoned.push(`${id}: ${reason}`);
        await recoverUnfinished({ ...f.deps, isQueued: (x, at) => queue.isQueued(x, at) });
      },
    });

    // then the job fails as stalled without being processed, and recovery finishes the action
    await waitFor(async () => (await f.pendingActions.get(action.id))?.status === 'failed', 20_000);
    const job = await queue.queue.getJob(actionJobId(action.id, action.claimedAt!));
    expect(await job?.getState()).toBe('failed');
    expect(job?.failedReason).toBe('job stalled more than allowable limit');
    expect(processed).toEqual([]);
    expect(abandoned).toEqual([`${action.id}: job stalled more than allowable limit`]);
    expect((await f.pendingActions.get(action.id))?.result).toBe('Deckhand restarted while this ran; it was stopped and 1 container was restored.');
    expect(f.runtime.state()).toEqual([`api-1 ${IMAGE}:1.4.1`, `api-2 ${IMAGE}:1.4.1`]);
    expect(await queue.isQueued(action.id, action.claimedAt)).toBe(false);
  });
});
