/**
 * A private, real Prometheus Alertmanager for one e2e test file: started by scripts/ci/setup-alertmanager.sh
 * on a free port with its own config and data directory, its webhook receiver pointed at the bot under test.
 * The shared instance on 127.0.0.1:9093 belongs to the integration tests (their receiver is 127.0.0.1:19094);
 * reconfiguring it from a test file running in parallel would send their alerts here and ours there.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { freePort, REPO_ROOT } from './e2e-bot.js';

const SETUP = join(REPO_ROOT, 'scripts', 'ci', 'setup-alertmanager.sh');

export const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.string() }),
  matchers: z.array(z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().optional() })),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});
export type AlertmanagerSilence = z.infer<typeof silenceSchema>;

/** One alert as POST /api/v2/alerts takes it. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export interface PrivateAlertmanager {
  /** e.g. http://127.0.0.1:40123 (give it to the bot as `alertmanager.url`). */
  url: string;
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** GET /api/v2/silences, optionally filtered by a matcher such as `alertname="X"`. */
  silences(filter?: string): Promise<AlertmanagerSilence[]>;
  /** DELETE /api/v2/silence/{id}: the silence expires now. */
  expireSilence(id: string): Promise<void>;
  /** Stops the process (SIGTERM, bounded wait) and deletes its directory. */
  stop(): Promise<void>;
}

async function expectOk(res: Response, what: string): Promise<void> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopProcess(pid: number): Promise<void> {
  if (!isRunning(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isRunning(pid)) process.kill(pid, 'SIGKILL');
}

/** Starts the instance (bounded by the script's own 30 s readiness wait) with `receiverUrl` as its only receiver. */
export async function startPrivateAlertmanager(receiverUrl: string, bearerToken: string): Promise<PrivateAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'deckhand-e2e-alertmanager-'));
  const listen = `127.0.0.1:${await freePort()}`;
  const env = { ...process.env, ALERTMANAGER_WEBHOOK_TOKEN: bearerToken, ALERTMANAGER_DIR: dir, ALERTMANAGER_LISTEN: listen };
  try {
    await promisify(execFile)(SETUP, [receiverUrl], { env, timeout: 110_000 });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const pid = Number(await readFile(join(dir, 'alertmanager.pid'), 'utf8'));
  const url = `http://${listen}`;
  return {
    url,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      await expectOk(res, 'POST /api/v2/alerts');
    },
    async silences(filter) {
      const res = await fetch(`${url}/api/v2/silences${filter ? `?filter=${encodeURIComponent(filter)}` : ''}`);
      await expectOk(res, 'GET /api/v2/silences');
      return z.array(silenceSchema).parse(await res.json());
    },
    async expireSilence(id) {
      await expectOk(await fetch(`${url}/api/v2/silence/${encodeURIComponent(id)}`, { method: 'DELETE' }), `DELETE /api/v2/silence/${id}`);
    },
    async stop() {
      if (Number.isInteger(pid) && pid > 0) await stopProcess(pid);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
