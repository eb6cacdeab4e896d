import { describe, expect, it } from 'vitest';
import { coreHarness } from '../../support/core-harness.js';

function seed(h: ReturnType<typeof coreHarness>) {
  const d1 = h.runtimes.get('docker-1');
  d1.add({ name: 'shop-api-1', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2', health: 'healthy', restartCount: 2, startedAt: new Date('2026-11-20T08:00:00Z') });
  d1.add({ name: 'shop-api-s', labels: { app: 'shop-api', env: 'staging' }, state: 'exited', startedAt: null });
  h.runtimes.get('docker-2').add({ name: 'shop-web-prod', image: 'reg/shop/web:2.0.0', version: '2.0.0' });
}

describe('status', () => {
  it('shows each service with state, health, uptime, version, restarts and host', async () => {
    const h = coreHarness();
    seed(h);
    const reply = await h.say('status shop prod');
    const table = reply.blocks.find((b) => b.type === 'table');
    expect(table).toEqual({
      type: 'table',
      columns: ['SERVICE', 'STATE', 'HEALTH', 'UP', 'VERSION', 'RESTARTS', 'HOST', 'IMAGE'],
      rows: [
        ['api', 'running', 'healthy', '3d 4h', '1.4.2', '2', 'docker-1', 'reg/shop/api:1.4.2'],
        ['web', 'running', '-', '3d 2h', '2.0.0', '0', 'docker-2', 'reg/shop/web:2.0.0'],
      ],
    });
    expect(reply.tone).toBe('success');
    expect(h.audit.last()).toMatchObject({ outcome: 'ok', intent: 'status', personId: 'alice' });
  });

  it('defaults to the only project and accepts an environment as the first word', async () => {
    const h = coreHarness();
    seed(h);
    const reply = await h.say('status staging', { user: '1002', chat: '-100500', chatType: 'group' });
    expect(reply.text).toContain('staging');
    expect(reply.text).toContain('exited');
    expect(reply.tone).toBe('warning');
  });

  it('shows an unreachable host as unreachable while the rest still answers', async () => {
    const h = coreHarness();
    seed(h);
    h.runtimes.get('docker-2').unreachable = true;
    const reply = await h.say('status shop prod');
    expect(reply.text).toContain('unreachable: docker-2');
    const table = reply.blocks.find((b) => b.type === 'table');
    expect(table?.type === 'table' && table.rows.map((r) => r[1])).toEqual(['running', 'unreachable']);
  });

  it('gives a slow host its timeout and still answers for the others', async () => {
    const h = coreHarness();
    seed(h);
    h.runtimes.get('docker-2').delayMs = 5_000;
    const started = Date.now();
    const reply = await h.say('status shop prod');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(reply.text).toContain('not answering after 300 ms');
    expect(reply.text).toContain('1.4.2');
  });

  it('queries each host once and hosts in parallel', async () => {
    const h = coreHarness();
    seed(h);
    await h.say('status shop');
    expect(h.runtimes.get('docker-1').calls).toEqual(['find']);
    expect(h.runtimes.get('docker-2').calls).toEqual(['find']);
  });

  it('suggests the nearest project or environment', async () => {
    const h = coreHarness();
    expect((await h.say('status shpo')).text).toContain('Did you mean shop?');
    expect((await h.say('status shop prd')).text).toContain('Project shop has no environment "prd".\n\nDid you mean prod?');
  });

  it('reports a missing service container', async () => {
    const h = coreHarness();
    const reply = await h.say('status shop prod');
    expect(reply.text).toContain('missing');
    expect(reply.tone).toBe('warning');
  });

  it('asks which project when several are possible', async () => {
    const h = coreHarness();
    const reply = await h.say('status', { user: '1002' });
    expect(reply.text).toContain('Which project?');
    expect(reply.text).toContain('shop, billing');
  });

  it('rejects extra words and malformed names', async () => {
    const h = coreHarness();
    expect((await h.say('status shop prod extra')).text).toContain('too many arguments');
    expect((await h.say('status sh$p')).text).toContain('<project>: must be a name');
  });
});
