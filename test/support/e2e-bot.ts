/**
 * Runs the BUILT bot (dist/app/main.js, the bundle the image runs) as a child process, the way an operator
 * runs it, and collects its output. Shared by test/e2e and bench.
 */
import { randomBytes } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** BUILT_MAIN_OVERRIDE runs another build instead (a benchmark comparing two commits' builds in one run). */
export const BUILT_MAIN = process.env.BUILT_MAIN_OVERRIDE ?? join(REPO_ROOT, 'dist', 'app', 'main.js');
const GENERATED = join(REPO_ROOT, 'src', 'generated');

/** The newest .ts under `dir`, leaving out src/generated (`npm test` generates the Prisma client again after the build). */
function newestSource(dir: string): { file: string; mtimeMs: number } {
  let best = { file: '', mtimeMs: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && path === GENERATED) continue;
    const candidate = entry.isDirectory() ? newestSource(path) : entry.name.endsWith('.ts') ? { file: path, mtimeMs: statSync(path).mtimeMs } : best;
    if (candidate.mtimeMs > best.mtimeMs) best = candidate;
  }
  return best;
}

/**
 * Fails with a clear message when the build is missing (CI runs `npm run build` before `npm test`).
 * A build older than src/ only warns: the tests then exercise what was built, which is stated on stderr.
 */
let warnedStale = false;

export function requireBuiltBot(): string {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(`The e2e tests run the built bot, but ${BUILT_MAIN} does not exist. Run \`npm run build\` first.`);
  }
  const newest = newestSource(join(REPO_ROOT, 'src'));
  if (!warnedStale && newest.mtimeMs > statSync(BUILT_MAIN).mtimeMs + 1000) {
    warnedStale = true;
    process.stderr.write(`e2e: warning: ${newest.file} is newer than ${BUILT_MAIN}; run \`npm run build\` to test the current source.\n`);
  }
  return BUILT_MAIN;
}

/** A TCP port that was free a moment ago (the bot does not report the port it got for HTTP_PORT=0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A temporary folder holding `deckhand.yaml`; `remove()` deletes it. */
export async function writeTempConfig(yaml: string): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'deckhand-e2e-'));
  const file = join(dir, 'deckhand.yaml');
  await writeFile(file, yaml, 'utf8');
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface BotProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until stdout contains `text` (bounded). */
  waitForStdout(text: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL if still running (afterAll safety net). */
  kill(): void;
}

/** Only what the bot needs: no inherited DATABASE_URL/TELEGRAM_* from the developer's shell. */
function baseEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'TZ', 'NODE_OPTIONS', 'TMPDIR'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

export interface ServerBotEnv {
  configFile: string;
  databaseUrl: string;
  port: number;
  /** Telegram in webhook mode against a fake Bot API at `apiRoot`. */
  telegram: { token: string; apiRoot: string; webhookSecret: string };
  /** Job queue prefix: unique per test file unless replicas should share queues. */
  queuePrefix?: string;
  shutdownTimeoutMs: number;
}

/** The environment of a bot in server mode with Telegram webhooks; `extra` adds or overrides variables. */
export function serverBotEnv(o: ServerBotEnv, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DECKHAND_CONFIG: o.configFile,
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: process.env['REDIS_URL'] || 'redis://127.0.0.1:6379',
    // Own queues by default: other e2e files run bots on the same Redis at the same time.
    QUEUE_PREFIX: o.queuePrefix ?? `e2e-${randomBytes(4).toString('hex')}`,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(o.port),
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: String(o.shutdownTimeoutMs),
    TELEGRAM_BOT_TOKEN: o.telegram.token,
    TELEGRAM_API_ROOT: o.telegram.apiRoot,
    TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${o.port}/telegram/webhook`,
    TELEGRAM_WEBHOOK_SECRET: o.telegram.webhookSecret,
    ...extra,
  };
}

export function spawnBot(args: string[], env: Record<string, string>): BotProcess {
  const child = spawn(process.execPath, [requireBuiltBot(), ...args], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForStdout(text, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (done) throw new Error(`bot exited before printing ${JSON.stringify(text)}; stderr:\n${err}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)}; stdout so far:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    kill() {
      if (!done) child.kill('SIGKILL');
    },
  };
}

/** Rejects after `ms` with `what` in the message; for bounding waits on processes. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `url` until it answers `status` (bounded); returns the last response body. */
export async function waitForHttp(url: string, status: number, timeoutMs = 15_000, isAlive: () => boolean = () => true): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      if (res.status === status) return body;
      last = `${res.status} ${body}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (!isAlive()) throw new Error(`the bot exited while waiting for ${url} → ${status} (last: ${last})`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${url} → ${status} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
