/**
 * Podman engines of the caller's own: each a `podman system service` with its own storage, run root, temp
 * dir, events file and file locks under one fresh directory, so a bench can stand up several real,
 * separate Docker-API engines without touching the shared one (/tmp/podman.sock). Root only, as in CI.
 *
 * The busybox image is read once from the default store (`podman save`, as scripts/ci/setup-podman.sh
 * imported it) and loaded into each store: no network. File locks (`lock_type = "file"` in the engines'
 * own containers.conf, which their conmon and cleanup processes inherit) keep them off the shared
 * engine's `/dev/shm/libpod_lock`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { BUSYBOX_IMAGE, engineClient, podmanAvailable } from './podman.js';

const run = promisify(execFile);
/** Containers removed per `podman rm` when the engines are destroyed. */
const REMOVE_BATCH = 20;

/** The shared setup's drop-in settings (runc, container ulimits) plus what keeps each engine to itself. */
const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
lock_type = "file"
events_logger = "file"
`;

export interface PrivateEngine {
  name: string;
  /** The service's socket, e.g. for an EngineProxy in front of it. */
  socketPath: string;
  url: string;
  docker: Docker;
  /** `podman` with this engine's storage flags, for CLI calls (`rm -af`, `ps`). */
  cli(args: string[]): Promise<string>;
}

export interface PrivateEngines {
  dir: string;
  engines: PrivateEngine[];
  /** Removes every container, stops the services, resets their storage and removes the directory; idempotent. */
  destroy(): Promise<void>;
}

async function waitForPing(url: string, service: ChildProcess, log: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await podmanAvailable(url)) return;
    if (service.exitCode !== null || Date.now() > deadline) {
      throw new Error(`podman service at ${url} did not answer (exit ${service.exitCode}): ${(await readFile(log, 'utf8').catch(() => '')).slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGTERM to the service's process group, SIGKILL after `graceMs`; resolves when the service has exited. */
async function stopService(service: ChildProcess, graceMs = 10_000): Promise<void> {
  if (service.exitCode !== null || service.signalCode !== null || service.pid === undefined) return;
  const exited = new Promise((resolve) => service.once('exit', resolve));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-service.pid!, s);
    } catch {
      // the group is gone already
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `count` engines named `${prefix}0`…, each with the busybox image. On any failure the engines
 * started so far are destroyed before the error is thrown.
 */
export async function startPrivateEngines(count: number, prefix = 'h'): Promise<PrivateEngines> {
  try {
    await run('podman', ['image', 'exists', BUSYBOX_IMAGE]);
  } catch {
    throw new Error(`${BUSYBOX_IMAGE} is not in Podman's default store; run: sudo bash scripts/ci/setup-podman.sh`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'deckhand-engines-'));
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
  await writeFile(env.CONTAINERS_CONF, CONTAINERS_CONF);
  const services: ChildProcess[] = [];
  const engines: PrivateEngine[] = [];
  let destroying: Promise<void> | undefined;
  const destroy = () =>
    (destroying ??= (async () => {
      // Containers first (the services' storage must stay until their mounts are gone), a few at a time:
      // each container's exit starts a `podman container cleanup` of its own, and a thousand at once put
      // the load of a 2-core machine above 50 for a minute.
      for (const e of engines) {
        const ids = (await e.cli(['ps', '-aq']).catch(() => '')).split('\n').filter((id) => id !== '');
        for (let i = 0; i < ids.length; i += REMOVE_BATCH) await e.cli(['rm', '-f', '-t', '0', ...ids.slice(i, i + REMOVE_BATCH)]).catch(() => undefined);
        await e.cli(['rm', '-af', '-t', '0']).catch(() => undefined);
      }
      await Promise.all(services.map((s) => stopService(s)));
      await Promise.all(engines.map((e) => e.cli(['system', 'reset', '-f']).catch(() => undefined)));
      const { stdout } = await run('mount');
      const left = stdout.split('\n').filter((line) => line.includes(dir));
      if (left.length > 0) throw new Error(`mounts left under ${dir} (not removed):\n${left.slice(0, 5).join('\n')}`);
      await rm(dir, { recursive: true, force: true });
    })());
  try {
    // The image once from the default store; the shared engine's service is not involved.
    const image = join(dir, 'busybox.tar');
    await run('podman', ['save', '--quiet', '--output', image, BUSYBOX_IMAGE], { env: process.env });
    for (let h = 0; h < count; h++) {
      const home = join(dir, `${prefix}${h}`);
      const flags = ['--root', join(home, 'root'), '--runroot', join(home, 'run'), '--tmpdir', join(home, 'tmp'), '--events-backend', 'file'];
      await Promise.all(['root', 'run', 'tmp'].map((d) => mkdir(join(home, d), { recursive: true })));
      const socketPath = join(home, 'podman.sock');
      const url = `unix://${socketPath}`;
      const cli = async (args: string[]) => (await run('podman', [...flags, ...args], { env, maxBuffer: 64 * 2 ** 20 })).stdout;
      engines.push({ name: `${prefix}${h}`, socketPath, url, docker: engineClient(url), cli });
      await cli(['load', '--quiet', '--input', image]);
      const log = join(home, 'service.log');
      const out = await open(log, 'a');
      // Its own process group (killed as one), started from / so no removed directory is its working one.
      const service = spawn('podman', [...flags, 'system', 'service', '--time=0', url], { env, cwd: '/', detached: true, stdio: ['ignore', out.fd, out.fd] });
      await out.close();
      services.push(service);
      await waitForPing(url, service, log);
    }
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }
  return { dir, engines, destroy };
}
