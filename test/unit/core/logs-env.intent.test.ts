import { describe, expect, it, vi } from 'vitest';
import { LogNotKeptError } from '../../../src/core/ports/runtime.port.js';
import { coreHarness } from '../../support/core-harness.js';

function withApi(h: ReturnType<typeof coreHarness>, lines: string[], env: Record<string, string> = {}) {
  return h.runtimes.get('docker-1').add({
    name: 'shop-api-1',
    labels: { app: 'shop-api', env: 'prod' },
    env,
    logLines: lines.map((text, i) => ({ stream: i % 3 === 2 ? 'stderr' : 'stdout', text })),
  });
}

describe('logs', () => {
  it('shows stdout and stderr, masking env secret values and known token patterns', async () => {
    const h = coreHarness();
    withApi(h, ['starting', 'connecting with s3cr3t-db-pass', 'auth failed for token=abc123xyz', 'Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl'], {
      DB_PASSWORD: 's3cr3t-db-pass',
    });
    const reply = await h.say('logs api prod');
    const code = reply.blocks.find((b) => b.type === 'code');
    expect(code).toEqual({
      type: 'code',
      text: ['starting', 'connecting with ****', '! auth failed for token=****', 'Authorization: Bearer ****'].join('\n'),
    });
    expect(reply.text).not.toContain('s3cr3t');
  });

  it('filters with --grep and keeps the last N matches', async () => {
    const h = coreHarness();
    withApi(h, ['GET /a 200', 'GET /b 500', 'POST /c 500', 'GET /d 500']);
    const reply = await h.say('logs api prod --grep " 500" --lines 2');
    const code = reply.blocks.find((b) => b.type === 'code');
    expect(code?.type === 'code' && code.text).toBe('! POST /c 500\nGET /d 500');
  });

  it('asks the runtime for the previous container’s log with --previous, and says so in the title', async () => {
    const h = coreHarness();
    withApi(h, ['panic: config missing']);
    const logs = vi.spyOn(h.runtimes.get('docker-1'), 'logs');
    const reply = await h.say('logs api prod --previous --lines 5');
    expect(logs).toHaveBeenCalledTimes(1);
    expect(logs.mock.calls[0]![1]).toMatchObject({ tail: 5, previous: true });
    expect(reply.text).toContain('Logs shop/api · prod (previous)');
    expect(reply.text).toContain('panic: config missing');

    await h.say('logs api prod');
    expect(logs.mock.calls[1]![1]).not.toHaveProperty('previous');
    expect((await h.say('logs api prod --previous=yes')).text).toContain('--previous: takes no value.');
  });

  it('answers once and clearly when the runtime keeps no previous log', async () => {
    const h = coreHarness();
    withApi(h, ['x']);
    h.runtimes.get('docker-1').add({ name: 'shop-api-2', labels: { app: 'shop-api', env: 'prod' } });
    vi.spyOn(h.runtimes.get('docker-1'), 'logs').mockRejectedValue(new LogNotKeptError('docker-1', 'Docker keeps no previous container log'));
    const reply = await h.say('logs api prod --previous');
    expect(reply.text).toContain('No previous log of api (prod): Docker keeps no previous container log.');
    expect(reply.text).not.toContain('logs unavailable');
  });

  it('sends long output as a file and shows the tail inline', async () => {
    const h = coreHarness();
    withApi(h, Array.from({ length: 30 }, (_, i) => `line ${i}`));
    const reply = await h.say('logs api prod --lines 30');
    expect(reply.attachment?.content.split('\n').filter(Boolean)).toHaveLength(30);
    const code = reply.blocks.find((b) => b.type === 'code');
    expect(code?.type === 'code' && code.text.split('\n')).toHaveLength(10);
    expect(reply.text).toContain('last 10 of 30 lines here');
  });

  it('rejects out-of-range and malformed options with what would be right', async () => {
    const h = coreHarness();
    expect((await h.say('logs api prod --lines 1000')).text).toContain('--lines must be at most 100.');
    expect((await h.say('logs api prod --lines 0')).text).toContain('--lines: must be at least 1.');
    expect((await h.say('logs api prod --lines many')).text).toContain('--lines: must be a whole number.');
    expect((await h.say('logs api prod --since yesterday')).text).toContain('--since: must be a duration such as 30s, 10m, 2h or 1d.');
    expect((await h.say('logs api prod --follow')).text).toContain('Unknown option --follow. logs accepts --lines, --since, --grep, --previous, --at, --window.');
    expect((await h.say('logs api prod --lines')).text).toContain('--lines needs a value');
    expect((await h.say('logs')).text).toContain('which service?');
    expect(h.audit.last().outcome).toBe('invalid');
  });

  it('asks which environment when a service runs in several', async () => {
    const h = coreHarness();
    expect((await h.say('logs api')).text).toContain('api runs in staging or prod: say which.');
    expect((await h.say('logs apo prod')).text).toContain('Did you mean api?');
  });
});

describe('env', () => {
  it('masks secret keys, DSN credentials and random-looking values', async () => {
    const h = coreHarness();
    withApi(h, [], {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://shop:pw123456@db:5432/shop',
      STRIPE_API_KEY: 'not-so-random',
      SESSION_SALT: 'x',
      OPAQUE: 'Zk9qT2xHc3RrV2x5c3R+ZUg3Tk1wQ1ZsVzY',
      GIT_SHA: 'a3f5c9e1b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2',
    });
    const reply = await h.say('env api prod');
    const code = reply.blocks.find((b) => b.type === 'code');
    expect(code?.type === 'code' && code.text).toBe(
      [
        'DATABASE_URL=postgres://shop:****@db:5432/shop',
        'GIT_SHA=a3f5c9e1b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2',
        'NODE_ENV=production',
        'OPAQUE=****',
        'SESSION_SALT=****',
        'STRIPE_API_KEY=****',
      ].join('\n'),
    );
    expect(reply.text).toContain('4 masked');
  });
});

describe('oncall', () => {
  it('names who is on call now and next with the local handoff time', async () => {
    const h = coreHarness();
    // Weekly from Mon 2 Nov 09:00 Berlin: alice, bob (9 Nov), carol (16 Nov), alice (23 Nov 09:00 = 08:00Z).
    const reply = await h.say('oncall shop');
    const table = reply.blocks.find((b) => b.type === 'table');
    expect(table).toEqual({
      type: 'table',
      columns: ['PROJECT', 'PRIMARY', 'SECONDARY', 'NEXT', 'HANDOFF'],
      rows: [['shop', 'Alice', 'Bob', 'Bob', 'Mon 30 Nov 09:00 GMT+1']],
    });
  });

  it('says so when a project has no rotation', async () => {
    const h = coreHarness();
    const reply = await h.say('oncall billing', { user: '1002' });
    expect(reply.text).toBe('No on-call rotation is configured for billing.');
  });
});
