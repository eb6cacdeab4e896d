/**
 * `npm run demo` as a new user runs it: real PostgreSQL, Redis and the machine's Docker-API engine (Podman
 * in CI), input typed on stdin. Covers the two-command quick start of the README, a second run that reuses
 * what is there, deploy through the local registry (one that succeeds, one that rolls back by itself),
 * `--clean`, and the one-sentence failures.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/e2e-bot.js';
import { dockerHostUrl, engineClient } from '../support/podman.js';
import { REGISTRY_ADDR } from '../support/registry.js';

const DB = 'deckhand_demo_e2e';
const DATABASE_URL = `postgresql://postgres@127.0.0.1:5432/${DB}`;

interface Run {
  child: ChildProcess;
  out(): string;
  exited: Promise<number | null>;
}

function demo(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn('npm', ['run', '--silent', 'demo', '--', ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      DOCKER_HOST: dockerHostUrl(),
      DATABASE_URL,
      REDIS_URL: process.env['REDIS_URL'] || 'redis://127.0.0.1:6379',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so a failed test can kill npm, the demo and the shell it opened at once.
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

async function until(run: Run, pattern: RegExp, from: number, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.out().slice(from))) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${run.out().slice(from)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return run.out().slice(from);
}

/** Types a line and waits for the answer to match `pattern`. */
async function type(run: Run, line: string, pattern: RegExp, timeoutMs?: number): Promise<string> {
  const from = run.out().length;
  run.child.stdin!.write(`${line}\n`);
  return until(run, pattern, from, timeoutMs);
}

async function demoContainers(): Promise<string[]> {
  const list = await engineClient().listContainers({ all: true, filters: JSON.stringify({ label: ['deckhand.demo=true'] }) });
  return list.map((c) => c.Names[0]!.replace(/^\//, '')).sort();
}

async function databaseExists(): Promise<boolean> {
  const client = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    return Boolean((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB])).rowCount);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await demo(['--clean'], { DEMO_REGISTRY: REGISTRY_ADDR }).exited;
});

describe('npm run demo', { timeout: 240_000 }, () => {
  it('starts the demo project and opens the shell on live containers; status shows them running', async () => {
    // Given nothing of the demo on the machine
    await demo(['--clean'], { DEMO_REGISTRY: REGISTRY_ADDR }).exited;
    expect(await databaseExists()).toBe(false);

    // When a new user runs it, without a registry, and types status, a deploy and exit
    const run = demo([]);
    run.child.stdin!.end('status\ndeploy api staging 1.1\nexit\n');
    const code = await run.exited;

    // Then the database was created, five containers run, and status shows each service running
    expect(code, run.out()).toBe(0);
    expect(await databaseExists()).toBe(true);
    expect(await demoContainers()).toEqual([
      'deckhand-demo-prod-api-1', 'deckhand-demo-prod-api-2', 'deckhand-demo-prod-worker-1',
      'deckhand-demo-staging-api-1', 'deckhand-demo-staging-worker-1',
    ]);
    const out = run.out();
    expect(out).toContain('demo status');
    expect(out).toContain('5 running');
    expect(out).toMatch(/^api\s+running\s/m);
    expect(out).toMatch(/^worker\s+running\s/m);
    expect(out).not.toMatch(/missing/);
    // and deploy says in one sentence why it cannot run without a registry
    expect(out).toMatch(/deploy is off: .*DEMO_REGISTRY is not set/);
    expect(out).toMatch(/api has no image repository configured, so it cannot be deployed by version\./);
  });

  it('a second run reuses what is there; with a registry, deploy works and a broken tag rolls back by itself', async () => {
    const before = await demoContainers();
    const run = demo([], { DEMO_REGISTRY: REGISTRY_ADDR });
    try {
      await until(run, /demo containers on .*\(0 started now\)/, 0, 120_000);
      expect(await type(run, 'status', /worker\s+running/)).toContain('5 running');
      expect(await demoContainers()).toEqual(before);

      await type(run, 'deploy api staging 1.1', /\[1\] Confirm/);
      const ok = await type(run, '1', /Deploy demo\/staging: api 1\.0 → 1\.1 \((succeeded|failed)\)/, 90_000);
      expect(ok).toMatch(/api 1\.0 → 1\.1 \(succeeded\)/);

      await type(run, 'deploy api staging broken', /\[1\] Confirm/);
      const back = await type(run, '1', /Deploy demo\/staging: api 1\.1 → broken \((succeeded|failed)\)/, 90_000);
      expect(back).toMatch(/\(failed\)/);
      expect(back).toMatch(/Rolled back: 1 container restored to the previous image/);
      expect(await type(run, 'status staging', /api\s+running/)).toMatch(/^api\s+running\s+\S+\s+\S+\s+1\.1\s/m);

      run.child.stdin!.end('exit\n');
      expect(await run.exited).toBe(0);
    } finally {
      if (run.child.exitCode === null) process.kill(-run.child.pid!, 'SIGKILL');
    }
  });

  it('--clean removes the demo containers and database', async () => {
    const run = demo(['--clean'], { DEMO_REGISTRY: REGISTRY_ADDR });
    expect(await run.exited).toBe(0);
    expect(await demoContainers()).toEqual([]);
    expect(await databaseExists()).toBe(false);
  });

  it('says in one sentence what to start when the engine, PostgreSQL or Redis is not there', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ DOCKER_HOST: 'unix:///tmp/deckhand-no-engine.sock' }, /^demo: No Docker-API engine answers at DOCKER_HOST=unix:\/\/\/tmp\/deckhand-no-engine\.sock: start Docker or Podman's API there, or unset DOCKER_HOST\.\n$/],
      [{ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/deckhand_demo_e2e' }, /^demo: PostgreSQL is not reachable at 127\.0\.0\.1:1: start it, or set DATABASE_URL\.\n$/],
      [{ REDIS_URL: 'redis://127.0.0.1:1' }, /^demo: Redis is not reachable at 127\.0\.0\.1:1: start it, or set REDIS_URL\.\n$/],
    ];
    for (const [env, sentence] of cases) {
      const run = demo([], env);
      run.child.stdin!.end();
      expect(await run.exited).toBe(1);
      expect(run.out()).toMatch(sentence);
    }
    await demo(['--clean']).exited;
  });
});
