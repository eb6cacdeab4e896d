import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ActionAuditIntent } from '../../../src/core/ports/audit.port.js';
import { startExpirySweeper, type ExpirySweeper } from '../../../src/jobs/expiry.sweeper.js';
import { actionFixture, MESSAGE } from './action-fixture.js';

let sweeper: ExpirySweeper | undefined;
afterEach(() => {
  sweeper?.stop();
  vi.useRealTimers();
});

describe('expiry sweeper', () => {
  it('expires due actions, edits their messages and audits them; later sweeps find nothing', async () => {
    const f = actionFixture();
    const plan = { kind: 'deploy' as const, project: 'shop', env: 'prod', force: false, services: [{ service: 'api', host: 'docker-1', currentImage: 'a:1', currentVersion: '1', targetImage: 'a:2', targetVersion: '2', revision: [], units: [] }] };
    const base = { plan, requestedBy: 'alice', platform: 'telegram' as const, chatId: '-100', needsApproval: false, createdAt: f.clock.now() };
    const due = await f.pendingActions.create({ ...base, expiresAt: new Date(f.clock.now().getTime() + 60_000) });
    await f.pendingActions.attachMessage(due.id, MESSAGE);
    const later = await f.pendingActions.create({ ...base, expiresAt: new Date(f.clock.now().getTime() + 600_000) });
    sweeper = startExpirySweeper({ pendingActions: f.pendingActions, unit: f.deps.unit, audit: f.audit, clock: f.clock, intervalMs: 60_000 });

    expect(await sweeper.sweep()).toBe(0);
    f.clock.advance(61_000);
    expect(await sweeper.sweep()).toBe(1);
    expect(await sweeper.sweep()).toBe(0);

    expect((await f.pendingActions.get(due.id))?.status).toBe('expired');
    expect((await f.pendingActions.get(later.id))?.status).toBe('pending');
    expect(f.notifier.edits).toHaveLength(1);
    expect(f.notifier.edits[0]?.reply.text).toBe('Deploy shop/prod: api 1 → 2 (expired)\n\nExpired, nothing ran.');
    expect(f.notifier.edits[0]?.reply.blocks.some((b) => b.type === 'buttons')).toBe(false);
    expect(f.audit.entries).toHaveLength(1);
    expect(f.audit.last()).toMatchObject({ intent: 'deploy.expired' satisfies ActionAuditIntent, outcome: 'ok', detail: 'expired, nothing ran', personId: 'alice' });
  });

  it('sweeps on its interval', async () => {
    const f = actionFixture();
    const action = await f.claimed('restart');
    await f.pendingActions.create({ ...action, createdAt: new Date(f.clock.now().getTime() - 2), expiresAt: new Date(f.clock.now().getTime() - 1) });
    const expired = () => [...f.pendingActions.rows.values()].filter((r) => r.status === 'expired');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    sweeper = startExpirySweeper({ pendingActions: f.pendingActions, unit: f.deps.unit, clock: f.clock, intervalMs: 20 });

    // Nothing sweeps before the interval has passed; the first tick expires the due action.
    await vi.advanceTimersByTimeAsync(19);
    expect(expired()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(expired()).toHaveLength(1);
  });
});
