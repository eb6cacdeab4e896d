import { describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../../../../src/core/ports/runtime.port.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import { coreHarness } from '../../../support/core-harness.js';

// NOW is 2026-11-23 12:00 UTC; shop's rotation is in Europe/Berlin (13:00 there).
const at = (hms: string) => new Date(`2026-11-23T${hms}Z`);
const line = (hms: string, text: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({ at: at(hms), text, stream });
const code = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'code' ? [b.text] : [])).join('\n');

/** shop prod: api with two replicas on docker-1, web on docker-2. */
function shop() {
  const h = coreHarness();
  h.runtimes.get('docker-1').add({
    name: 'shop-api-1',
    labels: { app: 'shop-api', env: 'prod' },
    env: { API_TOKEN: 'tok-3f9a8b7c6d5e' },
    logLines: [line('11:50:01.100', 'req-7 POST /pay'), line('11:50:01.900', 'req-8 GET /'), line('11:50:03.000', 'req-7 paid', 'stderr')],
  });
  h.runtimes.get('docker-1').add({ name: 'shop-api-2', labels: { app: 'shop-api', env: 'prod' }, logLines: [line('11:50:02.000', 'req-7 retry')] });
  h.runtimes.get('docker-2').add({
    name: 'shop-web-prod',
    logLines: [line('11:50:00.500', 'req-7 click pay'), line('11:50:02.500', 'req-7 token tok-3f9a8b7c6d5e leaked'), line('11:30:00.000', 'req-7 too old')],
  });
  return h;
}

describe('logs <project> <env> --grep: every service, merged by time', () => {
  it('merges the matching lines of every service and replica by time, prefixed by service/replica', async () => {
    const h = shop();
    const reply = await h.say('logs shop prod --grep req-7');
    expect(code(reply)).toBe(
      [
        '12:50:00.500 web/shop-web-prod req-7 click pay',
        '12:50:01.100 api/shop-api-1 req-7 POST /pay',
        '12:50:02.000 api/shop-api-2 req-7 retry',
        // Masked with api's secret, though web logged it.
        '12:50:02.500 web/shop-web-prod req-7 token **** leaked',
        '12:50:03.000 api/shop-api-1 ! req-7 paid',
      ].join('\n'),
    );
    expect(reply.text).toContain('Logs shop · prod');
    expect(reply.text).toContain('"req-7" · last 15m');
    expect(reply.text).toContain('5 lines from web, api · times Europe/Berlin');
    expect(reply.text).not.toContain('tok-3f9a8b7c6d5e');
    expect(reply.attachment).toBeUndefined();
  });

  it('asks every unit for timestamps and the range, each host in parallel', async () => {
    const h = shop();
    const logs = vi.spyOn(h.runtimes.get('docker-2'), 'logs');
    await h.say('logs shop prod --grep req-7 --since 30m');
    expect(logs.mock.calls[0]![1]).toEqual({ tail: 100, since: at('11:30:00.000'), timestamps: true });
    const reply = await h.say('logs shop prod --grep "too old" --since 30m');
    expect(code(reply)).toBe('12:30:00.000 web/shop-web-prod req-7 too old');
  });

  it('names a host that is unreachable or too slow, and still answers with the others', async () => {
    const h = shop();
    h.runtimes.get('docker-2').unreachable = true;
    const reply = await h.say('logs shop prod --grep req-7');
    expect(reply.tone).toBe('warning');
    expect(reply.text).toContain('⚠️ Host docker-2 is unreachable: no lines from web.');
    expect(code(reply).split('\n')).toHaveLength(3);

    h.runtimes.get('docker-2').unreachable = false;
    h.runtimes.get('docker-2').delayMs = 2_000; // the config's hostTimeoutMs is 300
    const slow = await h.say('logs shop prod --grep req-7');
    expect(slow.text).toContain('⚠️ Host docker-2 is not answering after 300 ms: no lines from web.');
    expect(code(slow)).toContain('api/shop-api-1 req-7 POST /pay');
  });

  it('bounds the reading of logs by the per-host timeout too', async () => {
    const h = shop();
    // docker-2 lists its containers, then never answers for their logs.
    vi.spyOn(h.runtimes.get('docker-2'), 'logs').mockImplementation(() => new Promise(() => {}));
    const reply = await h.say('logs shop prod --grep req-7');
    expect(reply.text).toContain('⚠️ Host docker-2 is not answering after 300 ms: no lines from web.');
    expect(code(reply).split('\n')).toHaveLength(3);
  });

  it('caps the total lines (--lines), keeping the newest, and says how many matched', async () => {
    const h = shop();
    const reply = await h.say('logs shop prod --grep req --lines 2');
    expect(code(reply)).toBe(['12:50:02.500 web/shop-web-prod req-7 token **** leaked', '12:50:03.000 api/shop-api-1 ! req-7 paid'].join('\n'));
    expect(reply.text).toContain('2 of 6 lines (at most 2) from web, api');
  });

  it('sends every line as a file when more than fit in the message', async () => {
    const h = coreHarness();
    const many = Array.from({ length: 14 }, (_, i) => line(`11:55:${String(i).padStart(2, '0')}.000`, `req-9 step ${i}`));
    h.runtimes.get('docker-1').add({ name: 'shop-api-1', labels: { app: 'shop-api', env: 'prod' }, logLines: many });
    const reply = await h.say('logs shop prod --grep req-9');
    expect(code(reply).split('\n')).toHaveLength(10); // inlineLines in the test config
    expect(code(reply).split('\n')[0]).toBe('12:55:04.000 api/shop-api-1 req-9 step 4');
    expect(reply.attachment?.filename).toBe('shop-prod-req-9.log');
    expect(reply.attachment?.content.trim().split('\n')).toHaveLength(14);
    expect(reply.text).toContain('10 here, all in the file');
  });

  it('says when nothing matches', async () => {
    const h = shop();
    expect((await h.say('logs shop prod --grep nothing-like-this')).text).toContain('No line contains "nothing-like-this" in api, web.');
  });
});

