/**
 * Safe-actions benchmark (run: `npm run bench:actions`, i.e. `tsx bench/actions.bench.ts`).
 *
 * 1. Click → job started: a Confirm click on `restart web staging` through the real core (PostgreSQL
 *    pending action, re-check of the containers on Podman, conditional claim, BullMQ enqueue on Redis) to
 *    the first line of the processor in the in-process BullMQ worker. The processor only records the
 *    instant and finishes the action (no containers are restarted), so clicks can repeat quickly.
 * 2. A 3-replica deploy (web 1.0 → 2.0 → 1.0 …) through the stack, from the approval click to the end of
 *    the real processor (records, pulls, replace one at a time, health, finalize, chat edits), minus the
 *    time spent inside `waitHealthy` (timed by a wrapper around the real runtime). Interleaved with the
 *    same Docker operations done directly with dockerode on 3 other containers: pull, then per container
 *    inspect, create the new one, stop the old, rename old and new, start the new, remove the old.
 *
 * Needs PostgreSQL, Redis, Podman and the local registry (as for the integration tests). Cleans up.
 */
import type Docker from 'dockerode';
import type { DockerRuntime } from '../src/adapters/docker/docker.runtime.js';
import type { Runtime, RuntimeRegistry } from '../src/core/ports/runtime.port.js';
import type { ActionProcessor } from '../src/core/actions/action.processor.js';
import { createActionsStack, pendingIdOf, REPLICAS, type ActionsStack } from '../test/support/actions-stack.js';
import { WEB_IMAGES } from '../test/support/registry.js';
import { machine, ms, summarize, table } from './bench-stats.js';

const CLICKS = Math.max(50, Number(process.env.BENCH_CLICKS ?? 100));
const CLICK_WARMUP = 5;
const DEPLOYS = Math.max(4, Number(process.env.BENCH_DEPLOYS ?? 10));
const now = () => performance.now();

/** What the wrapped processor does: record the start only, or run the real action and record its end. */
let mode: 'record' | 'real' = 'record';
const onStart = new Map<string, (at: number) => void>();
const onEnd = new Map<string, (at: number) => void>();
let stack: ActionsStack;

const wrapProcessor = (real: ActionProcessor): ActionProcessor => async (id) => {
  onStart.get(id)?.(now());
  if (mode === 'record') return stack.deps.pendingActions.finish(id, 'succeeded', 'benchmark: start recorded, nothing ran');
  await real(id);
  onEnd.get(id)?.(now());
};

let healthMs = 0;
/**
 * The real runtime, with the time spent inside its health waits added up: the rollout runs with the proxy
 * as its engine (methods are bound to it), so each of its waitHealthy steps passes through here.
 */
function timed(runtime: Runtime): Runtime {
  return new Proxy(runtime as DockerRuntime, {
    get(target, prop, receiver) {
      if (prop === 'waitHealthy') {
        return async (...args: Parameters<DockerRuntime['waitHealthy']>) => {
          const t = now();
          try {
            return await target.waitHealthy(...args);
          } finally {
            healthMs += now() - t;
          }
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(receiver) : value;
    },
  });
}
const wrapRuntimes = (real: RuntimeRegistry): RuntimeRegistry => ({ get: (host) => timed(real.get(host)), hosts: () => real.hosts() });

const signal = (map: Map<string, (at: number) => void>, id: string) => new Promise<number>((resolve) => map.set(id, resolve));

async function clickToStart(): Promise<number> {
  const request = await stack.say('restart web staging', 'carol');
  const id = pendingIdOf(request);
  if (!id) throw new Error(`restart not planned: ${request.text}`);
  const started = signal(onStart, id);
  const t0 = now();
  const answer = await stack.click(request, 'Confirm', 'carol');
  if (!/running now/.test(answer.text)) throw new Error(`click refused: ${answer.text}`);
  const at = await started;
  await stack.waitForAction(id, 'succeeded', 10_000);
  return at - t0;
}

/** One deploy through the stack; returns [wall ms, ms inside waitHealthy]. */
async function stackDeploy(version: string): Promise<[number, number]> {
  const request = await stack.say(`deploy web prod ${version}`, 'carol');
  const id = pendingIdOf(request);
  if (!id) throw new Error(`deploy not planned: ${request.text}`);
  const ended = signal(onEnd, id);
  healthMs = 0;
  const t0 = now();
  await stack.click(request, 'Approve', 'bob');
  const end = await ended;
  const action = await stack.waitForAction(id, 'succeeded', 10_000);
  if (!action.result?.includes(`web ${version}`)) throw new Error(`unexpected result: ${action.result}`);
  return [end - t0, healthMs];
}

function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(failed));
      else resolve();
    });
  });
}

