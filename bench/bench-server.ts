/** Idle RSS and start-to-ready time of the built server process (no chat tokens). */
import { readFileSync } from 'node:fs';
import { freePort, spawnBot, waitForHttp, within } from '../test/support/e2e-bot.js';
import { median } from './bench-stats.js';

export interface ServerFigures {
  startToReadyMs: number[];
  rssMb: number[];
}

function vmRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  const kb = Number(/(\d+)/.exec(line ?? '')?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for pid ${pid}`);
  return kb / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One start: spawn → /readyz 200. When `sampleRss`, waits for the process to settle and samples VmRSS. */
async function oneStart(env: Record<string, string>, sampleRss: boolean): Promise<{ readyMs: number; rss: number[] }> {
  const port = await freePort();
  const started = performance.now();
  const bot = spawnBot([], { ...env, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port), LOG_LEVEL: 'warn' });
  let alive = true;
  void bot.exited.then(() => (alive = false));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 200, 20_000, () => alive);
    const readyMs = performance.now() - started;
    const rss: number[] = [];
    if (sampleRss) {
      await sleep(3000);
      for (let i = 0; i < 5; i++) {
        rss.push(vmRssMb(bot.child.pid!));
        await sleep(500);
      }
    }
    bot.child.kill('SIGTERM');
    const exit = await within(bot.exited, 15_000, 'server exit after SIGTERM');
    if (exit.code !== 0) throw new Error(`server exited with ${exit.code ?? exit.signal}; stderr:\n${bot.stderr()}`);
    return { readyMs, rss };
  } finally {
    bot.kill();
  }
}

/** `starts` cold starts (each to /readyz 200); RSS sampled on the last one. */
export async function measureServer(env: Record<string, string>, starts = 5): Promise<ServerFigures> {
  const startToReadyMs: number[] = [];
  let rssMb: number[] = [];
  for (let i = 0; i < starts; i++) {
    const last = i === starts - 1;
    const run = await oneStart(env, last);
    startToReadyMs.push(run.readyMs);
    if (last) rssMb = run.rss;
  }
  return { startToReadyMs, rssMb };
}

export const summarizeServer = (f: ServerFigures) => ({ readyMedianMs: median(f.startToReadyMs), rssMedianMb: median(f.rssMb), rssMaxMb: Math.max(...f.rssMb) });
