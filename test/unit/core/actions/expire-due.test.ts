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

  it('keeps an action pending when its message edit cannot be queued, expires the others, and expires it with its edit on the next sweep', async () => {
    // Given two due actions, one posted (its edit cannot be queued) and one never posted
    const f = actionFixture();
    const base = { plan, requestedBy: 'alice', platform: 'telegram' as const, chatId: '-100', needsApproval: false, createdAt: f.clock.now(), expiresAt: new Date(f.clock.now().getTime() + 1_000) };
    const posted = await f.pendingActions.create(base);
    await f.pendingActions.attachMessage(posted.id, MESSAGE);
    const unposted = await f.pendingActions.create(base);
    f.clock.advance(2_000);
    f.notifier.failNext = true;
    const log = warnings();
    const deps = { pendingActions: f.pendingActions, unit: f.deps.unit, audit: f.audit, clock: f.clock, logger: log.logger };

    // When they are expired, the posted one's expiry and edit roll back together; the other is expired and audited
    expect(await expireDue(deps)).toBe(1);
    expect((await f.pendingActions.get(posted.id))?.status).toBe('pending');
    expect((await f.pendingActions.get(unposted.id))?.status).toBe('expired');
    expect(f.notifier.edits).toEqual([]);
    expect(log.seen).toEqual(['cannot expire action with its message edit; the next sweep tries again']);
    expect(f.audit.entries.map((e) => e.intent)).toEqual(['restart.expired'] satisfies ActionAuditIntent[]);

    // Then the next sweep expires it with its edit, once
    expect(await expireDue(deps)).toBe(1);
    expect((await f.pendingActions.get(posted.id))?.status).toBe('expired');
    expect(f.notifier.editsOf(MESSAGE.messageId)).toEqual([expect.stringContaining('(expired)')]);
    expect(f.audit.entries.map((e) => e.intent)).toEqual(['restart.expired', 'restart.expired'] satisfies ActionAuditIntent[]);
    expect(await expireDue(deps)).toBe(0);
  });
});
