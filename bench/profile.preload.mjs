/**
 * A profile of what a bot process waits for, for bench/webhook-load.bench.ts (BENCH_PROFILE=1): loaded into
 * the BUILT bot with NODE_OPTIONS=--import, it changes no behaviour and only times, from inside the process:
 * - each webhook request, from node:http's 'request' event to the end of the answer;
 * - the event loop's delay (perf_hooks.monitorEventLoopDelay, 10 ms resolution);
 * - every PostgreSQL query (pg.Client#query, the pg driver under Prisma's adapter), by statement, and the
 *   wait for a pool connection (pg.Pool#connect), with the most queries waiting for one at a time.
 * The first SIGUSR2 starts a fresh window (the bench sends it when the measured load begins); the next one
 * writes the window's figures as JSON to $DECKHAND_PROFILE_OUT.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pg from 'pg';

const out = process.env.DECKHAND_PROFILE_OUT;
let loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let webhook = [];
let acquire = [];
let queries = new Map();
let waitingNow = 0;
let waitingMax = 0;

let open = false;
process.on('SIGUSR2', () => {
  if (open) {
    open = false;
    return write();
  }
  open = true;
  loop.disable();
  loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  webhook = [];
  acquire = [];
  queries = new Map();
  waitingMax = waitingNow;
});

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request' && req.url?.startsWith('/telegram/webhook')) {
    const started = performance.now();
    res.once('finish', () => webhook.push(performance.now() - started));
  }
  return emit.apply(this, arguments);
};

/** A statement's name: its first words, with the table it names (no values: they may be secrets). */
function statement(text) {
  const sql = String(text).replace(/\s+/g, ' ').trim();
  const table = /"([a-z_]+)"/.exec(sql)?.[1] ?? '';
  return `${sql.split(' ').slice(0, 2).join(' ')} ${table}`.trim();
}

function record(name, ms) {
  const list = queries.get(name) ?? [];
  list.push(ms);
  queries.set(name, list);
}

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, values, callback) {
  const text = typeof config === 'string' ? config : config?.text;
  if (text === undefined || typeof config?.submit === 'function') return query.apply(this, arguments);
  const name = statement(text);
  const started = performance.now();
  const args = [...arguments];
  const last = args.length - 1;
  if (typeof args[last] === 'function') {
    const cb = args[last];
    args[last] = function () {
      record(name, performance.now() - started);
      return cb.apply(this, arguments);
    };
    return query.apply(this, args);
  }
  const result = query.apply(this, args);
  if (result && typeof result.then === 'function') result.then(() => record(name, performance.now() - started), () => record(name, performance.now() - started));
  return result;
};

const connect = pg.Pool.prototype.connect;
pg.Pool.prototype.connect = function (callback) {
  const started = performance.now();
  waitingNow += 1;
  waitingMax = Math.max(waitingMax, waitingNow);
  const done = () => {
    waitingNow -= 1;
    acquire.push(performance.now() - started);
  };
  if (typeof callback === 'function') {
    return connect.call(this, function () {
      done();
      return callback.apply(this, arguments);
    });
  }
  const result = connect.call(this);
  result.then(done, done);
  return result;
};

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  const round = (v) => Math.round(v * 10) / 10;
  return { n: sorted.length, p50: round(at(50)), p99: round(at(99)), max: round(sorted.at(-1) ?? 0), sum: round(sorted.reduce((a, b) => a + b, 0)) };
}

function write() {
  if (!out) return;
  const ns = (v) => Math.round(v / 1e5) / 10;
  writeFileSync(
    out,
    JSON.stringify({
      pid: process.pid,
      webhook: summary(webhook),
      eventLoopDelayMs: { p50: ns(loop.percentile(50)), p99: ns(loop.percentile(99)), max: ns(loop.max) },
      poolAcquire: { ...summary(acquire), mostWaiting: waitingMax },
      queries: Object.fromEntries([...queries].map(([name, list]) => [name, summary(list)]).sort((a, b) => b[1].sum - a[1].sum)),
    }),
  );
}
