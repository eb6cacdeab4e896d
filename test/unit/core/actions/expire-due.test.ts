import { describe, expect, it } from 'vitest';
import type { ActionAuditIntent } from '../../../../src/core/ports/audit.port.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';
import { expireDue } from '../../../../src/core/actions/expire-due.js';
import { actionFixture, MESSAGE } from '../../jobs/action-fixture.js';

/** A logger that keeps the messages of its warnings. */
function warnings(): { logger: Logger; seen: string[] } {
  const seen: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (_o: object, msg?: string) => void seen.push(msg ?? ''),
    error: () => {},
    child: () => logger,
  };
  return { logger, seen };
}

describe('expiring due pending actions', () => {
  const plan = { kind: 'restart' as const, project: 'shop', env: 'prod', force: false, services: [{ service: 'api', host: 'docker-1', currentImage: 'a:1', currentVersion: '1', targetImage: 'a:1', targetVersion: '1', revision: [], units: ['api-1'] }] };

  it('expires and audits an action even when its message cannot be edited, and one without a message', async () => {
    // Given two due actions, one posted (its chat refuses the edit) and one never posted
    const f = actionFixture();
    const base = { plan, requestedBy: 'alice', platform: 'telegram' as const, chatId: '-100', needsApproval: false, createdAt: f.clock.now(), expiresAt: new Date(f.clock.now().getTime() + 1_000) };
    const posted = await f.pendingActions.create(base);
    await f.pendingActions.attachMessage(posted.id, MESSAGE);
    const unposted = await f.pendingActions.create(base);
    f.clock.advance(2_000);
    f.notifier.failNext = true;
    const log = warnings();

    // When they are expired
    const count = await expireDue({ pendingActions: f.pendingActions, notifier: f.notifier, audit: f.audit, clock: f.clock, logger: log.logger });

    // Then both are expired and audited; the failed edit is only logged
    expect(count).toBe(2);
    expect((await f.pendingActions.get(posted.id))?.status).toBe('expired');
    expect((await f.pendingActions.get(unposted.id))?.status).toBe('expired');
    expect(f.notifier.edits).toEqual([]);
    expect(log.seen).toEqual(['cannot edit expired action']);
    expect(f.audit.entries.map((e) => e.intent)).toEqual(['restart.expired', 'restart.expired'] satisfies ActionAuditIntent[]);
    expect(await expireDue({ pendingActions: f.pendingActions, notifier: f.notifier, audit: f.audit, clock: f.clock })).toBe(0);
  });
});