describe('logs <project> <env> --at: every service around a moment', () => {
  it("shows every service's lines within the window around the time, read in the project's zone", async () => {
    const h = shop();
    const logs = vi.spyOn(h.runtimes.get('docker-1'), 'logs');
    const reply = await h.say('logs shop prod --at 12:50:02 --window 1s');
    expect(logs.mock.calls[0]![1]).toMatchObject({ since: at('11:50:01.000'), until: at('11:50:03.000'), timestamps: true });
    expect(code(reply)).toBe(
      ['12:50:01.100 api/shop-api-1 req-7 POST /pay', '12:50:01.900 api/shop-api-1 req-8 GET /', '12:50:02.000 api/shop-api-2 req-7 retry', '12:50:02.500 web/shop-web-prod req-7 token **** leaked'].join('\n'),
    );
    expect(reply.text).toContain('around Mon 23 Nov 12:50:02 ± 1s (Europe/Berlin)');
  });

  it("reads the time in projects.<p>.timezone, which goes before the rotation's", async () => {
    const h = shop();
    (h.config.catalog.projects.find((p) => p.name === 'shop') as { timezone?: string }).timezone = 'Asia/Tokyo';
    const logs = vi.spyOn(h.runtimes.get('docker-1'), 'logs');
    // 20:50:02 in Tokyo is 11:50:02 UTC.
    const reply = await h.say('logs shop prod --at 20:50:02 --window 1s');
    expect(logs.mock.calls[0]![1]).toMatchObject({ since: at('11:50:01.000'), until: at('11:50:03.000') });
    expect(reply.text).toContain('around Mon 23 Nov 20:50:02 ± 1s (Asia/Tokyo)');
  });

  it("says where a bounded log stopped in the project's time zone", async () => {
    const h = shop();
    h.runtimes.get('docker-1').add({
      name: 'shop-chatty-1',
      labels: { app: 'shop-api', env: 'prod' },
      logLines: [line('11:50:01.500', 'chatty'), { stream: 'stdout', text: 'more than 4 MiB of log in the range', at: at('11:50:01.500'), cut: true }],
    });
    const reply = await h.say('logs shop prod --at 12:50:02 --window 1s');
    expect(reply.text).toContain('The log of api (shop-chatty-1) has more than 4 MiB of log in the range: it was read up to 12:50:01 Europe/Berlin only');
    expect(reply.text).not.toContain('UTC');
  });

  it('keeps the lines nearest the moment under the cap', async () => {
    const h = shop();
    const reply = await h.say('logs shop prod --at 12:50:02 --lines 2');
    expect(code(reply)).toBe(['12:50:01.900 api/shop-api-1 req-8 GET /', '12:50:02.000 api/shop-api-2 req-7 retry'].join('\n'));
  });
});

describe('logs arguments', () => {
  const cases: [string, string][] = [
    ['logs shop prod --at 25:00', '--at: must be a time such as 14:23, 14:23:05, 2026-12-02 14:23 or 2026-12-02T14:23'],
    ['logs shop prod --at 12:00 --window 2h', '--window must be at most 30m.'],
    ['logs shop prod --grep x --since 3d', '--since must be at most 1d.'],
    ['logs shop prod --at 12:00 --since 5m', '--at and --since do not go together'],
    ['logs shop prod --grep x --window 2m', '--window goes with --at.'],
    ['logs shop prod --at 12:00 --previous', '--previous reads one service'],
    ['logs shop prod', 'logs shop <env> reads every service with --grep or --at.'],
    ['logs shop --at 12:00', 'Which environment?'],
    ['logs shop qa --at 12:00', 'Project shop has no environment "qa".'],
    ['logs api prod --at 12:00', '--at and --grep across services need a project, not "api".'],
    ['logs shop prod --at 2026-02-30T10:00', 'There is no such time as 2026-02-30T10:00 in Europe/Berlin.'],
  ];
  it.each(cases)('%s → %s', async (command, answer) => {
    const h = shop();
    const reply = await h.say(command);
    expect(reply.tone).toBe('error');
    expect(reply.text).toContain(answer);
  });

  it('keeps logs <service> [env] --grep meaning one service', async () => {
    const h = shop();
    const reply = await h.say('logs api prod --grep req-7');
    expect(reply.text).toContain('Logs shop/api · prod');
    expect(code(reply)).toBe('[shop-api-1] req-7 POST /pay\n[shop-api-1] ! req-7 paid\n[shop-api-2] req-7 retry');
  });

  it('needs the viewer role on the environment', async () => {
    const h = shop();
    // Carol is an operator on shop/staging only.
    const reply = await h.say('logs shop prod --grep req-7', { user: '1003' });
    expect(reply.tone).toBe('error');
    expect(reply.text).toMatch(/viewer role on shop\/prod/);
  });
});
