import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { dockerHostUrl, engineClient, PodmanFixture, requireEngine, waitFor } from '../../support/podman.js';
import { runtimeCore } from '../../support/runtime-core.js';

/**
 * `logs <project> <env> --grep / --at` over real containers: api (two replicas), worker and billing print
 * lines of one request id at known moments two seconds apart (Podman's log times are whole seconds), and a
 * second host that does not exist is named while the rest answers.
 */

let docker: Docker;
let fixture: PodmanFixture;
let app: string;
/** The whole second every container waits for before its request line. */
let t0: number;
const runtime = new DockerRuntime('local', engineClient(), { timeoutMs: 10_000 });
const nowhere = new DockerRuntime('remote', engineClient('unix:///tmp/deckhand-logs-across-nowhere.sock'), { timeoutMs: 2_000 });
const SECRET = 'sk_live_9fQ2xLm4Tz8RwB1c';

/** Prints `noise`, then waits for t0 + offset seconds and prints `line`, then stays up. */
const script = (offset: number, line: string) =>
  `echo "boot $HOSTNAME"; while [ $(date +%s) -lt ${t0 + offset} ]; do sleep 0.1; done; echo "${line}"; echo "unrelated tick"; sleep 300`;

/** At t0 + 1 s, 400 numbered lines of 60 bytes: far more than the small read bound of the last test. */
const chatty = `while [ $(date +%s) -lt $((T0 + 1)) ]; do sleep 0.1; done; i=0; while [ $i -lt 400 ]; do i=$((i+1)); printf 'chatty line %04d %s\\n' $i ${'0123456789'.repeat(4)}; done; sleep 300`;

beforeAll(async () => {
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'docker-logs-across');
  app = fixture.name('shop');
  // Far enough ahead for four containers to start on a busy machine.
  t0 = Math.floor(Date.now() / 1000) + 8;
  const make = (name: string, service: string, offset: number, line: string, env: string[] = []) =>
    fixture.create({ name: `${app}-${name}`, Cmd: ['sh', '-c', script(offset, line)], Env: env, labels: { app, svc: service }, StopTimeout: 1 });
  await Promise.all([
    make('api-1', 'api', 0, 'req-42 api: POST /checkout'),
    make('worker-1', 'worker', 2, 'req-42 worker: job picked'),
    make('billing-1', 'billing', 4, `req-42 billing: charged with ${SECRET}`, [`STRIPE_SECRET_KEY=${SECRET}`]),
    make('api-2', 'api', 6, 'req-42 api: 200 OK'),
    fixture.create({ name: `${app}-chatty-1`, Cmd: ['sh', '-c', chatty.replace('T0', String(t0))], labels: { app, svc: 'chatty' }, StopTimeout: 1 }),
  ]);
  await waitFor(
    'the last request line',
    async () => ((await runtime.logs((await docker.getContainer(`${app}-api-2`).inspect()).Id, { tail: 10 })).some((l) => l.text.includes('200 OK')) ? true : undefined),
    30_000,
  );
}, 60_000);

afterAll(async () => {
  await fixture?.cleanup();
});

function core() {
  return runtimeCore(
    `
hosts:
  local: { url: ${dockerHostUrl()} }
  remote: { url: unix:///tmp/deckhand-logs-across-nowhere.sock }
projects:
  shop:
    environments:
      prod:
        services:
          api: { host: local, labels: { app: ${app}, svc: api } }
          worker: { host: local, labels: { app: ${app}, svc: worker } }
          billing: { host: local, labels: { app: ${app}, svc: billing } }
          mailer: { host: remote, container: mailer }
limits:
  hostTimeoutMs: 5000
`,
    { local: runtime, remote: nowhere },
  );
}

const code = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'code' ? [b.text] : [])).join('\n');
const hms = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().slice(11, 19);