/** The same deploy done directly: pull, then per container inspect/create/stop/rename ×2/start/remove. */
async function directDeploy(docker: Docker, names: string[], image: string): Promise<number> {
  const t0 = now();
  await follow(docker, await docker.pull(image));
  for (const name of names) {
    const old = await docker.getContainer(name).inspect();
    const fresh = await docker.createContainer({ name: `${name}.next`, Image: image, Labels: old.Config.Labels, HostConfig: { RestartPolicy: old.HostConfig.RestartPolicy } });
    await docker.getContainer(old.Id).stop({ t: 10 });
    await docker.getContainer(old.Id).rename({ name: `${name}.prev` });
    await fresh.rename({ name });
    await fresh.start();
    await docker.getContainer(old.Id).remove({ force: false });
  }
  return now() - t0;
}

async function main(): Promise<void> {
  stack = await createActionsStack({ name: 'actions-bench', wrapProcessor, wrapRuntimes });
  try {
    await stack.createReplicas('staging', WEB_IMAGES.v1);
    await stack.createReplicas('prod', WEB_IMAGES.v1);
    const direct: string[] = [];
    for (let n = 1; n <= REPLICAS; n++) {
      const name = stack.fixture.name(`direct-${n}`);
      await stack.fixture.create({ name, image: WEB_IMAGES.v1, labels: { app: 'direct' } });
      direct.push(name);
    }

    for (let i = 0; i < CLICK_WARMUP; i++) await clickToStart();
    const clicks: number[] = [];
    for (let i = 0; i < CLICKS; i++) clicks.push(await clickToStart());

    mode = 'real';
    const walls: number[] = [];
    const health: number[] = [];
    const net: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < DEPLOYS; i++) {
      const [version, image] = i % 2 === 0 ? ['2.0', WEB_IMAGES.v2] : ['1.0', WEB_IMAGES.v1];
      // alternate which goes first, so neither always runs on a warmer engine
      if (i % 4 < 2) raw.push(await directDeploy(stack.docker, direct, image));
      const [wall, h] = await stackDeploy(version);
      walls.push(wall);
      health.push(h);
      net.push(wall - h);
      if (i % 4 >= 2) raw.push(await directDeploy(stack.docker, direct, image));
    }
    report(clicks, walls, health, net, raw);
  } finally {
    await stack.close();
  }
}

function report(clicks: number[], walls: number[], health: number[], net: number[], raw: number[]): void {
  const row = (label: string, s: number[]) => {
    const x = summarize(s);
    return [label, String(x.n), ms(x.median), ms(x.p99), ms(x.min), ms(x.max)];
  };
  const ratio = summarize(net).median / summarize(raw).median;
  console.log(`Machine: ${machine()}`);
  console.log(
    table([
      ['measure', 'n', 'median', 'p99', 'min', 'max'],
      row('click → job started', clicks),
      row('deploy through the stack (wall)', walls),
      row('  of which inside waitHealthy', health),
      row('  wall minus health wait', net),
      row('same ops, dockerode directly', raw),
    ]),
  );
  console.log(`ratio of medians (stack minus health / direct): ${ratio.toFixed(3)} (target ≤ 1.15: ${ratio <= 1.15 ? 'met' : 'NOT met'})`);
}

await main();
