/**
 * The promotion plan in the core over in-memory ports: the configuration diff by keyed hash, the checks'
 * levels, who may ask, and the arguments refused with what is right.
 */
import { describe, expect, it } from 'vitest';
import { configDiff } from '../../../src/core/promotions/config-diff.js';
import { healthCheck, runningSince, soakCheck, spoken, targetCheck } from '../../../src/core/promotions/promotion-checks.js';
import type { ContainerInfo } from '../../../src/core/ports/runtime.port.js';
import type { Deployment } from '../../../src/core/ports/deployment.port.js';
import { coreHarness } from '../../support/core-harness.js';
import { formatLocal } from '../../../src/core/domain/rotation.js';

const KEY = new Uint8Array(32).fill(1);

describe('configuration diff', () => {
  it('names keys only on one side and keys whose values differ, never a value, and ignores HOSTNAME', () => {
    const d = configDiff('api', KEY, { A: '1', SECRET: 'staging-secret', ONLY_FROM: 'x', HOSTNAME: 'c1' }, { A: '1', SECRET: 'prod-secret', ONLY_TO: 'y', HOSTNAME: 'c2' });
    expect(d).toEqual({ service: 'api', missingInTarget: ['ONLY_FROM'], missingInSource: ['ONLY_TO'], differing: ['SECRET'] });
    expect(JSON.stringify(d)).not.toMatch(/secret"|staging-secret|prod-secret/);
  });

  it('tells a value moved from one key to another apart (the key is part of the hash)', () => {
    expect(configDiff('api', KEY, { A: 'same' }, { A: 'same' }).differing).toEqual([]);
    expect(configDiff('api', KEY, { A: 'x', B: 'y' }, { A: 'y', B: 'x' }).differing).toEqual(['A', 'B']);
  });
});

const unit = (over: Partial<ContainerInfo>): ContainerInfo => ({
  id: 'c', name: 'api-1', image: 'r/api:1', imageId: 'sha256:1', version: '1', state: 'running', health: 'healthy', startedAt: null, restartCount: 0, labels: {}, ...over,
});

describe('pre-flight checks', () => {
  const now = new Date('2026-12-01T12:00:00Z');

  it('speaks durations as people do', () => {
    expect([spoken(40 * 60_000), spoken(2 * 3_600_000), spoken(185 * 60_000), spoken(50 * 3_600_000)]).toEqual(['40 min', '2 h', '3 h 5 min', '2 d']);
  });

  it('warns when the source ran the version shorter than the soak time, from its last deploy of it', () => {
    const deployed = { status: 'succeeded', kind: 'deploy', version: '1.5', startedAt: new Date('2026-12-01T11:15:00Z'), finishedAt: new Date('2026-12-01T11:20:00Z') } as Deployment;
    const since = runningSince('1.5', [deployed], [unit({ startedAt: new Date('2026-11-01T00:00:00Z') })]);
    expect(since).toEqual(deployed.finishedAt);
    expect(soakCheck('staging', 2 * 3_600_000, [{ service: 'api', since }], now)).toEqual([{ level: 'warn', text: 'api: running for 40 min in staging, soak is 2 h' }]);
    // A newer deploy of another version means the running one is not that record's: the oldest unit's start counts.
    const other = { ...deployed, version: '1.6' };
    expect(runningSince('1.5', [other], [unit({ startedAt: new Date('2026-12-01T06:00:00Z') })])).toEqual(new Date('2026-12-01T06:00:00Z'));
    expect(soakCheck('staging', 2 * 3_600_000, [{ service: 'api', since: new Date('2026-12-01T06:00:00Z') }], now)[0]!.level).toBe('ok');
    expect(soakCheck('staging', 2 * 3_600_000, [{ service: 'api', since: undefined }], now)[0]!.level).toBe('warn');
  });

  it('blocks on an unhealthy or stopped source unit', () => {
    expect(healthCheck('staging', [{ service: 'api', containers: [unit({}), unit({ name: 'api-2', health: 'unhealthy' }), unit({ name: 'api-3', state: 'exited', health: 'none' })] }])).toEqual({
      level: 'block',
      text: 'not healthy in staging: api-2 (unhealthy), api-3 (exited)',
    });
    expect(healthCheck('staging', [{ service: 'api', containers: [unit({ health: 'none' })] }]).level).toBe('ok');
  });

  it('a running action’s lock blocks, someone else’s lock and a freeze warn, one’s own lock passes', () => {
    const since = new Date('2026-12-01T10:00:00Z');
    const name = (id: string) => id.toUpperCase();
    expect(targetCheck('prod', { lock: { project: 'shop', env: 'prod', kind: 'deploy', holder: { kind: 'action', id: 'pa1' }, since, reason: null } as never, freezes: [] }, 'bob', name, 'UTC')[0]!.level).toBe('block');
    expect(targetCheck('prod', { lock: { project: 'shop', env: 'prod', kind: 'manual', holder: { kind: 'person', id: 'carol' }, since, reason: 'db' } as never, freezes: [] }, 'bob', name, 'UTC')[0]).toMatchObject({ level: 'warn', text: expect.stringMatching(/^prod is locked by CAROL/) });
    expect(targetCheck('prod', { lock: { project: 'shop', env: 'prod', kind: 'manual', holder: { kind: 'person', id: 'bob' }, since, reason: null } as never, freezes: [] }, 'bob', name, 'UTC')).toEqual([{ level: 'ok', text: 'prod is not locked or frozen (your own lock)' }]);
    expect(targetCheck('prod', { lock: null, freezes: [{ name: 'Weekend', reason: 'Weekend', until: since, source: 'adhoc' }] }, 'bob', name, 'UTC')[0]!.level).toBe('warn');
  });
});

describe('promote command', () => {
  const promotion = { images: { exists: async () => ({ status: 'present' as const }) }, keys: { key: async () => KEY }, soakMs: 3_600_000 };

  it('answers bad arguments with what is right', async () => {
    const h = coreHarness({ promotion });
    expect((await h.say('promote shop prod prod')).text).toMatch(/the two are the same/);
    expect((await h.say('promote shop staging produ')).text).toMatch(/no environment "produ"[\s\S]*prod/);
    expect((await h.say('promote shop staging prod web')).text).toMatch(/web is not a service of both staging and prod/);
    expect((await h.say('promote shop staging')).text).toMatch(/to which environment\?/);
  });

  it('needs the operator role on the target environment', async () => {
    const h = coreHarness({ promotion });
    // Carol operates staging only; Bob only views shop.
    expect((await h.say('promote shop staging prod', { user: '1003' })).text).toMatch(/^You need the operator role on shop\/prod to run promote./);
    expect((await h.say('promote shop staging prod', { user: '1002' })).text).toMatch(/^You need the operator role on shop\/prod to run promote./);
  });

  it("prints the target's lock in the project's time zone", async () => {
    const h = coreHarness({ promotion });
    // projects.shop.timezone goes before the rotation's Europe/Berlin.
    (h.config.catalog.projects.find((p) => p.name === 'shop') as { timezone?: string }).timezone = 'Asia/Tokyo';
    const rt = h.runtimes.get('docker-1');
    rt.add({ name: 'api-staging', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.5', version: '1.5', startedAt: new Date(h.now().getTime() - 2 * 3_600_000), health: 'healthy' });
    rt.add({ name: 'api-prod', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4', version: '1.4' });
    await h.say('lock shop prod db migration', { user: '1001' });

    const plan = await h.say('promote shop staging prod api', { user: '1004' });
    expect(plan.text).toContain(`prod is locked by Alice since ${formatLocal(h.now(), 'Asia/Tokyo')} (db migration)`);
  });

  it('plans with a warning for a short soak, and Promote now for an admin with --force', async () => {
    const h = coreHarness({ promotion });
    const rt = h.runtimes.get('docker-1');
    rt.add({ name: 'api-staging', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.5', version: '1.5', startedAt: new Date(h.now().getTime() - 10 * 60_000), health: 'healthy', env: { TOKEN: 'staging-value' } });
    rt.add({ name: 'api-prod', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4', version: '1.4', env: { TOKEN: 'prod-value' } });

    const plain = await h.say('promote shop staging prod api', { user: '1004' });
    expect(plain.blocks.some((b) => b.type === 'buttons')).toBe(false);
    expect(plain.text).toMatch(/⚠️ api: running for 10 min in staging, soak is 1 h/);
    expect(plain.text).toMatch(/values differ: TOKEN/);

    const forced = await h.say('promote shop staging prod api --force', { user: '1001' });
    expect(forced.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons.map((x) => x.label) : []))).toEqual(['Promote now', 'Cancel']);
    for (const r of [plain, forced]) expect(JSON.stringify(r)).not.toMatch(/staging-value|prod-value/);
    expect(JSON.stringify(h.audit.entries)).not.toMatch(/staging-value|prod-value/);
  });
});