describe('logs across the services of an environment, on Podman', () => {
  it('follows a request id through api → worker → billing → api, merged by time with service/replica in front', async () => {
    const reply = await core().say('logs shop prod --grep req-42 --since 10m');
    expect(code(reply).split('\n')).toEqual([
      `${hms(t0)}.000 api/${app}-api-1 req-42 api: POST /checkout`,
      `${hms(t0 + 2)}.000 worker/${app}-worker-1 req-42 worker: job picked`,
      `${hms(t0 + 4)}.000 billing/${app}-billing-1 req-42 billing: charged with ****`,
      `${hms(t0 + 6)}.000 api/${app}-api-2 req-42 api: 200 OK`,
    ]);
    expect(reply.text).not.toContain(SECRET);
    // The host that does not exist is named; the others answered.
    expect(reply.text).toContain('⚠️ Host remote is unreachable: no lines from mailer.');
    expect(reply.text).toContain('4 lines from api, worker, billing');
  });

  it('shows every service around a moment, and nothing outside the window', async () => {
    const reply = await core().say(`logs shop prod --at ${hms(t0 + 2)} --window 3s`);
    const lines = code(reply).split('\n');
    const requestLines = lines.filter((l) => l.includes('req-42'));
    expect(requestLines.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      `api/${app}-api-1 req-42 api: POST /checkout`,
      `worker/${app}-worker-1 req-42 worker: job picked`,
      `billing/${app}-billing-1 req-42 billing: charged with ****`,
    ]);
    // Every line is inside [t0 - 1 s, t0 + 5 s) and in time order.
    const times = lines.map((l) => l.slice(0, 12));
    expect([...times].sort()).toEqual(times);
    for (const t of times) {
      expect(t >= `${hms(t0 - 1)}.000`).toBe(true);
      expect(t < `${hms(t0 + 5)}.000`).toBe(true);
    }
    expect(lines.some((l) => l.includes('unrelated tick'))).toBe(true);
    expect(reply.text).toContain('(UTC)');
  });

  it('asks the engine for timestamps: each line of the runtime carries its time', async () => {
    const id = (await docker.getContainer(`${app}-worker-1`).inspect()).Id;
    const lines = await runtime.logs(id, { tail: 10, timestamps: true, since: new Date((t0 - 60) * 1000) });
    const request = lines.find((l) => l.text === 'req-42 worker: job picked');
    expect(request?.at).toEqual(new Date((t0 + 2) * 1000));
    const until = await runtime.logs(id, { tail: 10, timestamps: true, since: new Date((t0 - 60) * 1000), until: new Date((t0 + 2) * 1000) });
    expect(until.map((l) => l.text)).toEqual([expect.stringMatching(/^boot /)]);
  });

  it('reads a range at most to its byte bound and says where it stopped', async () => {
    const id = (await docker.getContainer(`${app}-chatty-1`).inspect()).Id;
    const since = new Date((t0 - 60) * 1000);
    const until = new Date((t0 + 60) * 1000);
    const whole = await runtime.logs(id, { tail: 1000, timestamps: true, since, until });
    expect(whole.filter((l) => l.text.startsWith('chatty line'))).toHaveLength(400);
    expect(whole.some((l) => l.cut)).toBe(false);

    const bounded = new DockerRuntime('local', engineClient(), { timeoutMs: 10_000, rangeLogLimitBytes: 4096 });
    const lines = await bounded.logs(id, { tail: 1000, timestamps: true, since, until });
    const read = lines.filter((l) => !l.cut);
    // Each line is 8 bytes of frame header, ~31 of timestamp and 60 of text: about 40 fit in 4 KiB, all whole.
    expect(read.length).toBeGreaterThan(20);
    expect(read.length).toBeLessThan(60);
    for (const l of read.filter((x) => x.text.startsWith('chatty'))) expect(l.text).toMatch(/^chatty line \d{4} 0123456789012345678901234567890123456789$/);
    expect(lines.at(-1)).toEqual({ stream: 'stdout', text: 'more than 4096 bytes of log in the range', at: read.at(-1)!.at, cut: true });

    const reply = await runtimeCore(
      `
hosts:
  local: { url: ${dockerHostUrl()} }
projects:
  shop:
    environments:
      prod:
        services:
          chatty: { host: local, labels: { app: ${app}, svc: chatty } }
`,
      { local: bounded },
    ).say(`logs shop prod --at ${hms(t0 + 1)} --window 1m`);
    expect(reply.text).toContain(`⚠️ The log of chatty (${app}-chatty-1) has more than 4096 bytes of log in the range: it was read up to ${read.at(-1)!.at!.toISOString().slice(11, 19)} UTC only, later lines are missing.`);
  });
});
